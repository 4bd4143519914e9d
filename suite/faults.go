package suite

import (
	"fmt"
	"slices"

	"github.com/spf13/pflag"

	"github.com/faultline/faultline/nemesis/combined"
)

// CombinedOptions is extra (files to corrupt, packet behaviour, partition
// shapes, the lazyfs mount: what a suite knows of its database) with the
// faults o asks for: their names, interval, targets and seed. A suite with
// faults of its own maps their names onto combined's before combined.New.
func (o Options) CombinedOptions(extra combined.Options) combined.Options {
	extra.Faults, extra.Seed = o.Nemesis, o.Seed
	extra.Interval, extra.Targets = o.NemesisInterval, o.NemesisTargets
	return extra
}

// NemesisPackage builds the faults a run asked for with nemesis/combined
// (o.CombinedOptions(extra)): the nemesis, its generator and final
// generator, and the report's fault bands. A workload's Test puts the parts
// into its runner.Test: the generator on the nemesis thread beside the
// clients', the final generator before any final reads, and Faults as the
// test's fault table.
func NemesisPackage(o Options, extra combined.Options) (combined.Package, error) {
	p, err := combined.New(o.CombinedOptions(extra))
	if err != nil {
		return combined.Package{}, fmt.Errorf("--nemesis: %w", err)
	}
	return p, nil
}

// Targeted lists those of faults that aim at nodes, and so take
// --nemesis-targets; partitions keep their shapes, membership changes
// choose their own node.
func Targeted(faults []string) []string {
	var out []string
	for _, f := range faults {
		switch f {
		case combined.Kill, combined.Pause, combined.Packet, combined.Clock, combined.File, combined.Unsynced:
			out = append(out, f)
		}
	}
	return out
}

// Validate says what is wrong with the suite itself: no name, no
// workloads, workloads without a name or a Test or named twice, a fault
// listed twice, a test-all fault set naming a fault the suite does not
// list, an axis that is not one of the suite's flags. A suite's tests
// call it.
func (s Suite) Validate() error {
	if s.Name == "" {
		return fmt.Errorf("suite has no name")
	}
	if len(s.Workloads) == 0 {
		return fmt.Errorf("suite %s has no workloads", s.Name)
	}
	var seen []string
	for i, w := range s.Workloads {
		switch {
		case w.Name == "":
			return fmt.Errorf("suite %s: workload %d has no name", s.Name, i+1)
		case w.Test == nil:
			return fmt.Errorf("suite %s: workload %s has no Test", s.Name, w.Name)
		case slices.Contains(seen, w.Name):
			return fmt.Errorf("suite %s: workload %s named twice", s.Name, w.Name)
		}
		seen = append(seen, w.Name)
	}
	for _, set := range s.Nemeses {
		if err := s.CheckFaults(splitList(set)); err != nil {
			return fmt.Errorf("suite %s: test-all fault set %q: %w", s.Name, set, err)
		}
	}
	for i, f := range s.Faults {
		if slices.Contains(s.Faults[:i], f) {
			return fmt.Errorf("suite %s: fault %s listed twice", s.Name, f)
		}
	}
	fs := pflag.NewFlagSet(s.Name, pflag.ContinueOnError)
	if s.Flags != nil {
		s.Flags(fs)
	}
	for _, a := range s.Axes {
		if fs.Lookup(a.Flag) == nil {
			return fmt.Errorf("suite %s: test-all axis --%s is not one of the suite's flags", s.Name, a.Flag)
		}
	}
	return nil
}
