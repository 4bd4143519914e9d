package tidb

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/nemesis"
	"github.com/faultline/faultline/nemesis/combined"
	"github.com/faultline/faultline/nemesis/target"
)

// components records which component each call acted on, per node.
type components struct {
	db.Noop
	mu    sync.Mutex
	calls []string // "kill pd n2"
}

func (c *components) rec(what string, n db.Node, comp Component) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, what+" "+string(comp)+" "+n.Name)
	return nil
}
func (c *components) KillComponent(_ context.Context, n db.Node, x Component) error {
	return c.rec("kill", n, x)
}
func (c *components) StartComponent(_ context.Context, n db.Node, x Component) error {
	return c.rec("start", n, x)
}
func (c *components) PauseComponent(_ context.Context, n db.Node, x Component) error {
	return c.rec("pause", n, x)
}
func (c *components) ResumeComponent(_ context.Context, n db.Node, x Component) error {
	return c.rec("resume", n, x)
}

func invoke(t *testing.T, a nemesis.Active, f string, value any) history.Op {
	t.Helper()
	op := nemesis.Call(context.Background(), a, history.Op{Type: history.Invoke, F: f, Value: value, Process: -1})
	if op.Error != nil {
		t.Fatalf("%s: %s", f, op.Error)
	}
	return op
}

