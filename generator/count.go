package generator

import (
	"slices"
	"strconv"

	"github.com/faultline/faultline/history"
)

// Limit emits at most n ops from g (Jepsen's limit). Updates pass through.
func Limit(n int, g Generator) Generator {
	if n <= 0 || g == nil {
		return nil
	}
	return &limit{n: n, of: n, g: g}
}

// Once emits at most one op from g (Jepsen's once).
func Once(g Generator) Generator { return Limit(1, g) }

type limit struct {
	n  int // ops left
	of int // ops allowed in all, for paths in errors
	g  Generator
}

func (l *limit) String() string { return "limit(" + strconv.Itoa(l.of) + ")" }

// with returns the limit with n ops left and g to ask.
func (l *limit) with(n int, g Generator) Generator {
	switch {
	case n <= 0 || g == nil:
		return nil
	case n == l.n && Same(g, l.g):
		return l
	}
	return &limit{n: n, of: l.of, g: g}
}

func (l *limit) Op(ctx *Context) (Result, Generator) {
	res, next := Ask(ctx, l, -1, l.g)
	switch res.Status {
	case Emit:
		return res, l.with(l.n-1, next)
	case Pending:
		return res, l.with(l.n, next)
	}
	return res, nil
}

func (l *limit) Update(ctx *Context, event history.Op) Generator {
	return passOn(ctx, l, l.g, event, func(g Generator) Generator { return l.with(l.n, g) })
}

// Repeat emits ops from g forever without advancing it: each op comes from g
// as it is now (Jepsen's repeat). Repeat(Invoke("read", nil)) reads forever;
// a random g gives different ops each time. Updates still reach g.
func Repeat(g Generator) Generator { return RepeatN(-1, g) }

// RepeatN is Repeat limited to n ops; n < 0 means no limit.
func RepeatN(n int, g Generator) Generator {
	if n == 0 || g == nil {
		return nil
	}
	return &repeat{n: n, of: n, g: g}
}

type repeat struct {
	n  int // remaining ops, or -1 for no limit
	of int // the n it was made with, for paths in errors
	g  Generator
}

func (r *repeat) String() string {
	if r.n < 0 {
		return "repeat"
	}
	return "repeat(" + strconv.Itoa(r.of) + ")"
}

// with returns r with n ops left, running g.
func (r *repeat) with(n int, g Generator) Generator {
	if n == 0 || g == nil {
		return nil
	}
	return &repeat{n: n, of: r.of, g: g}
}

func (r *repeat) Op(ctx *Context) (Result, Generator) {
	res, _ := Ask(ctx, r, -1, r.g)
	switch res.Status {
	case Emit:
		if r.n < 0 {
			return res, r
		}
		return res, r.with(r.n-1, r.g)
	case Pending:
		return res, r
	}
	return res, nil
}

func (r *repeat) Update(ctx *Context, event history.Op) Generator {
	return passOn(ctx, r, r.g, event, func(g Generator) Generator { return r.with(r.n, g) })
}

// Cycle runs g to exhaustion, then runs it again from the start, forever
// (Jepsen's cycle). Updates reach the running copy, not the original.
func Cycle(g Generator) Generator { return CycleN(-1, g) }

// CycleN runs g to exhaustion n times; n < 0 means forever.
func CycleN(n int, g Generator) Generator {
	if n == 0 || g == nil {
		return nil
	}
	return &cycle{n: n, of: n, orig: g, cur: g, fresh: true}
}

type cycle struct {
	n     int // runs left including this one, or -1 for forever
	of    int // the n it was made with, for paths in errors
	orig  Generator
	cur   Generator
	fresh bool // cur is orig, not asked yet
}

func (c *cycle) String() string {
	if c.n < 0 {
		return "cycle"
	}
	return "cycle(" + strconv.Itoa(c.of) + ")"
}

func (c *cycle) Op(ctx *Context) (Result, Generator) {
	res, next := Ask(ctx, c, -1, c.cur)
	if res.Status == Pending && Same(next, c.cur) {
		return res, c
	}
	if res.Status != Done {
		return res, &cycle{n: c.n, of: c.of, orig: c.orig, cur: next}
	}
	if c.n == 1 || c.fresh {
		// Out of runs, or the original is exhausted before its first op:
		// restarting it would loop forever.
		return res, nil
	}
	return (&cycle{n: max(-1, c.n-1), of: c.of, orig: c.orig, cur: c.orig, fresh: true}).Op(ctx)
}

func (c *cycle) Update(ctx *Context, event history.Op) Generator {
	return passOn(ctx, c, c.cur, event, func(g Generator) Generator { return &cycle{n: c.n, of: c.of, orig: c.orig, cur: g} })
}

// UntilOK emits ops from g until one of them completes ok (Jepsen's
// until-ok): typically UntilOK(Repeat(Invoke("read", nil))) for a final read
// that retries through failures.
func UntilOK(g Generator) Generator {
	if g == nil {
		return nil
	}
	return &untilOK{g: g}
}

