package generator

import (
	"testing"
	"time"

	"github.com/faultline/faultline/history"
)

func TestInvokeIsOneOpOnTheLeastRecentlyUsedFreeClient(t *testing.T) {
	sim := run(t, Clients(Invoke("read", nil)), Sim{Concurrency: 2})
	assertLines(t, sim.History,
		"0s 0 invoke read nil",
		"1ms 0 ok read nil")
}

func TestOpTemplateKeepsTypeFieldsAndTakesProcessAndTimeFromContext(t *testing.T) {
	tmpl := history.Op{F: "start", Value: "x", Process: 7, Time: 99}
	tmpl.Set("node", "n1")
	sim := run(t, Nemesis(Op(tmpl)), Sim{Concurrency: 1})
	assertLines(t, sim.History,
		"0s nemesis invoke start \"x\"",
		"0s nemesis info start \"x\"")
	if v, _ := sim.History[0].Get("node"); v != "n1" {
		t.Fatalf("extra field node = %v, want n1", v)
	}
}

func TestSeqRunsEachGeneratorInOrderOnFreeThreads(t *testing.T) {
	g := Clients(Seq(Invoke("write", 1), Invoke("write", 2), Invoke("write", 3)))
	sim := run(t, g, Sim{Concurrency: 2})
	assertLines(t, sim.History,
		"0s 0 invoke write 1",
		"0s 1 invoke write 2", // thread 0 is busy; thread 1 free
		"1ms 0 ok write 1",
		"1ms 1 ok write 2",
		"1ms 0 invoke write 3", // thread 0 used least recently
		"2ms 0 ok write 3")
}

func TestFuncIsCalledAgainEachTimeItsGeneratorIsExhausted(t *testing.T) {
	g := Clients(Func(func(ctx *Context) Generator {
		if ctx.Time >= 2*int64(time.Millisecond) {
			return nil
		}
		at := time.Duration(ctx.Time).String()
		return Seq(Invoke("a", at), Invoke("b", at))
	}))
	sim := run(t, g, Sim{Concurrency: 1})
	// f runs at 0 (a, b), at 1ms when b is emitted and the thread is busy
	// (a, b made then), and at 3ms, when it ends the generator.
	assertLines(t, sim.History,
		`0s 0 invoke a "0s"`, `1ms 0 ok a "0s"`,
		`1ms 0 invoke b "0s"`, `2ms 0 ok b "0s"`,
		`2ms 0 invoke a "1ms"`, `3ms 0 ok a "1ms"`,
		`3ms 0 invoke b "1ms"`, `4ms 0 ok b "1ms"`)
}

func TestFuncReturningAnExhaustedGeneratorEnds(t *testing.T) {
	calls := 0
	g := Func(func(*Context) Generator { calls++; return Limit(0, read()) })
	sim := run(t, g, Sim{Concurrency: 1})
	if len(sim.History) != 0 || calls != 1 {
		t.Fatalf("history %v after %d calls, want nothing after 1 call", lines(sim.History), calls)
	}
}

func TestLimitAndOnce(t *testing.T) {
	sim := run(t, Clients(Limit(3, Repeat(read()))), Sim{Concurrency: 2})
	assertLines(t, sim.History,
		"0s 0 invoke read nil",
		"0s 1 invoke read nil",
		"1ms 0 ok read nil",
		"1ms 1 ok read nil",
		"1ms 0 invoke read nil",
		"2ms 0 ok read nil")
	sim = run(t, Clients(Once(Repeat(read()))), Sim{Concurrency: 2})
	assertLines(t, sim.History, "0s 0 invoke read nil", "1ms 0 ok read nil")
}

