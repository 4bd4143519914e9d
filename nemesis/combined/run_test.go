package combined_test

import (
	"context"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/client"
	"github.com/faultline/faultline/control/node"
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/localcluster/clustertest"
	"github.com/faultline/faultline/nemesis"
	"github.com/faultline/faultline/nemesis/combined"
	"github.com/faultline/faultline/nemesis/internal/nemtest"
	"github.com/faultline/faultline/runner"
	"github.com/faultline/faultline/runstore"
)

var env *clustertest.Env

func TestMain(m *testing.M) { nemtest.Main(m, 3, &env) }

// reader is a client whose reads always succeed: the run is about faults.
type reader struct{}

func (reader) Open(context.Context, string) (client.Client, error) { return reader{}, nil }
func (reader) Setup(context.Context) error                         { return nil }
func (reader) Teardown(context.Context) error                      { return nil }
func (reader) Close(context.Context) error                         { return nil }
func (reader) Invoke(_ context.Context, op history.Op) (history.Op, error) {
	op.Type, op.Value = history.OK, int64(0)
	return op, nil
}

// TestInterruptedRunRecordsEveryFaultAndHealsAll runs partition, kill and
// pause faults through the runner on a real cluster, interrupts the run
// while faults are active, and checks that every fault op is in the history
// with the nodes it touched, and that nothing is left behind: no iptables
// rule, no stopped or dead sleeper.
func TestInterruptedRunRecordsEveryFaultAndHealsAll(t *testing.T) {
	c, e := nemtest.Env(t, env, nemtest.Sleeper{})
	nemtest.StopSleepers(t, e)
	p, err := combined.New(combined.Options{Faults: []string{"partition", "kill", "pause"}, Interval: 300 * time.Millisecond, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	test := &runner.Test{
		Name: "nemesis-interrupt", Nodes: c.NodeNames(), Remote: c.Remote(),
		DB: nemtest.Sleeper{}, Client: reader{}, Nemesis: cancelAfter{Nemesis: p.Nemesis, n: new(atomic.Int32), at: 8, cancel: cancel},
		Generator: generator.Any(p.Generator, generator.Clients(generator.Stagger(50*time.Millisecond, generator.Repeat(generator.Invoke("read", nil))))),
		Checker: checker.Func(func(context.Context, *history.History) checker.Result {
			return checker.Result{Valid: checker.Valid}
		}),
		Concurrency: 2, TimeLimit: time.Minute, Seed: 1,
		Store:  &runstore.Store{Root: t.TempDir()},
		Output: io.Discard,
		// The DB stays up, so that what the nemesis's teardown left of
		// the sleepers can be seen.
		LeaveDBRunning: true,
	}
	// A slow machine must not interrupt the run before faults start: the
	// nemesis itself interrupts it after its 8th op, a deadline backs it up.
	go func() {
		time.Sleep(2 * time.Minute)
		cancel()
	}()
	out, err := runner.Run(ctx, test)
	if err != nil {
		t.Fatal(err)
	}
	if out.History == nil {
		t.Fatal("the run recorded no history")
	}
	if !out.Interrupted {
		t.Fatal("the run was not marked interrupted")
	}
	pending := map[string]history.Op{}
	seen := map[string]int{}
	for _, op := range out.History.All() {
		if !op.IsNemesis() {
			continue
		}
		if op.Type == history.Invoke {
			pending[op.F] = op
			continue
		}
		if _, ok := pending[op.F]; !ok || op.Type != history.Info {
			t.Fatalf("nemesis completion %v without its invoke, or not info", op)
		}
		delete(pending, op.F)
		seen[op.F]++
		m, ok := op.Value.(history.Map)
		if op.Error != nil {
			// Interrupted mid-fault: the op still says what it tried.
			continue
		}
		if !ok {
			t.Fatalf("%s completed with %s: want a map naming the nodes", op.F, history.FormatEDN(op.Value))
		}
		key := "nodes"
		switch op.F {
		case "start-partition":
			key = "grudge"
		case "stop-partition":
			key = "healed"
		}
		if v, ok := m.Get(history.Keyword(key)); !ok || history.FormatEDN(v) == "[]" {
			t.Fatalf("%s completed with %s: want a non-empty :%s", op.F, history.FormatEDN(op.Value), key)
		}
	}
	t.Logf("completed nemesis ops: %v", seen)
	for _, f := range []string{"start-partition", "kill", "pause"} {
		if seen[f] == 0 {
			t.Errorf("no completed %s in 8 fault ops at a 300 ms interval: %v", f, seen)
		}
	}
	// Nothing left behind.
	for _, n := range e.Nodes {
		rules, err := node.Shell(context.Background(), n.Conn, `iptables -w -S | grep -c faultline || true`)
		if err != nil || rules != "0" {
			t.Errorf("%s: %s faultline iptables lines after the interrupted run (%v)", n.Name, rules, err)
		}
	}
	for name, s := range nemtest.SleeperStates(t, e) {
		if !strings.HasSuffix(s, ":S") {
			t.Errorf("%s's sleeper is %s after the interrupted run; want running (S)", name, s)
		}
	}
}

// cancelAfter interrupts the run (cancels its context) when the nemesis has
// performed at ops, while faults are likely active.
type cancelAfter struct {
	nemesis.Nemesis
	n      *atomic.Int32
	at     int32
	cancel func()
}

func (c cancelAfter) Setup(ctx context.Context, env nemesis.Env) (nemesis.Active, error) {
	inner, err := c.Nemesis.Setup(ctx, env)
	if err != nil {
		return nil, err
	}
	return cancelling{Active: inner, of: c}, nil
}

// cancelling is a set-up cancelAfter.
type cancelling struct {
	nemesis.Active
	of cancelAfter
}

func (c cancelling) Invoke(ctx context.Context, op history.Op) (history.Op, error) {
	out, err := c.Active.Invoke(ctx, op)
	if c.of.n.Add(1) == c.of.at {
		c.of.cancel()
	}
	return out, err
}
