package generator

import (
	"slices"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
)

// byThread groups the fs of the invokes by thread (process mod conc).
func byThread(ops []history.Op, conc int) map[int][]string {
	out := map[int][]string{}
	for _, op := range invokes(ops) {
		t := -1
		if op.Process != history.NemesisProcess {
			t = op.Process % conc
		}
		out[t] = append(out[t], op.F)
	}
	return out
}

// crashAll completes every op info: every op crashes its process.
func crashAll(op history.Op) (history.Op, time.Duration) {
	op.Type = history.Info
	return op, ms
}

func TestEachThreadGivesEveryThreadItsOwnCopy(t *testing.T) {
	sim := run(t, Clients(EachThread(Seq(Invoke("a", nil), Invoke("b", nil)))), Sim{Concurrency: 3})
	got := byThread(sim.History, 3)
	for th := range 3 {
		if !slices.Equal(got[th], []string{"a", "b"}) {
			t.Fatalf("thread %d ran %v, want [a b] (all: %v)", th, got[th], got)
		}
	}
	if len(got) != 3 {
		t.Fatalf("threads that ran ops: %v", got)
	}
}

func TestEachThreadKeepsACopyAcrossCrashesButEachProcessStartsAnew(t *testing.T) {
	ab := Seq(Invoke("a", nil), Invoke("b", nil))
	sim := run(t, Clients(EachThread(ab)), Sim{Concurrency: 1, Complete: crashAll})
	assertLines(t, invokes(sim.History), "0s 0 invoke a nil", "1ms 1 invoke b nil")

	sim = run(t, Clients(EachProcess(ab)), Sim{Concurrency: 1, Complete: crashAll, OpLimit: 3})
	assertLines(t, invokes(sim.History), "0s 0 invoke a nil", "1ms 1 invoke a nil", "2ms 2 invoke a nil")
}

func TestEachThreadIsToldOnlyOfItsThreadsEvents(t *testing.T) {
	// Until-ok per thread: thread 1's reads fail twice, thread 0's succeed.
	fails := 0
	complete := func(op history.Op) (history.Op, time.Duration) {
		op.Type = history.OK
		if op.Process == 1 && fails < 2 {
			fails++
			op.Type = history.Fail
		}
		return op, ms
	}
	sim := run(t, Clients(EachThread(UntilOK(Repeat(read())))), Sim{Concurrency: 2, Complete: complete})
	got := byThread(sim.History, 2)
	if len(got[0]) != 1 || len(got[1]) != 3 {
		t.Fatalf("reads per thread %v, want 1 on thread 0 and 3 on thread 1", got)
	}
}

func TestReserveDedicatesThreadRanges(t *testing.T) {
	g := Clients(Reserve([]Reservation{
		{Threads: 1, Gen: Repeat(Invoke("write", nil))},
		{Threads: 2, Gen: Repeat(Invoke("cas", nil))},
	}, Repeat(read())))
	sim := run(t, g, Sim{Concurrency: 5, OpLimit: 100})
	want := map[int]string{0: "write", 1: "cas", 2: "cas", 3: "read", 4: "read"}
	for th, fs := range byThread(sim.History, 5) {
		if len(fs) < 10 || slices.ContainsFunc(fs, func(f string) bool { return f != want[th] }) {
			t.Fatalf("thread %d ran %v, want only %s (at least 10)", th, fs, want[th])
		}
	}
}

func TestReserveGivesTheRestAndTheNemesisToTheDefault(t *testing.T) {
	g := Reserve([]Reservation{{Threads: 1, Gen: Repeat(Invoke("write", nil))}}, Repeat(read()))
	sim := run(t, g, Sim{Concurrency: 2, OpLimit: 30})
	got := byThread(sim.History, 2)
	for th, f := range map[int]string{-1: "read", 0: "write", 1: "read"} {
		if len(got[th]) == 0 || slices.ContainsFunc(got[th], func(x string) bool { return x != f }) {
			t.Fatalf("thread %d ran %v, want only %s", th, got[th], f)
		}
	}
}

func TestReserveIsDoneWhenAllItsGeneratorsAre(t *testing.T) {
	g := Clients(Reserve([]Reservation{{Threads: 1, Gen: Limit(2, Repeat(Invoke("write", nil)))}}, Limit(1, Repeat(read()))))
	sim := run(t, g, Sim{Concurrency: 2})
	got := byThread(sim.History, 2)
	if !slices.Equal(got[0], []string{"write", "write"}) || !slices.Equal(got[1], []string{"read"}) {
		t.Fatalf("ran %v, want two writes on thread 0 and one read on thread 1", got)
	}
}

