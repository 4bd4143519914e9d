package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/faultline/faultline/nemesis/combined"
	"github.com/faultline/faultline/nemesis/target"
)

// Flags that shape the faults --nemesis names. They reach a workload
// through Options.Flags (every flag is recorded there by name), and a
// workload turns them into its nemesis and schedule with NemesisPackage.
const (
	flagNemesisInterval = "nemesis-interval"
	flagNemesisTargets  = "nemesis-targets"
)

// bindNemesisFlags registers --nemesis-interval and --nemesis-targets,
// after the suite's own flags: a suite that defines either keeps its own.
func bindNemesisFlags(fs *pflag.FlagSet) {
	if fs.Lookup(flagNemesisInterval) == nil {
		fs.String(flagNemesisInterval, "10", "how often each fault switches on or off: seconds, or a duration such as 500ms")
	}
	if fs.Lookup(flagNemesisTargets) == nil {
		fs.String(flagNemesisTargets, "", "nodes kill/pause/packet/clock/file faults hit, chosen at random per fault: comma-separated specs from "+
			"one, minority, majority, minority-third, primaries, all, random, or node names joined by + (default one,minority,majority,all)")
	}
}

// NemesisPackage builds the faults a run asked for (--nemesis, with
// --nemesis-interval and --nemesis-targets) seeded with the run's seed: the
// nemesis, its generator and final generator, and the report's fault bands.
// A workload's Test calls it and puts the parts into its runner.Test (the
// generator on the nemesis thread beside the clients', the final generator
// before the final reads). Faults with more settings (files to corrupt,
// packet behaviour) take them from extra, which may be nil.
func NemesisPackage(o Options, extra *combined.Options) (combined.Package, error) {
	var co combined.Options
	if extra != nil {
		co = *extra
	}
	co.Faults, co.Seed = o.Nemesis, o.Seed
	if s, ok := o.Flags[flagNemesisInterval]; ok && s != "" {
		d, err := parseInterval(s)
		if err != nil {
			return combined.Package{}, err
		}
		co.Interval = d
	}
	if s := o.Flags[flagNemesisTargets]; s != "" {
		specs, err := target.ParseList(s)
		if err != nil {
			return combined.Package{}, fmt.Errorf("--%s: %w", flagNemesisTargets, err)
		}
		co.Targets = specs
	}
	p, err := combined.New(co)
	if err != nil {
		return combined.Package{}, fmt.Errorf("--nemesis: %w", err)
	}
	return p, nil
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
