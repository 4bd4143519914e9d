package generator

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
)

// randomTree builds a random generator of the given depth from every
// combinator, with small parameters, drawing from r.
func randomTree(r *rand.Rand, depth int) Generator {
	leaf := func() Generator {
		switch r.IntN(6) {
		case 0:
			return SleepFor(time.Duration(r.IntN(3)) * ms)
		case 1:
			return LogMsg("note")
		case 2:
			return Repeat(Invoke("read", nil))
		default:
			return Invoke([]string{"read", "write", "cas"}[r.IntN(3)], int64(r.IntN(5)))
		}
	}
	if depth == 0 {
		return leaf()
	}
	sub := func() Generator { return randomTree(r, depth-1) }
	subs := func() []Generator {
		gs := make([]Generator, 1+r.IntN(3))
		for i := range gs {
			gs[i] = sub()
		}
		return gs
	}
	d := func() time.Duration { return time.Duration(r.IntN(5)) * ms }
	switch r.IntN(30) {
	case 0:
		return Seq(subs()...)
	case 1:
		return Mix(subs()...)
	case 2:
		return Any(subs()...)
	case 3:
		return Limit(1+r.IntN(5), sub())
	case 4:
		return Once(sub())
	case 5:
		return RepeatN(1+r.IntN(4), sub())
	case 6:
		return CycleN(1+r.IntN(3), sub())
	case 7:
		return TimeLimit(d(), sub())
	case 8:
		return Stagger(d(), sub())
	case 9:
		return Delay(d(), sub())
	case 10:
		return Phases(subs()...)
	case 11:
		return Then(sub(), sub())
	case 12:
		return Synchronize(sub())
	case 13:
		return Clients(sub())
	case 14:
		return Nemesis(sub())
	case 15:
		odd := func(t Thread) bool { return t%2 != 0 }
		return OnThreads(odd, sub())
	case 16:
		return EachThread(sub())
	case 17:
		return EachProcess(sub())
	case 18:
		return Reserve([]Reservation{{Threads: r.IntN(3), Gen: sub()}}, sub())
	case 19:
		return Map(func(op history.Op) history.Op {
			if op.Type == history.Invoke {
				op.Value = []any{"m", op.Value}
			}
			return op
		}, sub())
	case 20:
		return FMap(map[string]string{"read": "get"}, sub())
	case 21:
		return Filter(func(op history.Op) bool { return op.F != "skip" }, Seq(Invoke("skip", nil), sub()))
	case 22:
		return UntilOK(sub())
	case 23:
		return FlipFlop(sub(), sub())
	case 24:
		return ProcessLimit(1+r.IntN(6), sub())
	case 25:
		return ConcurrencyLimit(1+r.IntN(3), sub())
	case 26:
		return CycleTimes(Window{For: 1*ms + d(), Gen: sub()}, Window{For: 1*ms + d(), Gen: sub()})
	case 27:
		return OnUpdate(func(g Generator, ctx *Context, ev history.Op) Generator { return g.Update(ctx, ev) }, sub())
	case 28:
		g := sub()
		return Limit(3, Func(func(*Context) Generator { return g }))
	}
	return leaf()
}

// TestRandomGeneratorTreesNeverEmitAnInvalidOp runs random trees of every
// combinator under Validate, with completions that randomly fail and crash:
// whatever the composition, every op must be for a free, current, visible
// process at a time not in the past, and the history must pair up.
func TestRandomGeneratorTreesNeverEmitAnInvalidOp(t *testing.T) {
	trees := 1000
	if testing.Short() {
		trees = 100
	}
	totalOps := 0
	defer func() { t.Logf("%d trees, %d ops in all", trees, totalOps) }()
	for seed := range uint64(trees) {
		r := rand.New(rand.NewPCG(seed, 99))
		g := randomTree(r, 1+r.IntN(4))
		outcomes := rand.New(rand.NewPCG(seed, 7))
		complete := func(op history.Op) (history.Op, time.Duration) {
			op.Type = []history.Type{history.OK, history.OK, history.Fail, history.Info}[outcomes.IntN(4)]
			return op, time.Duration(outcomes.IntN(3)) * ms
		}
		conc := 1 + r.IntN(5)
		sim, err := Simulate(g, Sim{Concurrency: conc, Seed: seed, OpLimit: 300, TimeLimit: time.Second, Complete: complete})
		if err != nil {
			t.Fatalf("tree %d (concurrency %d): %v", seed, conc, err)
		}
		totalOps += len(sim.History)
		if _, err := history.New(sim.History); err != nil {
			t.Fatalf("tree %d: the history does not pair up: %v", seed, err)
		}
		for i := 1; i < len(sim.History); i++ {
			if sim.History[i].Time < sim.History[i-1].Time {
				t.Fatalf("tree %d: time goes back at op %d: %s", seed, i, fmt.Sprint(sim.History[i]))
			}
		}
	}
}
