package runner

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/client"
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/nemesis"
	"github.com/faultline/faultline/runner/internal/fakekv"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// interpret runs an interpreter with the given parts and returns the
// recorded history, checking that what record saw equals what run returned.
func interpret(t *testing.T, ctx context.Context, in *interpreter) (*history.History, outcome, error) {
	t.Helper()
	var recorded []history.Op
	in.record = func(op history.Op) { recorded = append(recorded, op) }
	if in.log == nil {
		in.log = quiet
	}
	if in.nemesis == nil {
		in.nemesis = nemesis.Noop{}
	}
	o, err := in.run(ctx)
	if len(recorded) != len(o.ops) {
		t.Fatalf("record saw %d ops, the outcome has %d", len(recorded), len(o.ops))
	}
	h, herr := history.New(o.ops)
	if herr != nil {
		t.Fatalf("recorded history is malformed: %v", herr)
	}
	for i, op := range o.ops {
		if op.Index != i {
			t.Fatalf("op %d has index %d", i, op.Index)
		}
		if i > 0 && op.Time < o.ops[i-1].Time {
			t.Fatalf("op %d has time %d, before op %d's %d", i, op.Time, i-1, o.ops[i-1].Time)
		}
	}
	return h, o, err
}

func TestInterpreterRecordsPairedIndexedOpsAndBindsThreadsToNodes(t *testing.T) {
	kv := fakekv.NewKV(0)
	healed := 0
	in := &interpreter{
		concurrency: 6, nodes: []string{"n1", "n2", "n3"}, client: &fakekv.Client{KV: kv},
		nemesis: fakekv.Slow{KV: kv, Latency: int64(time.Microsecond), Healed: &healed},
		phases:  []generator.Generator{&fakekv.Ops{Remaining: 300, NemesisEvery: 50, LogEvery: 40}},
		seed:    1,
	}
	h, o, err := interpret(t, context.Background(), in)
	if err != nil || o.interrupted {
		t.Fatalf("run: %v (interrupted %v)", err, o.interrupted)
	}
	var clientOps, nemesisOps int
	for op := range h.Operations() {
		if !op.Completed {
			t.Fatalf("op %d never completed", op.Invoke.Index)
		}
		if op.Invoke.IsNemesis() {
			nemesisOps++
			if op.Complete.Type != history.Info {
				t.Fatalf("nemesis op completed as %s, want info", op.Complete.Type)
			}
			continue
		}
		clientOps++
		node, _ := op.Complete.Get("node")
		if want := in.nodes[op.Invoke.Process%6%3]; node != want {
			t.Fatalf("process %d ran on %v, want %s (thread i talks to node i mod n)", op.Invoke.Process, node, want)
		}
	}
	if clientOps != 300 || nemesisOps != 5 {
		t.Fatalf("%d client and %d nemesis ops, want 300 and 5 (ops 50, 100, ... 250 and the 300th has no successor)", clientOps, nemesisOps)
	}
	for _, op := range h.All() {
		if op.Type == history.Log || op.F == "" {
			t.Fatalf("log op recorded: %v", op)
		}
	}
}

// flaky completes every third op as info, and every fifth with an error.
type flaky struct {
	mu     *sync.Mutex
	n      *int
	opened *int
}

func (f flaky) Open(context.Context, string) (client.Client, error) {
	f.mu.Lock()
	*f.opened++
	f.mu.Unlock()
	return f, nil
}
func (flaky) Setup(context.Context) error { return nil }
func (f flaky) Invoke(_ context.Context, op history.Op) (history.Op, error) {
	f.mu.Lock()
	*f.n++
	n := *f.n
	f.mu.Unlock()
	switch {
	case n%5 == 0:
		return op, context.DeadlineExceeded
	case n%3 == 0:
		op.Type = history.Info
	default:
		op.Type = history.OK
	}
	return op, nil
}
func (flaky) Teardown(context.Context) error { return nil }
func (flaky) Close(context.Context) error    { return nil }