type untilOK struct {
	g      Generator
	done   bool
	active []int // processes running an op of ours
}

func (u *untilOK) String() string { return "until-ok" }

func (u *untilOK) Op(ctx *Context) (Result, Generator) {
	if u.done {
		return Result{Status: Done}, nil
	}
	res, next := Ask(ctx, u, -1, u.g)
	switch res.Status {
	case Emit:
		return res, &untilOK{g: next, active: withInt(u.active, res.Op.Process)}
	case Pending:
		if Same(next, u.g) {
			return res, u
		}
		return res, &untilOK{g: next, active: u.active}
	}
	return res, nil
}

func (u *untilOK) Update(ctx *Context, event history.Op) Generator {
	g := Tell(ctx, u, -1, u.g, event)
	ours := event.Type.IsCompletion() && slices.Contains(u.active, event.Process)
	if !ours {
		if Same(g, u.g) {
			return u
		}
		return &untilOK{g: g, done: u.done, active: u.active}
	}
	return &untilOK{g: g, done: u.done || event.Type == history.OK, active: withoutInt(u.active, event.Process)}
}

// ProcessLimit lets g use at most n distinct processes over the whole run
// (Jepsen's process-limit): it counts every process of every thread it has
// seen when emitting, not only those that got an op, so that a run does not
// trickle on with one or two processes at the end. Once an op would need an
// n+1st process, it is done. Crashed (retired) processes count, so this
// bounds how many processes a key of an independent test ever sees.
func ProcessLimit(n int, g Generator) Generator {
	if n <= 0 || g == nil {
		return nil
	}
	return &processLimit{n: n, g: g}
}

type processLimit struct {
	n    int
	seen []int // sorted
	g    Generator
}

func (p *processLimit) String() string { return "process-limit(" + strconv.Itoa(p.n) + ")" }

func (p *processLimit) Op(ctx *Context) (Result, Generator) {
	res, next := Ask(ctx, p, -1, p.g)
	switch res.Status {
	case Pending:
		if Same(next, p.g) {
			return res, p
		}
		return res, &processLimit{n: p.n, seen: p.seen, g: next}
	case Done:
		return res, nil
	}
	seen := p.seen
	for _, t := range ctx.threads {
		seen = withInt(seen, ctx.Process(t))
	}
	if len(seen) > p.n {
		return Result{Status: Done}, nil
	}
	return res, &processLimit{n: p.n, seen: seen, g: next}
}

func (p *processLimit) Update(ctx *Context, event history.Op) Generator {
	return passOn(ctx, p, p.g, event, func(g Generator) Generator { return &processLimit{n: p.n, seen: p.seen, g: g} })
}

// ConcurrencyLimit keeps at most n of g's ops outstanding at once (Jepsen's
// concurrency-limit): while n threads are busy with ops g emitted, it is
// pending. It notices an op has finished when its thread is idle again.
func ConcurrencyLimit(n int, g Generator) Generator {
	if n <= 0 || g == nil {
		return nil
	}
	return &concurrencyLimit{n: n, g: g}
}

type concurrencyLimit struct {
	n    int
	busy []int // processes that were given an op of ours and may still run it
	g    Generator
}

func (c *concurrencyLimit) String() string {
	return "concurrency-limit(" + strconv.Itoa(c.n) + ")"
}

func (c *concurrencyLimit) Op(ctx *Context) (Result, Generator) {
	busy := c.busy
	for _, p := range c.busy {
		if t := ctx.ThreadOf(p); ctx.IsFree(t) || ctx.Process(t) != p {
			busy = withoutInt(busy, p)
		}
	}
	if len(busy) >= c.n {
		return Result{Status: Pending}, &concurrencyLimit{n: c.n, busy: busy, g: c.g}
	}
	res, next := Ask(ctx, c, -1, c.g)
	switch res.Status {
	case Emit:
		busy = withInt(busy, res.Op.Process)
	case Done:
		return res, nil
	}
	return res, &concurrencyLimit{n: c.n, busy: busy, g: next}
}

func (c *concurrencyLimit) Update(ctx *Context, event history.Op) Generator {
	return passOn(ctx, c, c.g, event, func(g Generator) Generator { return &concurrencyLimit{n: c.n, busy: c.busy, g: g} })
}

// withInt returns the sorted set xs with x added, sharing nothing with xs if
// it had to change.
func withInt(xs []int, x int) []int {
	i, found := slices.BinarySearch(xs, x)
	if found {
		return xs
	}
	out := make([]int, 0, len(xs)+1)
	out = append(out, xs[:i]...)
	out = append(out, x)
	return append(out, xs[i:]...)
}

// withoutInt returns the sorted set xs without x, sharing nothing with xs if
// it had to change.
func withoutInt(xs []int, x int) []int {
	i, found := slices.BinarySearch(xs, x)
	if !found {
		return xs
	}
	out := make([]int, 0, len(xs)-1)
	out = append(out, xs[:i]...)
	return append(out, xs[i+1:]...)
}