func TestRepeatDoesNotAdvanceItsGenerator(t *testing.T) {
	g := Clients(Repeat(Seq(Invoke("a", nil), Invoke("b", nil))))
	sim := run(t, g, Sim{Concurrency: 1, OpLimit: 3})
	assertFs(t, invokes(sim.History), "a", "a", "a")

	sim = run(t, Clients(RepeatN(2, read())), Sim{Concurrency: 3})
	if n := len(invokes(sim.History)); n != 2 {
		t.Fatalf("RepeatN(2) emitted %d ops", n)
	}
}

func TestCycleRestartsAFiniteGenerator(t *testing.T) {
	ab := Seq(Invoke("a", nil), Invoke("b", nil))
	sim := run(t, Clients(Cycle(ab)), Sim{Concurrency: 1, OpLimit: 5})
	assertFs(t, invokes(sim.History), "a", "b", "a", "b", "a")

	sim = run(t, Clients(CycleN(2, ab)), Sim{Concurrency: 1})
	assertFs(t, invokes(sim.History), "a", "b", "a", "b")

	// A generator exhausted before its first op must not spin forever.
	never := Filter(func(history.Op) bool { return false }, Limit(3, read()))
	sim = run(t, Clients(Cycle(never)), Sim{Concurrency: 1})
	if len(sim.History) != 0 {
		t.Fatalf("cycle of an empty generator emitted %v", lines(sim.History))
	}
}

func TestMixDrawsEachOpFromARandomGenerator(t *testing.T) {
	// Three one-op generators: all three ops, each once, in a seeded order.
	g := Clients(Mix(Invoke("a", nil), Invoke("b", nil), Invoke("c", nil)))
	sim := run(t, g, Sim{Concurrency: 3, Seed: 1})
	got := fs(invokes(sim.History))
	if len(got) != 3 || !containsAll(got, "a", "b", "c") {
		t.Fatalf("mix of three single ops emitted %v", got)
	}
	again := run(t, g, Sim{Concurrency: 3, Seed: 1})
	assertFs(t, invokes(again.History), got...)

	// Two endless generators: about half each.
	g = Clients(Mix(Repeat(Invoke("a", nil)), Repeat(Invoke("b", nil))))
	sim = run(t, g, Sim{Concurrency: 4, Seed: 7, OpLimit: 4000})
	a := 0
	for _, f := range fs(invokes(sim.History)) {
		if f == "a" {
			a++
		}
	}
	if a < 1800 || a > 2200 {
		t.Fatalf("mix chose a %d times of 4000, want about 2000", a)
	}
	other := run(t, g, Sim{Concurrency: 4, Seed: 8, OpLimit: 40})
	if equalFs(fs(invokes(other.History)), fs(invokes(sim.History))[:40]) {
		t.Fatal("seeds 7 and 8 gave the same mix")
	}
}

func containsAll(xs []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, x := range xs {
			found = found || x == w
		}
		if !found {
			return false
		}
	}
	return true
}