func TestInfoRetiresTheProcessAndReopensTheClient(t *testing.T) {
	var mu sync.Mutex
	n, opened := 0, 0
	in := &interpreter{concurrency: 3, nodes: []string{"n1"}, client: flaky{&mu, &n, &opened},
		phases: []generator.Generator{&fakekv.Ops{Remaining: 60}}}
	h, _, err := interpret(t, context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	infos := 0
	last := map[int]int{} // thread -> last process seen
	retiredByThread := map[int]bool{}
	for op := range h.Operations() {
		p := op.Invoke.Process
		th := p % 3
		if prev, seen := last[th]; seen && p != prev {
			if p != prev+3 || !retiredByThread[th] {
				t.Fatalf("thread %d went from process %d to %d without an info in between (or not by +concurrency)", th, prev, p)
			}
		}
		last[th] = p
		retiredByThread[th] = op.Outcome() == history.Info
		if op.Outcome() == history.Info {
			infos++
		}
	}
	if infos == 0 {
		t.Fatal("no info completions: the test did not exercise retirement")
	}
	if opened != 3+infos {
		t.Fatalf("clients opened %d times, want 3 at start plus one per info (%d)", opened, infos)
	}
}

func TestTimeLimitEndsTheMainPhaseThenTheFinalGeneratorRuns(t *testing.T) {
	kv := fakekv.NewKV(0)
	in := &interpreter{concurrency: 2, nodes: []string{"n1"}, client: &fakekv.Client{KV: kv},
		phases:    []generator.Generator{&fakekv.Ops{Remaining: -1}, &fakekv.Ops{Remaining: 4, F: "read"}},
		timeLimit: 150 * time.Millisecond}
	start := time.Now()
	h, _, err := interpret(t, context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 150*time.Millisecond || took > 5*time.Second {
		t.Fatalf("run took %s with a 150ms limit", took)
	}
	ops := slices.Collect(h.Operations())
	if len(ops) < 10 {
		t.Fatalf("only %d ops in 150ms", len(ops))
	}
	final := ops[len(ops)-4:]
	for _, op := range final {
		if op.Invoke.F != "read" || op.Invoke.Time < int64(150*time.Millisecond) {
			t.Fatalf("final phase op %v: want 4 reads after the time limit", op.Invoke)
		}
	}
	// The final phase starts only once the main phase's ops all completed.
	mainEnd := ops[len(ops)-5].Complete.Time
	if final[0].Invoke.Time < mainEnd {
		t.Fatalf("final read invoked at %d before the main phase's last completion at %d", final[0].Invoke.Time, mainEnd)
	}
}

// stuck blocks every op until released, ignoring cancellation: a client that
// hangs, as clients do when a node is partitioned.
type stuck struct{ release chan struct{} }

func (s stuck) Open(context.Context, string) (client.Client, error) { return s, nil }
func (stuck) Setup(context.Context) error                           { return nil }
func (s stuck) Invoke(_ context.Context, op history.Op) (history.Op, error) {
	<-s.release
	op.Type = history.OK
	return op, nil
}
func (stuck) Teardown(context.Context) error { return nil }
func (stuck) Close(context.Context) error    { return nil }

func TestInterruptRecordsOutstandingOpsAsInfoAndReturnsWithinTheGrace(t *testing.T) {
	s := stuck{release: make(chan struct{})}
	defer close(s.release)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	in := &interpreter{concurrency: 4, nodes: []string{"n1", "n2"}, client: s,
		phases: []generator.Generator{&fakekv.Ops{Remaining: -1}}, grace: 200 * time.Millisecond}
	start := time.Now()
	h, o, err := interpret(t, ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if !o.interrupted {
		t.Fatal("run not marked interrupted")
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("interrupted run took %s to return with a 200ms grace", took)
	}
	allInfoSaying(t, h, 4, "interrupted")
}

// allInfoSaying asserts that h holds n ops, each completed as info with an
// error that says word (how the run cut them short).
func allInfoSaying(t *testing.T, h *history.History, n int, word string) {
	t.Helper()
	ops := slices.Collect(h.Operations())
	if len(ops) != n {
		t.Fatalf("%d ops, want the %d that were outstanding", len(ops), n)
	}
	for _, op := range ops {
		msg, _ := op.Complete.Error.(string)
		if op.Outcome() != history.Info || !strings.Contains(msg, word) {
			t.Fatalf("outstanding op completed as %v, want info saying it was %s", op.Complete, word)
		}
	}
}

// busy emits an op for process 0 twice in a row: a generator bug.
type busy struct{ n int }

func (b busy) Op(ctx *generator.Context) (generator.Result, generator.Generator) {
	b.n++
	return generator.Result{Status: generator.Emit, Op: history.Op{Type: history.Invoke, Process: 0, F: "read"}}, b
}
func (b busy) Update(*generator.Context, history.Op) generator.Generator { return b }

func TestAGeneratorThatBreaksTheRulesStopsTheRunWithTheReason(t *testing.T) {
	s := stuck{release: make(chan struct{})}
	defer close(s.release)
	in := &interpreter{concurrency: 2, nodes: []string{"n1"}, client: s,
		phases: []generator.Generator{busy{}}, grace: 50 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var err error
	go func() { time.Sleep(2 * time.Second); cancel() }()
	in.record = func(history.Op) {}
	in.log, in.nemesis = quiet, nemesis.Noop{}
	_, err = in.run(ctx)
	if err == nil || !strings.Contains(err.Error(), "process 0 (f \"read\"), whose thread is busy") {
		t.Fatalf("got %v, want an error naming the busy process", err)
	}
}

func TestWorkSpreadsEvenlyOverNodes(t *testing.T) {
	// Ten threads, each op taking 2ms, one op every 400µs: about half the
	// threads are idle at any time, so which free thread gets the next op
	// decides the spread. Picking the lowest-numbered one (Jepsen #611)
	// would starve n5; least recently used spreads evenly.
	nodes := []string{"n1", "n2", "n3", "n4", "n5"}
	kv := fakekv.NewKV(0)
	kv.SetLatency(2 * time.Millisecond)
	in := &interpreter{concurrency: 10, nodes: nodes, client: &fakekv.Client{KV: kv},
		phases: []generator.Generator{&fakekv.Ops{Remaining: 1000, F: "read", Every: int64(400 * time.Microsecond)}}}
	h, _, err := interpret(t, context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	per := map[any]int{}
	for op := range h.Operations() {
		node, _ := op.Complete.Get("node")
		per[node]++
	}
	lo, hi := 1<<30, 0
	for _, n := range nodes {
		lo, hi = min(lo, per[n]), max(hi, per[n])
	}
	if float64(hi) > 1.1*float64(lo) {
		t.Fatalf("ops per node %v: busiest node has more than 10%% over the idlest (Jepsen #611)", per)
	}
}

func TestParseConcurrencyAcceptsMultiplesOfTheNodeCount(t *testing.T) {
	for in, want := range map[string]int{"10": 10, "3n": 15, "n": 5, " 2n ": 10} {
		if got, err := ParseConcurrency(in, 5); err != nil || got != want {
			t.Errorf("ParseConcurrency(%q, 5) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-3", "xn", "3m"} {
		if _, err := ParseConcurrency(in, 5); err == nil || !strings.Contains(err.Error(), "expected a positive number") {
			t.Errorf("ParseConcurrency(%q) = %v, want an error saying what was expected", in, err)
		}
	}
}

// panicky panics when told of its first completion.
type panicky struct{ fakekv.Ops }

func (p *panicky) Op(ctx *generator.Context) (generator.Result, generator.Generator) {
	r, _ := p.Ops.Op(ctx)
	return r, p
}
func (p *panicky) Update(_ *generator.Context, ev history.Op) generator.Generator {
	if ev.Type.IsCompletion() {
		panic("index out of range in the test's generator")
	}
	return p
}

func TestAPanickingGeneratorStopsTheRunWithAnErrorNotACrash(t *testing.T) {
	in := &interpreter{concurrency: 2, nodes: []string{"n1"}, client: fakekv.Noop{},
		phases: []generator.Generator{&panicky{fakekv.Ops{Remaining: 10}}}, grace: 50 * time.Millisecond}
	in.record = func(history.Op) {}
	in.log, in.nemesis = quiet, nemesis.Noop{}
	o, err := in.run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "generator failed on op") || !strings.Contains(err.Error(), "index out of range in the test's generator") {
		t.Fatalf("got %v, want the generator's panic as an error naming the op", err)
	}
	if _, herr := history.New(o.ops); herr != nil {
		t.Fatalf("the history kept so far is malformed: %v", herr)
	}
}

// sleepy completes each op after the duration its value gives.
type sleepy struct{}

func (s sleepy) Open(context.Context, string) (client.Client, error) { return s, nil }
func (sleepy) Setup(context.Context) error                           { return nil }
func (sleepy) Invoke(ctx context.Context, op history.Op) (history.Op, error) {
	d, _ := history.AsInt(op.Value)
	select {
	case <-time.After(time.Duration(d)):
	case <-ctx.Done():
	}
	op.Type = history.OK
	return op, nil
}
func (sleepy) Teardown(context.Context) error { return nil }
func (sleepy) Close(context.Context) error    { return nil }

// scripted emits its ops in order, each for its own process and at its own
// time, once that process is free.
type scripted []history.Op

func (s scripted) Op(ctx *generator.Context) (generator.Result, generator.Generator) {
	if len(s) == 0 {
		return generator.Result{Status: generator.Done}, nil
	}
	if !ctx.IsFree(ctx.ThreadOf(s[0].Process)) {
		return generator.Result{Status: generator.Pending}, s
	}
	return generator.Result{Status: generator.Emit, Op: s[0]}, s[1:]
}
func (s scripted) Update(*generator.Context, history.Op) generator.Generator { return s }

// twoOps emits "a" for process 0 at once (taking aTakes), then "b" for
// process 1 at time bAt.
func twoOps(aTakes, bAt time.Duration) generator.Generator {
	return scripted{
		{Type: history.Invoke, Process: 0, F: "a", Value: int64(aTakes)},
		{Type: history.Invoke, Process: 1, F: "b", Value: int64(0), Time: int64(bAt)},
	}
}

// An op due while a completion wakes the loop starts in that wake-up (just
// before the completion is recorded), never before its time; with no
// completion, it starts by its time plus the slack.
func TestAnOpDueWithinTheSlackSharesTheCompletionsWakeUp(t *testing.T) {
	run := func(aTakes time.Duration) (a, b history.Operation) {
		in := &interpreter{concurrency: 2, nodes: []string{"n1"}, client: sleepy{},
			phases: []generator.Generator{twoOps(aTakes, 10*time.Millisecond)}, slack: 100 * time.Millisecond}
		h, _, err := interpret(t, context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		for op := range h.Operations() {
			switch op.Invoke.F {
			case "a":
				a = op
			case "b":
				b = op
			}
		}
		if !a.Completed || !b.Completed {
			t.Fatalf("a or b missing or incomplete: %v", h.Operations())
		}
		return a, b
	}
	// a completes at about 40 ms, within b's slack (10 ms + 100 ms).
	a, b := run(40 * time.Millisecond)
	if b.Invoke.Time < int64(10*time.Millisecond) {
		t.Fatalf("b started at %v, before its time of 10ms", time.Duration(b.Invoke.Time))
	}
	if b.Invoke.Index != a.Complete.Index-1 {
		t.Fatalf("b started at %v (index %d), a completed at %v (index %d): want b started in a's completion's wake-up, just before it",
			time.Duration(b.Invoke.Time), b.Invoke.Index, time.Duration(a.Complete.Time), a.Complete.Index)
	}
	// a takes far longer than the slack: b starts on its own timer.
	a, b = run(time.Second)
	if b.Invoke.Time < int64(10*time.Millisecond) || b.Invoke.Time >= a.Complete.Time {
		t.Fatalf("b started at %v, a completed at %v: want b at its time plus at most the slack, before a completed",
			time.Duration(b.Invoke.Time), time.Duration(a.Complete.Time))
	}
}

// A call that never returns (a hung client, ignoring cancellation) does not
// keep the run going forever: past the drain limit its op is recorded as
// info, abandoned, and the run ends; the wait named the op while it lasted.
func TestOpsOutstandingPastTheDrainLimitAreAbandonedAsInfo(t *testing.T) {
	s := stuck{release: make(chan struct{})}
	defer close(s.release)
	var logs strings.Builder
	in := &interpreter{concurrency: 2, nodes: []string{"n1"}, client: s,
		phases:    []generator.Generator{generator.Clients(generator.Limit(2, generator.Repeat(generator.Invoke("read", nil))))},
		timeLimit: time.Second, drain: 150 * time.Millisecond, grace: 50 * time.Millisecond,
		log: slog.New(slog.NewTextHandler(&logs, nil))}
	start := time.Now()
	h, o, err := interpret(t, context.Background(), in)
	if err != nil || o.interrupted {
		t.Fatalf("run: %v (interrupted %v): want it to end on its own", err, o.interrupted)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("took %v with a 150ms drain limit", took)
	}
	allInfoSaying(t, h, 2, "abandoned")
	if !strings.Contains(logs.String(), "process 0 read since") {
		t.Fatalf("the log does not name the hung ops:\n%s", logs.String())
	}
}
