package generator

import (
	"testing"
	"time"

	"github.com/faultline/faultline/history"
)

func writes(n int) Generator {
	gens := make([]Generator, n)
	for i := range gens {
		gens[i] = Invoke("write", i+1)
	}
	return Seq(gens...)
}

func TestMapRewritesOps(t *testing.T) {
	double := func(op history.Op) history.Op { op.Value = op.Value.(int) * 2; return op }
	sim := run(t, Clients(Map(double, writes(2))), Sim{Concurrency: 1})
	assertTimes(t, sim, "write@0s", "write@1ms")
	if v := sim.History[0].Value; v != 2 {
		t.Fatalf("first value %v, want 2", v)
	}
}

func TestFMapRenamesFs(t *testing.T) {
	g := Nemesis(FMap(map[string]string{"start": "start-partition"}, Seq(Invoke("start", nil), Invoke("heal", nil))))
	sim := run(t, g, Sim{Concurrency: 1})
	assertFs(t, invokes(sim.History), "start-partition", "heal")
}

func TestFilterDropsOpsItDoesNotKeep(t *testing.T) {
	even := func(op history.Op) bool { return op.Value.(int)%2 == 0 }
	sim := run(t, Clients(Filter(even, writes(5))), Sim{Concurrency: 1})
	assertLines(t, invokes(sim.History), "0s 0 invoke write 2", "1ms 0 invoke write 4")
}

func TestFilterThatNeverMatchesFailsInsteadOfSpinning(t *testing.T) {
	never := Filter(func(history.Op) bool { return false }, Repeat(read()))
	e := simError(t, Clients(never), Sim{Concurrency: 1})
	assertErrorPrefix(t, e, "clients > filter: discarded a million ops in a row")
}

func TestOnUpdateChangesCourseOnAnEvent(t *testing.T) {
	// After the first failed write, switch to reads.
	failTwo := func(op history.Op) (history.Op, time.Duration) {
		op.Type = history.OK
		if op.F == "write" && op.Value == 2 {
			op.Type = history.Fail
		}
		return op, ms
	}
	react := func(g Generator, ctx *Context, event history.Op) Generator {
		if event.Type == history.Fail {
			return Repeat(read())
		}
		return g.Update(ctx, event)
	}
	g := Clients(Limit(5, OnUpdate(react, Seq(writes(2), Repeat(Invoke("write", 3))))))
	sim := run(t, g, Sim{Concurrency: 1, Complete: failTwo})
	assertFs(t, invokes(sim.History), "write", "write", "read", "read", "read")
}

func TestUntilOKStopsAfterTheFirstOKOfItsOwnOps(t *testing.T) {
	n := 0
	okThird := func(op history.Op) (history.Op, time.Duration) {
		n++
		op.Type = history.Fail
		if n == 3 {
			op.Type = history.OK
		}
		return op, ms
	}
	sim := run(t, Clients(UntilOK(Repeat(read()))), Sim{Concurrency: 1, Complete: okThird})
	assertLines(t, sim.History,
		"0s 0 invoke read nil", "1ms 0 fail read nil",
		"1ms 0 invoke read nil", "2ms 0 fail read nil",
		"2ms 0 invoke read nil", "3ms 0 ok read nil")

	// Another generator's ok does not count.
	g := Any(Nemesis(Invoke("kill", nil)), Clients(UntilOK(Repeat(read()))))
	n = 0
	always := func(op history.Op) (history.Op, time.Duration) {
		op.Type = history.Fail
		if op.Process == history.NemesisProcess {
			op.Type = history.OK
		}
		return op, ms
	}
	sim = run(t, g, Sim{Concurrency: 1, Complete: always, OpLimit: 6})
	if got := len(invokes(sim.History)); got != 6 {
		t.Fatalf("%d invokes; the nemesis's ok must not end until-ok", got)
	}
}

func TestFlipFlopAlternatesUntilTheOneWhoseTurnItIsEnds(t *testing.T) {
	g := Clients(FlipFlop(Repeat(Invoke("a", nil)), Limit(2, Repeat(Invoke("b", nil)))))
	sim := run(t, g, Sim{Concurrency: 2})
	assertFs(t, invokes(sim.History), "a", "b", "a", "b", "a")
}

func TestProcessLimitCountsEveryProcessItHasSeen(t *testing.T) {
	// Two threads whose ops all crash: processes 0 and 1, then 2 and 3; the
	// next pair would make six.
	sim := run(t, Clients(ProcessLimit(4, Repeat(read()))), Sim{Concurrency: 2, Complete: crashAll})
	assertLines(t, invokes(sim.History),
		"0s 0 invoke read nil",
		"0s 1 invoke read nil",
		"1ms 2 invoke read nil",
		"1ms 3 invoke read nil")
}

func TestConcurrencyLimitCapsOpsOutstanding(t *testing.T) {
	sim := run(t, Clients(ConcurrencyLimit(2, Repeat(read()))), Sim{Concurrency: 5, OpLimit: 6})
	assertLines(t, invokes(sim.History),
		"0s 0 invoke read nil",
		"0s 1 invoke read nil",
		"1ms 2 invoke read nil",
		"1ms 3 invoke read nil",
		"2ms 4 invoke read nil",
		"2ms 0 invoke read nil")
}

func TestSynchronizeWaitsForEveryVisibleThread(t *testing.T) {
	slow1 := latencyByProcess(2, map[int]time.Duration{1: 4 * ms})
	g := Clients(Seq(Limit(2, Repeat(Invoke("a", nil))), Synchronize(Invoke("b", nil))))
	sim := run(t, g, Sim{Concurrency: 2, Complete: slow1})
	assertTimes(t, sim, "a@0s", "a@0s", "b@4ms")
}