func TestOnThreadsRestrictsOpsAndUpdates(t *testing.T) {
	g := OnThreads(func(t Thread) bool { return t == 1 }, UntilOK(Repeat(read())))
	complete := func(op history.Op) (history.Op, time.Duration) { op.Type = history.Fail; return op, ms }
	// Ops only on thread 1; every read fails, so until-ok continues to the limit.
	sim := run(t, Any(g, Clients(Limit(3, Repeat(Invoke("w", nil))))), Sim{Concurrency: 3, Complete: complete, OpLimit: 12})
	for th, fs := range byThread(sim.History, 3) {
		if slices.Contains(fs, "read") != (th == 1) {
			t.Fatalf("thread %d ran %v; reads belong to thread 1 only", th, fs)
		}
	}
}

func TestFairnessSpreadsOpsEvenlyOverNodes(t *testing.T) {
	const conc, nodes = 10, 5
	// Equal latencies, zero (a no-op client, where Jepsen's lowest-thread-first
	// choice piles everything onto node 1) and 1ms.
	for _, latency := range []time.Duration{0, ms} {
		same := func(op history.Op) (history.Op, time.Duration) { op.Type = history.OK; return op, latency }
		sim := run(t, Clients(Repeat(read())), Sim{Concurrency: conc, OpLimit: 10000, Complete: same})
		perNode := make([]int, nodes)
		for _, op := range invokes(sim.History) {
			perNode[(op.Process%conc)%nodes]++
		}
		lo, hi := slices.Min(perNode), slices.Max(perNode)
		if float64(hi-lo) > 0.1*float64(lo) {
			t.Fatalf("latency %v: ops per node %v: the busiest has more than 10%% over the idlest", latency, perNode)
		}
	}
	// And with uneven latencies, a slow node gets fewer ops, not the same.
	slow := latencyByProcess(conc, map[int]time.Duration{0: 10 * ms, 5: 10 * ms})
	sim := run(t, Clients(Repeat(read())), Sim{Concurrency: conc, OpLimit: 10000, Complete: slow})
	perNode := make([]int, nodes)
	for _, op := range invokes(sim.History) {
		perNode[(op.Process%conc)%nodes]++
	}
	if perNode[0]*5 > perNode[1] {
		t.Fatalf("ops per node %v: node 0 is 10x slower and should get far fewer", perNode)
	}
}

func TestInfoRetiresTheProcess(t *testing.T) {
	sim := run(t, Clients(Limit(4, Repeat(read()))), Sim{Concurrency: 2, Complete: crashAll})
	assertLines(t, invokes(sim.History),
		"0s 0 invoke read nil",
		"0s 1 invoke read nil",
		"1ms 2 invoke read nil",
		"1ms 3 invoke read nil")
}

func TestEachProcessDropsTheCopyOfACrashedProcess(t *testing.T) {
	// Every op of process 0 crashes; the copies watch completions. The
	// crash of process 0 must not reach process 2's fresh copy.
	var told []int
	watch := func(g Generator, ctx *Context, ev history.Op) Generator {
		if ev.Type.IsCompletion() {
			told = append(told, ev.Process)
		}
		return g.Update(ctx, ev)
	}
	crash0 := func(op history.Op) (history.Op, time.Duration) {
		op.Type = history.OK
		if op.Process == 0 {
			op.Type = history.Info
		}
		return op, ms
	}
	g := Clients(EachProcess(OnUpdate(watch, UntilOK(Repeat(read())))))
	sim := run(t, g, Sim{Concurrency: 2, Complete: crash0})
	got := lines(invokes(sim.History))
	slices.Sort(got)
	if !slices.Equal(got, []string{"0s 0 invoke read nil", "0s 1 invoke read nil", "1ms 2 invoke read nil"}) {
		t.Fatalf("invokes %v, want one read each by processes 0, 1 and (after 0 crashed) 2", got)
	}
	slices.Sort(told)
	if !slices.Equal(told, []int{1, 2}) {
		t.Fatalf("copies were told of completions of processes %v, want [1 2] (process 0's copy is gone)", told)
	}
}

func TestReserveNestsByCountingVisibleThreads(t *testing.T) {
	inner := Reserve([]Reservation{{Threads: 1, Gen: Repeat(Invoke("w", nil))}}, Repeat(Invoke("r", nil)))
	c := Repeat(Invoke("c", nil))
	for _, tc := range []struct {
		gen  Generator
		want map[int]string
	}{
		{Clients(Reserve([]Reservation{{Threads: 2, Gen: inner}}, c)), map[int]string{0: "w", 1: "r", 2: "c", 3: "c"}},
		// The inner reserve sees threads 2 and 3: its first thread is 2.
		{Clients(Reserve([]Reservation{{Threads: 2, Gen: c}}, inner)), map[int]string{0: "c", 1: "c", 2: "w", 3: "r"}},
	} {
		got := byThread(run(t, tc.gen, Sim{Concurrency: 4, OpLimit: 40}).History, 4)
		for th, f := range tc.want {
			if len(got[th]) == 0 || slices.ContainsFunc(got[th], func(x string) bool { return x != f }) {
				t.Fatalf("thread %d ran %v, want only %s (all: %v)", th, got[th], f, got)
			}
		}
	}
}
