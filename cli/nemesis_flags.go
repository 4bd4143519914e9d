package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/faultline/faultline/nemesis/target"
	"github.com/faultline/faultline/suite"
)

// Names of the flags that choose and shape a run's faults.
const (
	flagNemesis         = "nemesis"
	flagNemesisInterval = "nemesis-interval"
	flagNemesisTargets  = "nemesis-targets"
)

// nemesisFlags are --nemesis, --nemesis-interval and --nemesis-targets,
// before parsing. Their help lists the faults the suite takes.
type nemesisFlags struct {
	names             []string
	interval, targets string
}

func (f *nemesisFlags) bind(fs *pflag.FlagSet, s suite.Suite) {
	fs.StringSliceVar(&f.names, flagNemesis, nil, "faults to inject, comma-separated: "+s.FaultNames())
	fs.StringVar(&f.interval, flagNemesisInterval, "10", "about how often each fault switches on or off: seconds, or a duration such as 500ms")
	aimed := "the faults that target nodes"
	if t := suite.Targeted(s.Faults); len(t) > 0 {
		aimed = strings.Join(t, ", ") + " faults"
	}
	fs.StringVar(&f.targets, flagNemesisTargets, "", "nodes "+aimed+" hit, chosen at random per fault (partitions keep their shapes): comma-separated specs from "+
		"one, minority, majority, minority-third, primaries, all, random, or node names joined by + (default one,minority,majority,all)")
}

// options reads the flags into o. Whether the suite can take the faults
// is the suite's to say (suite.CheckFaults, suite.Matrix).
func (f *nemesisFlags) options(o *suite.Options) error {
	o.Nemesis = f.names
	d, err := parseInterval(f.interval)
	if err != nil {
		return err
	}
	o.NemesisInterval = d
	if f.targets != "" {
		specs, err := target.ParseList(f.targets)
		if err != nil {
			return fmt.Errorf("--%s: %w", flagNemesisTargets, err)
		}
		o.NemesisTargets = specs
	}
	return nil
}

// parseInterval reads seconds ("10") or a duration ("500ms"), above zero.
func parseInterval(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseFloat(s, 64); err == nil && n > 0 {
		return time.Duration(n * float64(time.Second)), nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return d, nil
	}
	return 0, fmt.Errorf("--%s %q: expected a positive number of seconds (10) or a duration (500ms, 1m)", flagNemesisInterval, s)
}
