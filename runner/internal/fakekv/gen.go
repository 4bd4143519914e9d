package fakekv

import (
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
)

// Ops is a hand-written generator of register ops (read, write, cas over
// values 0..4) for the client threads, with optional nemesis and control
// ops mixed in. It stands in for the generator package's combinators in the
// runner's own tests, so those tests exercise only the runner.
type Ops struct {
	// Remaining is how many more client ops to emit; negative: no end.
	Remaining int
	// NemesisEvery > 0 sends start-slow / stop-slow to the nemesis thread
	// every that many client ops.
	NemesisEvery int
	// LogEvery > 0 sends a log op (performed, never recorded) to a client
	// thread every that many client ops.
	LogEvery int
	// F, if set, is the only f emitted (with the value a no-op client
	// ignores); the benchmark uses it.
	F string
	// Every > 0 spaces client ops that many ns apart (a steady rate), so
	// that threads are left idle and the choice between them matters.
	Every int64

	nextAt  int64
	emitted int
	slow    bool
	extra   bool // the nemesis or log op for the current count is done
}

// Op emits the next op on the least recently used free thread that may run
// it. The receiver is never changed: an emitted op comes with a new Ops.
func (cur *Ops) Op(ctx *generator.Context) (generator.Result, generator.Generator) {
	g := *cur
	if g.Remaining == 0 {
		return generator.Result{Status: generator.Done}, nil
	}
	due := func(every int) bool { return every > 0 && g.emitted > 0 && g.emitted%every == 0 && !g.extra }
	if due(g.NemesisEvery) {
		if !ctx.IsFree(generator.NemesisThread) {
			return generator.Result{Status: generator.Pending}, cur
		}
		f := "start-slow"
		if g.slow {
			f = "stop-slow"
		}
		g.slow, g.extra = !g.slow, true
		return emit(ctx, history.NemesisProcess, f, nil), &g
	}
	var thread generator.Thread = -2
	for _, t := range ctx.FreeThreads() {
		if t != generator.NemesisThread {
			thread = t
			break
		}
	}
	if thread == -2 {
		return generator.Result{Status: generator.Pending}, cur
	}
	p := ctx.Process(thread)
	if due(g.LogEvery) {
		g.extra = true
		r := emit(ctx, p, "", "fakekv: log op")
		r.Op.Type = history.Log
		return r, &g
	}
	g.emitted++
	g.extra = false
	at := ctx.Time
	if g.Every > 0 {
		at = max(at, g.nextAt)
		g.nextAt = at + g.Every
	}
	if g.Remaining > 0 {
		g.Remaining--
	}
	f, v := g.F, any(nil)
	if f == "" {
		switch ctx.Rand.IntN(3) {
		case 0:
			f = "read"
		case 1:
			f, v = "write", int64(ctx.Rand.IntN(5))
		default:
			f, v = "cas", []any{int64(ctx.Rand.IntN(5)), int64(ctx.Rand.IntN(5))}
		}
	}
	r := emit(ctx, p, f, v)
	r.Op.Time = at
	return r, &g
}

// Update ignores events: the schedule does not depend on outcomes.
func (cur *Ops) Update(*generator.Context, history.Op) generator.Generator { return cur }

func emit(ctx *generator.Context, process int, f string, value any) generator.Result {
	return generator.Result{Status: generator.Emit, Op: history.Op{Type: history.Invoke, Process: process, F: f, Value: value, Time: ctx.Time}}
}
