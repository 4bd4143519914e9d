package suite

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/control/ssh"
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/nemesis/combined"
	"github.com/faultline/faultline/nemesis/target"
	"github.com/faultline/faultline/nemesis/unsynced"
	"github.com/faultline/faultline/runner"
)

// toy is a suite of two workloads that build an empty test, taking
// partition, kill and a fault of its own.
func toy() Suite {
	test := func(o Options) (*runner.Test, error) {
		if o.Flags["fail"] != "" {
			return nil, errors.New("--fail: " + o.Flags["fail"])
		}
		return &runner.Test{Config: map[string]any{"own": 1}}, nil
	}
	return Suite{
		Name:      "toy",
		Workloads: []Workload{{Name: "a", Test: test}, {Name: "b", Test: test}},
		Faults:    []string{combined.Partition, combined.Kill, "quake"},
		Nemeses:   []string{"", "kill", "partition,quake"},
	}
}

func TestWorkloadIsFoundByNameOrRefusedWithTheNames(t *testing.T) {
	s := toy()
	if w, err := s.Workload("b"); err != nil || w.Name != "b" {
		t.Fatalf("b: %v, %v", w.Name, err)
	}
	for _, name := range []string{"", "c"} {
		_, err := s.Workload(name)
		if !IsOptionsError(err) || !strings.Contains(err.Error(), fmt.Sprintf("--workload %q: expected one of a, b", name)) {
			t.Errorf("%q: %v; want an OptionsError naming a, b", name, err)
		}
	}
	one := Suite{Workloads: s.Workloads[:1]}
	if w, err := one.Workload(""); err != nil || w.Name != "a" {
		t.Fatalf("the one workload of a suite is the default: %v, %v", w.Name, err)
	}
}

func TestCheckFaultsRefusesWhatTheSuiteDoesNotList(t *testing.T) {
	s := toy()
	if err := s.CheckFaults([]string{"kill", " quake", "", "none"}); err != nil {
		t.Fatalf("listed faults, blank and none: %v", err)
	}
	for faults, want := range map[string]string{
		"kill,file":    "--nemesis file: toy cannot take this fault; it takes partition, kill, quake",
		"membership":   "--nemesis membership: toy cannot take this fault",
		"partition, x": "--nemesis x: toy",
	} {
		err := s.CheckFaults(strings.Split(faults, ","))
		if !IsOptionsError(err) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v; want an OptionsError saying %q", faults, err, want)
		}
	}
	if err := (Suite{Name: "bare"}).CheckFaults([]string{"kill"}); err == nil || !strings.HasSuffix(err.Error(), "it takes none") {
		t.Errorf("a suite without faults took kill: %v", err)
	}
}

func TestValidateFindsASuitesOwnMistakes(t *testing.T) {
	if err := toy().Validate(); err != nil {
		t.Fatalf("toy: %v", err)
	}
	for want, breakIt := range map[string]func(*Suite){
		"suite has no name":          func(s *Suite) { s.Name = "" },
		"suite toy has no workloads": func(s *Suite) { s.Workloads = nil },
		"workload 2 has no name":     func(s *Suite) { s.Workloads[1].Name = "" },
		"workload b has no Test":     func(s *Suite) { s.Workloads[1].Test = nil },
		"workload a named twice":     func(s *Suite) { s.Workloads[1].Name = "a" },
		"fault kill listed twice":    func(s *Suite) { s.Faults = append(s.Faults, "kill") },
		`test-all fault set "kill,pause": --nemesis pause: toy cannot take this fault`: func(s *Suite) { s.Nemeses = append(s.Nemeses, "kill,pause") },
		"test-all axis --level is not one of the suite's flags":                        func(s *Suite) { s.Axes = []Axis{{Flag: "level", Values: []string{"x"}}} },
	} {
		s := toy()
		breakIt(&s)
		if err := s.Validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v; want %q", err, want)
		}
	}
}