func equalFs(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestClientsAndNemesisRouteToTheirThreads(t *testing.T) {
	g := ClientsAndNemesis(Limit(6, Repeat(read())), Seq(Invoke("start", nil), Invoke("stop", nil)))
	sim := run(t, g, Sim{Concurrency: 2})
	var client, nemesis []string
	for _, op := range invokes(sim.History) {
		if op.Process == history.NemesisProcess {
			nemesis = append(nemesis, op.F)
		} else {
			client = append(client, op.F)
		}
	}
	if !equalFs(nemesis, []string{"start", "stop"}) || len(client) != 6 || !containsAll(client, "read") || containsAll(client, "start") {
		t.Fatalf("nemesis ran %v, clients ran %v", nemesis, client)
	}
}

func TestTimeLimitCountsFromItsFirstOp(t *testing.T) {
	g := Clients(Seq(Limit(2, Repeat(Invoke("a", nil))), TimeLimit(3*time.Millisecond, Repeat(Invoke("b", nil)))))
	sim := run(t, g, Sim{Concurrency: 1})
	assertLines(t, invokes(sim.History),
		"0s 0 invoke a nil",
		"1ms 0 invoke a nil",
		"2ms 0 invoke b nil", // the limit starts here: b until 5ms
		"3ms 0 invoke b nil",
		"4ms 0 invoke b nil")
}

func TestStaggerIsAGlobalRateWithGapsBelowTwiceTheMean(t *testing.T) {
	g := Clients(Stagger(10*time.Millisecond, Repeat(read())))
	sim := run(t, g, Sim{Concurrency: 5, Seed: 3, TimeLimit: 2 * time.Second})
	ops := invokes(sim.History)
	// 2s at one op per 10ms on average: about 200 ops for all five threads
	// together (a per-thread rate would give about 1000).
	if len(ops) < 160 || len(ops) > 240 {
		t.Fatalf("stagger(10ms) ran %d ops in 2s, want about 200", len(ops))
	}
	for i := 1; i < len(ops); i++ {
		if gap := ops[i].Time - ops[i-1].Time; gap < 0 || gap >= int64(20*time.Millisecond) {
			t.Fatalf("gap %v between ops %d and %d, want within [0, 20ms)", time.Duration(gap), i-1, i)
		}
	}
}

// An interpreter that asks a little late (under one mean gap) keeps the
// rate; one that stalls for longer than a mean gap pushes later ops back.
func TestStaggerKeepsItsRateWhenAskedSlightlyLateButNotAfterAStall(t *testing.T) {
	const d = int64(10 * time.Millisecond)
	rate := func(lateness int64) float64 {
		ctx := NewContext(1, 9)
		var g Generator = Stagger(time.Duration(d), Repeat(read()))
		var first, last int64
		const n = 2000
		for i := range n {
			res, next, err := Next(ctx, g)
			if err != nil || res.Status != Emit {
				t.Fatalf("op %d: %v %v", i, res.Status, err)
			}
			// The interpreter gets to the op late, and asks again then.
			ctx.Time = res.Op.Time + lateness
			if res, next, err = Next(ctx, g); err != nil || res.Status != Emit {
				t.Fatalf("op %d asked again: %v %v", i, res.Status, err)
			}
			if i == 0 {
				first = res.Op.Time
			}
			last = res.Op.Time
			g = next
		}
		return float64(n-1) / (float64(last-first) / float64(d))
	}
	if r := rate(d / 2); r < 0.9 || r > 1.1 {
		t.Errorf("asked half a gap late: %.2f ops per mean gap, want about 1", r)
	}
	if r := rate(3 * d); r > 0.3 {
		t.Errorf("asked three gaps late: %.2f ops per mean gap, want about 1/4 (each stall pushes the next op back)", r)
	}
}

func TestPhasesWaitForEveryThreadBetweenPhases(t *testing.T) {
	g := Phases(Clients(Limit(3, Repeat(Invoke("a", nil)))), Clients(Invoke("b", nil)))
	sim := run(t, g, Sim{Concurrency: 2, Complete: latencyByProcess(2, map[int]time.Duration{1: 5 * time.Millisecond})})
	assertLines(t, sim.History,
		"0s 0 invoke a nil",
		"0s 1 invoke a nil",
		"1ms 0 ok a nil",
		"1ms 0 invoke a nil",
		"2ms 0 ok a nil",
		"5ms 1 ok a nil",
		"5ms 1 invoke b nil", // not before thread 1's a completes; thread 1 is least recently used
		"10ms 1 ok b nil")
}

func TestThenRunsTheSecondArgumentFirst(t *testing.T) {
	g := Clients(Then(Invoke("final", nil), Limit(2, Repeat(Invoke("main", nil)))))
	sim := run(t, g, Sim{Concurrency: 2})
	assertLines(t, sim.History,
		"0s 0 invoke main nil",
		"0s 1 invoke main nil",
		"1ms 0 ok main nil",
		"1ms 1 ok main nil",
		"1ms 0 invoke final nil",
		"2ms 0 ok final nil")
}
