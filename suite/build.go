package suite

import (
	"maps"
	"slices"
	"strings"

	"github.com/faultline/faultline/nemesis/target"
	"github.com/faultline/faultline/runner"
	"github.com/faultline/faultline/runstore"
)

// Build makes the runner.Test of one run of workload w on cluster cl: the
// workload's test, with the name, nodes, remote, limits, seed, store and
// config.json record filled in from o. Faults the suite cannot take, and
// target lists naming nodes the cluster lacks, are OptionsErrors, as is
// anything the workload refuses. The caller sets Output.
func (s Suite) Build(w Workload, o Options, cl Cluster) (*runner.Test, error) {
	if err := s.CheckFaults(o.Nemesis); err != nil {
		return nil, err
	}
	if err := checkTargets(o.NemesisTargets, cl.Nodes); err != nil {
		return nil, err
	}
	t, err := w.Test(o)
	if err != nil {
		return nil, badOptions("workload %s: %v", w.Name, err)
	}
	if t.Name == "" {
		t.Name = s.TestName(w, o)
	}
	t.Nodes, t.Remote = cl.Nodes, cl.Remote
	t.Concurrency, t.TimeLimit, t.Seed = o.Concurrency, o.TimeLimit, o.Seed
	t.LeaveDBRunning, t.LogJSON, t.RunProcs = o.LeaveDBRunning, o.LogJSON, o.RunProcs
	t.Store = &runstore.Store{Root: o.Store}
	cfg := map[string]any{"suite": s.Name, "workload": w.Name, "nemesis": o.Nemesis, "flags": o.Flags}
	for k, v := range t.Config {
		cfg[k] = v
	}
	t.Config = cfg
	return t, nil
}

// checkTargets refuses a target list that names a node the cluster lacks:
// every fault aimed at it would fail during the run.
func checkTargets(specs []target.Spec, nodes []string) error {
	for _, sp := range specs {
		if sp.Kind != target.List {
			continue
		}
		for _, n := range sp.Nodes {
			if !slices.Contains(nodes, n) {
				return badOptions("--nemesis-targets %s: %q is not one of the nodes %s", sp, n, strings.Join(nodes, ","))
			}
		}
	}
	return nil
}

// TestName is suite-workload[-axis value...][-nemesis,...], the run's
// folder name.
func (s Suite) TestName(w Workload, o Options) string {
	name := s.Name + "-" + w.Name
	for _, a := range s.Axes {
		if v := o.Flags[a.Flag]; v != "" {
			name += "-" + v
		}
	}
	if len(o.Nemesis) > 0 {
		name += "-" + strings.Join(o.Nemesis, ",")
	}
	return name
}

// Run is one cell of the test-all matrix: a workload and the options of
// its run (fault set and seed set).
type Run struct {
	Workload Workload
	Options  Options
}

// Matrix is test-all's list of runs: each workload (o.Workload's
// comma-separated names, or all of them) under each fault set (faultSets,
// each a comma-separated --nemesis value; nil: the suite's Nemeses, or no
// faults when it has none), o.TestCount times each, with seeds counting up
// from o.Seed in that order. Each of the suite's Axes multiplies the runs
// by its values (set in Options.Flags), except the axes whose flags are
// named in given (set on the command line: their value is kept). An
// unknown workload or a fault the suite cannot take is an OptionsError.
func (s Suite) Matrix(o Options, faultSets []string, given ...string) ([]Run, error) {
	workloads := s.Workloads
	if o.Workload != "" {
		workloads = nil
		for _, name := range strings.Split(o.Workload, ",") {
			w, err := s.Workload(name)
			if err != nil {
				return nil, err
			}
			workloads = append(workloads, w)
		}
	}
	if faultSets == nil {
		faultSets = s.Nemeses
	}
	if len(faultSets) == 0 {
		faultSets = []string{""}
	}
	for _, set := range faultSets {
		if err := s.CheckFaults(splitList(set)); err != nil {
			return nil, err
		}
	}
	var runs []Run
	seed := o.Seed
	for _, w := range workloads {
		for _, flags := range s.axisFlags(o.Flags, given) {
			for _, set := range faultSets {
				for range max(o.TestCount, 1) {
					run := o
					run.Workload, run.Nemesis, run.Seed, run.Flags = w.Name, splitList(set), seed, flags
					seed++
					runs = append(runs, Run{Workload: w, Options: run})
				}
			}
		}
	}
	return runs, nil
}

// axisFlags is every combination of the values of the axes not given,
// each a copy of flags with those values set.
func (s Suite) axisFlags(flags map[string]string, given []string) []map[string]string {
	out := []map[string]string{flags}
	for _, a := range s.Axes {
		if slices.Contains(given, a.Flag) || len(a.Values) == 0 {
			continue
		}
		var next []map[string]string
		for _, f := range out {
			for _, v := range a.Values {
				c := maps.Clone(f)
				if c == nil {
					c = map[string]string{}
				}
				c[a.Flag] = v
				next = append(next, c)
			}
		}
		out = next
	}
	return out
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