func TestMatrixRunsEachWorkloadUnderEachFaultSetWithCountingSeeds(t *testing.T) {
	s := toy()
	runs, err := s.Matrix(Options{TestCount: 2, Seed: 10}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range runs {
		got = append(got, fmt.Sprintf("%s[%s]@%d", r.Workload.Name, strings.Join(r.Options.Nemesis, "+"), r.Options.Seed))
	}
	want := []string{"a[]@10", "a[]@11", "a[kill]@12", "a[kill]@13", "a[partition+quake]@14", "a[partition+quake]@15",
		"b[]@16", "b[]@17", "b[kill]@18", "b[kill]@19", "b[partition+quake]@20", "b[partition+quake]@21"}
	if !slices.Equal(got, want) {
		t.Fatalf("matrix %v\nwant %v", got, want)
	}
	// Named workloads and a fault set given on the command line replace
	// the suite's.
	runs, err = s.Matrix(Options{Workload: "b", TestCount: 1, Seed: 1}, []string{"partition"})
	if err != nil || len(runs) != 1 || runs[0].Workload.Name != "b" || !slices.Equal(runs[0].Options.Nemesis, []string{"partition"}) || runs[0].Options.Workload != "b" {
		t.Fatalf("--workload b --nemesis partition: %+v, %v", runs, err)
	}
	if runs, err := (Suite{Name: "x", Workloads: s.Workloads[:1]}).Matrix(Options{}, nil); err != nil || len(runs) != 1 || runs[0].Options.Nemesis != nil {
		t.Fatalf("a suite without fault sets runs once without faults: %+v, %v", runs, err)
	}
	for _, c := range []struct {
		o    Options
		sets []string
		want string
	}{
		{Options{Workload: "a,c"}, nil, `--workload "c"`},
		{Options{}, []string{"kill,file"}, "--nemesis file: toy cannot take this fault"},
	} {
		if _, err := s.Matrix(c.o, c.sets); !IsOptionsError(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v %v: %v; want %q", c.o, c.sets, err, c.want)
		}
	}
}

// An axis multiplies the matrix by its values, in the run's flags and its
// name, unless its flag was given; the caller's flags are left alone.
func TestMatrixVariesTheAxesNotGiven(t *testing.T) {
	s := toy()
	s.Nemeses = []string{""}
	s.Axes = []Axis{{Flag: "level", Values: []string{"low", "high"}}}
	flags := map[string]string{"level": "mid"}
	runs, err := s.Matrix(Options{Workload: "a", Flags: flags}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range runs {
		names = append(names, s.TestName(r.Workload, r.Options))
	}
	if want := []string{"toy-a-low", "toy-a-high"}; !slices.Equal(names, want) || flags["level"] != "mid" {
		t.Fatalf("runs %v (caller's level now %s), want %v", names, flags["level"], want)
	}
	runs, err = s.Matrix(Options{Workload: "a", Flags: flags}, nil, "level")
	if err != nil || len(runs) != 1 || s.TestName(runs[0].Workload, runs[0].Options) != "toy-a-mid" {
		t.Fatalf("--level given: %+v %v, want one run at mid", runs, err)
	}
}

func TestBuildFillsTheTestFromTheOptions(t *testing.T) {
	s := toy()
	w, _ := s.Workload("a")
	o := Options{Nemesis: []string{"kill"}, NemesisTargets: []target.Spec{target.MustParse("n2")}, Concurrency: 6, TimeLimit: time.Minute,
		Seed: 7, LeaveDBRunning: true, RunProcs: 1, Store: "/tmp/runs", Flags: map[string]string{"x": "y"}}
	cl := Cluster{Nodes: []string{"n1", "n2", "n3"}}
	test, err := s.Build(w, o, cl)
	if err != nil {
		t.Fatal(err)
	}
	if test.Name != "toy-a-kill" || !slices.Equal(test.Nodes, cl.Nodes) || test.Concurrency != 6 || test.TimeLimit != time.Minute ||
		test.Seed != 7 || !test.LeaveDBRunning || test.RunProcs != 1 || test.Store.Root != "/tmp/runs" {
		t.Fatalf("built %+v", test)
	}
	if test.Config["suite"] != "toy" || test.Config["workload"] != "a" || test.Config["own"] != 1 || test.Config["flags"].(map[string]string)["x"] != "y" {
		t.Fatalf("config %v lacks the suite's, the workload's or its own entries", test.Config)
	}
	for _, c := range []struct {
		change func(*Options)
		want   string
	}{
		{func(o *Options) { o.Nemesis = []string{"pause"} }, "--nemesis pause: toy cannot take this fault"},
		{func(o *Options) { o.NemesisTargets = []target.Spec{target.MustParse("one"), target.MustParse("n2+n9")} }, `--nemesis-targets n2+n9: "n9" is not one of the nodes n1,n2,n3`},
		{func(o *Options) { o.Flags = map[string]string{"fail": "no"} }, "workload a: --fail: no"},
	} {
		bad := o
		c.change(&bad)
		if _, err := s.Build(w, bad, cl); !IsOptionsError(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v; want an OptionsError saying %q", err, c.want)
		}
	}
}

func TestClusterIsConnectForNamedNodesAndLocalOtherwise(t *testing.T) {
	var used []string
	hook := func(name string) ClusterFunc {
		return func(_ context.Context, o Options) (Cluster, error) {
			used = append(used, name)
			return Cluster{Nodes: []string{name}}, nil
		}
	}
	s := Suite{Connect: hook("connect"), Local: hook("local")}
	s.Cluster(context.Background(), Options{Nodes: []string{"a"}})
	s.Cluster(context.Background(), Options{})
	if !slices.Equal(used, []string{"connect", "local"}) {
		t.Fatalf("used %v", used)
	}
	// Without Connect, named nodes are reached over SSH with the login
	// options.
	cl, err := Suite{}.Cluster(context.Background(), Options{Nodes: []string{"db1"}, Username: "admin", SSHPrivateKey: "/k", StrictHostKeyChecking: false})
	r, ok := cl.Remote.(ssh.Remote)
	if err != nil || !ok || r.Config.User != "admin" || !slices.Equal(r.Config.PrivateKeyFiles, []string{"/k"}) || !r.Config.InsecureIgnoreHostKey || !slices.Equal(cl.Nodes, []string{"db1"}) {
		t.Fatalf("SSH cluster %+v, %v", cl, err)
	}
}

// The options' interval, targets and seed reach nemesis/combined, and the
// targets reach exactly the faults Targeted names: an op of a targeted
// fault carries one of the specs, and no other fault's op does.
func TestTheFaultOptionsReachCombinedAndTargetedNamesItsTargetedFaults(t *testing.T) {
	targeted := Targeted(combined.Names)
	if !slices.Equal(targeted, []string{combined.Kill, combined.Pause, combined.Packet, combined.Clock, combined.File, combined.Unsynced}) {
		t.Fatalf("Targeted(every fault) = %v", targeted)
	}
	for _, name := range combined.Names {
		o := Options{Nemesis: []string{name}, NemesisInterval: time.Second, NemesisTargets: []target.Spec{target.MustParse("n2+n3")}, Seed: 3}
		co := o.CombinedOptions(combined.Options{Mount: unsynced.Mount{Dir: "/data"}})
		if co.Interval != time.Second || co.Seed != 3 || co.Mount.Dir != "/data" || !slices.Equal(co.Faults, o.Nemesis) {
			t.Fatalf("%s: combined options %+v", name, co)
		}
		p, err := NemesisPackage(o, combined.Options{Mount: unsynced.Mount{Dir: "/data"}})
		if err != nil {
			t.Fatal(err)
		}
		sim, err := generator.Simulate(p.Generator, generator.Sim{Concurrency: 1, Seed: 1, TimeLimit: 30 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		aimed := 0
		for _, op := range sim.History {
			if op.Type == history.Invoke && op.Value == "n2+n3" {
				aimed++
			}
		}
		if want := slices.Contains(targeted, name); (aimed > 0) != want {
			t.Errorf("%s: %d ops aimed at n2+n3; Targeted says %v", name, aimed, want)
		}
	}
	if _, err := NemesisPackage(Options{Nemesis: []string{"volcano"}}, combined.Options{}); err == nil || !strings.Contains(err.Error(), `--nemesis: unknown fault "volcano"`) {
		t.Fatalf("volcano: %v", err)
	}
}

// The verdict line leads with what was tested: the suite's prefix, then
// the client outcomes (nemesis ops are not counted), then the checker's
// own summary, or its error when it has none.
func TestSummarizedLeadsWithThePrefixAndTheOutcomeCounts(t *testing.T) {
	h := history.MustNew(
		history.Op{Type: history.Invoke, Process: 0, F: "read"},
		history.Op{Type: history.OK, Process: 0, F: "read"},
		history.Op{Type: history.Invoke, Process: 1, F: "write"},
		history.Op{Type: history.Fail, Process: 1, F: "write"},
		history.Op{Type: history.Invoke, Process: history.NemesisProcess, F: "start"},
		history.Op{Type: history.Info, Process: history.NemesisProcess, F: "start"},
	)
	for _, c := range []struct {
		prefix string
		inner  checker.Result
		want   string
	}{
		{"", checker.Result{Valid: checker.Valid, Summary: "fine"}, "1 ok, 1 fail, 0 info; fine"},
		{"db at level", checker.Result{Valid: checker.Invalid, Summary: "lost"}, "db at level; 1 ok, 1 fail, 0 info; lost"},
		{"db", checker.Result{Valid: checker.Unknown, Error: "broken"}, "db; 1 ok, 1 fail, 0 info; broken"},
	} {
		inner := c.inner
		res := Summarized(c.prefix, checker.Func(func(context.Context, *history.History) checker.Result { return inner })).Check(context.Background(), h)
		if res.Summary != c.want || res.Valid != c.inner.Valid {
			t.Errorf("prefix %q: %v %q, want %v %q", c.prefix, res.Valid, res.Summary, c.inner.Valid, c.want)
		}
	}
}