// TestComponentFaultActsOnOneComponent: kill-kv kills TiKV alone on the
// target nodes, start-kv starts it again, and Teardown restarts TiKV
// where a kill was never healed; pause-pd pauses PD alone.
func TestComponentFaultActsOnOneComponent(t *testing.T) {
	_, nodes := fakeCluster(5)
	c := &components{}
	env := nemesis.Env{Nodes: nodes, DB: c}
	a, err := ComponentFault{Component: KV}.Setup(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	invoke(t, a, "kill-kv", target.Spec{Kind: target.List, Nodes: []string{"n2", "n4"}}.String())
	invoke(t, a, "start-kv", nil)
	invoke(t, a, "kill-kv", "n3")
	if err := a.Teardown(context.Background()); err != nil {
		t.Fatal(err)
	}
	slices.Sort(c.calls)
	want := []string{"kill kv n2", "kill kv n3", "kill kv n4", "start kv n1", "start kv n2", "start kv n3", "start kv n3", "start kv n4", "start kv n5"}
	if !slices.Equal(c.calls, want) {
		t.Errorf("calls %v, want %v", c.calls, want)
	}

	c.calls = nil
	p, err := ComponentFault{Component: PD, Pause: true}.Setup(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	op := invoke(t, p, "pause-pd", "n5")
	if op.F != "pause-pd" || !slices.Equal(c.calls, []string{"pause pd n5"}) {
		t.Errorf("pause-pd on n5: op %v, calls %v", op, c.calls)
	}
	if _, err := (ComponentFault{Component: DB}).Setup(context.Background(), nemesis.Env{Nodes: nodes, DB: db.Noop{}}); err == nil {
		t.Error("a component fault on a database other than TiDB set up")
	}
}

// TestSchedulerFaultsThroughPDsAPI: shuffle-leader adds PD's
// shuffle-leader-scheduler through a PD that answers (n1's does not),
// del-shuffle-leader removes it, Teardown removes one left behind, and
// removing one PD does not have is no error.
func TestSchedulerFaultsThroughPDsAPI(t *testing.T) {
	f := newFakeAPI(t)
	s, nodes := deployed(t, f)
	f.pdDown["n1"] = true
	for _, name := range schedulerFaults() {
		a, err := SchedulerFault{Name: name, Seed: 3}.Setup(context.Background(), nemesis.Env{Nodes: nodes, DB: s})
		if err != nil {
			t.Fatal(err)
		}
		op := invoke(t, a, name, nil)
		if !slices.Equal(f.schedulers, []string{name + "-scheduler"}) {
			t.Fatalf("%s: PD has schedulers %v", name, f.schedulers)
		}
		if via := op.Value.(history.Map)[1].Value; via == "n1" || via == "" {
			t.Errorf("%s went through %v, whose PD is down", name, via)
		}
		invoke(t, a, "del-"+name, nil)
		invoke(t, a, "del-"+name, nil) // already gone: no error
		if len(f.schedulers) != 0 {
			t.Fatalf("del-%s left %v", name, f.schedulers)
		}
		invoke(t, a, name, nil)
		if err := a.Teardown(context.Background()); err != nil || len(f.schedulers) != 0 {
			t.Fatalf("teardown after %s: %v, schedulers %v", name, err, f.schedulers)
		}
	}
	for _, n := range nodes {
		f.pdDown[n.Name] = true
	}
	a, _ := SchedulerFault{Name: FaultShuffleRegion}.Setup(context.Background(), nemesis.Env{Nodes: nodes, DB: s})
	op := nemesis.Call(context.Background(), a, history.Op{Type: history.Invoke, F: FaultShuffleRegion, Process: -1})
	if !strings.Contains(op.Error.(string), "no PD took the request") || op.Type != history.Info {
		t.Errorf("with every PD down: %+v", op)
	}
}

// TestBuildFaultsMixesTiDBsAndCombinedFaults: TiDB's own faults come with
// their fs, bands and heals beside combined's; conflicting or unknown
// names and schedules are refused.
func TestBuildFaultsMixesTiDBsAndCombinedFaults(t *testing.T) {
	p, err := BuildFaults(combined.Options{Faults: []string{"kill-pd", "pause-db", "shuffle-leader", "random-merge", "partition-pd-leader", "kill"}}, FaultOptions{Schedule: ScheduleFixed, LongRecovery: true})
	if err != nil {
		t.Fatal(err)
	}
	fs := p.Nemesis.Fs()
	for _, want := range []string{"kill-pd", "start-pd", "pause-db", "resume-db", "shuffle-leader", "del-shuffle-leader", "random-merge", "del-random-merge", "start-partition", "stop-partition", "kill", "start"} {
		if !slices.Contains(fs, want) {
			t.Errorf("fs %v lack %s", fs, want)
		}
	}
	if p.Generator == nil || p.Final == nil {
		t.Fatal("no generator or final generator")
	}
	var bands []string
	for _, fam := range p.Faults {
		bands = append(bands, fam.Name)
	}
	for _, want := range []string{"kill pd", "pause db", "shuffle leader", "random merge"} {
		if !slices.Contains(bands, want) {
			t.Errorf("fault bands %v lack %q", bands, want)
		}
	}
	for _, bad := range []struct {
		faults   []string
		schedule string
		want     string
	}{
		{[]string{"partition", "partition-pd-leader"}, "", "both partition the network"},
		{[]string{"kill-tikv"}, "", `unknown fault "kill-tikv"`},
		{[]string{"kill-pd"}, "sometimes", `--nemesis-schedule "sometimes"`},
	} {
		if _, err := BuildFaults(combined.Options{Faults: bad.faults}, FaultOptions{Schedule: bad.schedule}); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%v %q: %v, want %q", bad.faults, bad.schedule, err, bad.want)
		}
	}
}

// TestFaultScheduleInSimulation runs the fault generator on a virtual
// clock: kill-pd ops name one of --nemesis-targets' specs and alternate
// with start-pd, a fixed schedule spaces them exactly one interval apart,
// the final generator heals every fault asked for, and long recovery
// leaves a quiet minute after two minutes of faults.
func TestFaultScheduleInSimulation(t *testing.T) {
	specs := []target.Spec{target.MustParse("one"), target.MustParse("n1+n3")}
	p, err := BuildFaults(combined.Options{Faults: []string{"kill-pd", "shuffle-leader"}, Interval: 10 * time.Second, Targets: specs}, FaultOptions{Schedule: ScheduleFixed})
	if err != nil {
		t.Fatal(err)
	}
	sim, err := generator.Simulate(generator.TimeLimit(5*time.Minute, p.Generator), generator.Sim{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	final, err := generator.Simulate(p.Final, generator.Sim{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	var finalFs []string
	for _, op := range final.History {
		if op.Type == history.Invoke {
			finalFs = append(finalFs, op.F)
		}
	}
	var kills, starts int
	var shuffleTimes []int64
	for _, op := range sim.History {
		if op.Type != history.Invoke {
			continue
		}
		switch op.F {
		case "kill-pd":
			kills++
			if v, _ := op.Value.(string); v != "one" && v != "n1+n3" {
				t.Errorf("kill-pd aimed at %v, not one of --nemesis-targets", op.Value)
			}
		case "start-pd":
			starts++
		case FaultShuffleLeader, "del-" + FaultShuffleLeader:
			shuffleTimes = append(shuffleTimes, op.Time)
		}
	}
	if kills < 5 || starts < kills-1 {
		t.Errorf("%d kill-pd and %d start-pd in 5 minutes at a 10 s interval", kills, starts)
	}
	for i := 1; i < len(shuffleTimes); i++ {
		if gap := time.Duration(shuffleTimes[i] - shuffleTimes[i-1]); gap < 10*time.Second || gap > 11*time.Second {
			t.Fatalf("a fixed schedule spaced two scheduler ops %v apart, want 10 s: %v", gap, shuffleTimes)
		}
	}
	slices.Sort(finalFs)
	if !slices.Equal(finalFs, []string{"del-shuffle-leader", "start-pd"}) {
		t.Errorf("final generator: %v, want every fault healed", finalFs)
	}

	p, err = BuildFaults(combined.Options{Faults: []string{"pause-kv"}, Interval: 5 * time.Second}, FaultOptions{LongRecovery: true})
	if err != nil {
		t.Fatal(err)
	}
	sim, err = generator.Simulate(generator.TimeLimit(6*time.Minute, p.Generator), generator.Sim{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	var quiet time.Duration
	last := int64(0)
	for _, op := range sim.History {
		if op.Type == history.Invoke {
			quiet = max(quiet, time.Duration(op.Time-last))
			last = op.Time
		}
	}
	if quiet < LongRecoveryQuiet {
		t.Errorf("longest pause between fault ops %v, want a %v recovery", quiet, LongRecoveryQuiet)
	}
}
