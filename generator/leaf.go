package generator

import (
	"slices"
	"strconv"
	"time"

	"github.com/faultline/faultline/history"
)

// Invoke is one operation: an invoke of f with value, performed once by
// whichever free process the context offers (least recently used first), at
// the context's time. It is what a Jepsen map such as {:f :write, :value 3}
// means as a generator. Pending while no visible thread is free.
func Invoke(f string, value any) Generator {
	return &single{op: history.Op{Type: history.Invoke, F: f, Value: value}}
}

// Op is one operation from a template: the template's type (Invoke when
// zero), f, value, error and extra fields, with the process and time filled
// in from the context when it is emitted. Use Func for ops that need a
// particular process or a computed value.
func Op(template history.Op) Generator {
	return &single{op: template}
}

// SleepFor is one sleep op: the worker that receives it does nothing for d
// (Jepsen's sleep). Sleeps are performed, not recorded in the history.
func SleepFor(d time.Duration) Generator {
	return &single{op: history.Op{Type: history.Sleep, Value: int64(d)}}
}

// LogMsg is one log op: the worker that receives it logs msg (Jepsen's log).
// Log ops are performed, not recorded in the history.
func LogMsg(msg string) Generator {
	return &single{op: history.Op{Type: history.Log, Value: msg}}
}

type single struct{ op history.Op }

func (s *single) String() string {
	switch s.op.Type {
	case history.Sleep:
		if d, ok := s.op.Value.(int64); ok {
			return "sleep(" + time.Duration(d).String() + ")"
		}
	case history.Log:
		if m, ok := s.op.Value.(string); ok {
			return "log(" + strconv.Quote(m) + ")"
		}
	}
	return s.op.Type.String() + "(" + s.op.F + ")"
}

func (s *single) Op(ctx *Context) (Result, Generator) {
	p, ok := ctx.SomeFreeProcess()
	if !ok {
		return Result{Status: Pending}, s
	}
	op := s.op
	op.Process = p
	op.Time = ctx.Time
	if op.Extra != nil {
		op.Extra = slices.Clone(op.Extra) // Op.Set writes in place
	}
	return Result{Status: Emit, Op: op}, nil
}

func (s *single) Update(*Context, history.Op) Generator { return s }

// Func is a lazy generator (a Jepsen function used as a generator): f is
// called, when an op is needed, to make a generator; that generator runs
// until it is exhausted, and then f is called again. f returning nil, or a
// generator that is exhausted at once, ends Func (Jepsen would spin forever on
// the latter). f may draw from ctx.Rand: a seed still fixes the schedule.
// f may be called more often than ops are performed (an interpreter may ask
// again, for instance after a completion), so it should have no side
// effects.
//
//	writes := generator.Func(func(ctx *generator.Context) generator.Generator {
//		return generator.Invoke("write", ctx.Rand.IntN(5))
//	})
func Func(f func(ctx *Context) Generator) Generator { return &fn{f} }

type fn struct{ f func(*Context) Generator }

func (g *fn) String() string { return "func" }

func (g *fn) Op(ctx *Context) (Result, Generator) {
	made := g.f(ctx)
	res, next := Ask(ctx, g, -1, made)
	switch {
	case res.Status == Done:
		return res, nil
	case next == nil:
		return res, g
	}
	return res, &fnRunning{cur: next, f: g}
}

func (g *fn) Update(*Context, history.Op) Generator { return g }

// fnRunning is a Func whose last generator is not exhausted yet.
type fnRunning struct {
	cur Generator
	f   *fn
}

func (g *fnRunning) String() string { return "func" }

func (g *fnRunning) Op(ctx *Context) (Result, Generator) {
	res, next := Ask(ctx, g, -1, g.cur)
	switch {
	case res.Status == Done:
		return g.f.Op(ctx)
	case next == nil:
		return res, g.f
	case Same(next, g.cur):
		return res, g
	}
	return res, &fnRunning{cur: next, f: g.f}
}

func (g *fnRunning) Update(ctx *Context, event history.Op) Generator {
	next := Tell(ctx, g, -1, g.cur, event)
	switch {
	case next == nil:
		return g.f
	case Same(next, g.cur):
		return g
	}
	return &fnRunning{cur: next, f: g.f}
}
