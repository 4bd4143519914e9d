package generator

import (
	"fmt"
	"strconv"
	"time"

	"github.com/faultline/faultline/history"
)

// unset marks a time a generator has not fixed yet.
const unset = int64(-1) << 63

// TimeLimit emits ops from g for d, counted from the time of g's first op
// (Jepsen's time-limit); it is done when g is, or when an op or the clock
// reaches the cutoff.
func TimeLimit(d time.Duration, g Generator) Generator {
	if g == nil {
		return nil
	}
	return &timeLimit{d: int64(d), cutoff: unset, g: g}
}

type timeLimit struct {
	d, cutoff int64
	g         Generator
}

func (l *timeLimit) String() string { return "time-limit(" + time.Duration(l.d).String() + ")" }

func (l *timeLimit) Op(ctx *Context) (Result, Generator) {
	if l.cutoff != unset && ctx.Time >= l.cutoff {
		return Result{Status: Done}, nil
	}
	res, next := Ask(ctx, l, -1, l.g)
	switch res.Status {
	case Pending:
		if Same(next, l.g) {
			return res, l
		}
		return res, &timeLimit{d: l.d, cutoff: l.cutoff, g: next}
	case Done:
		return res, nil
	}
	cutoff := l.cutoff
	if cutoff == unset {
		cutoff = res.Op.Time + l.d
	}
	switch {
	case res.Op.Time >= cutoff:
		return Result{Status: Done}, nil
	case cutoff == l.cutoff && Same(next, l.g):
		return res, l
	}
	return res, &timeLimit{d: l.d, cutoff: cutoff, g: next}
}

func (l *timeLimit) Update(ctx *Context, event history.Op) Generator {
	return passOn(ctx, l, l.g, event, func(g Generator) Generator { return &timeLimit{d: l.d, cutoff: l.cutoff, g: g} })
}

// Stagger spaces g's ops by random gaps drawn uniformly from [0, 2d), so
// that they come about every d on average (Jepsen's stagger). It is a rate
// for all of g's ops together, not per thread: with 5 threads and d = 1s, g
// runs about one op a second, not five. As in Jepsen, an op that comes late
// (no thread was free) pushes the following ones back; unlike Jepsen, a
// lateness under d does not, so the rate holds on a busy machine.
func Stagger(d time.Duration, g Generator) Generator {
	if g == nil {
		return nil
	}
	return &spaced{d: int64(d), random: true, next: unset, g: g}
}

// Delay spaces g's ops exactly d apart (Jepsen's delay). The schedule is
// fixed from the first op: if ops fall behind it (no thread was free), the
// following ones come sooner, until they are back on schedule.
func Delay(d time.Duration, g Generator) Generator {
	if g == nil {
		return nil
	}
	return &spaced{d: int64(d), next: unset, g: g}
}

// spaced is Stagger (random gaps) or Delay (exact ones).
type spaced struct {
	d      int64
	random bool
	next   int64 // earliest time of the next op, or unset before the first
	g      Generator
}

func (s *spaced) String() string {
	name := "delay("
	if s.random {
		name = "stagger("
	}
	return name + time.Duration(s.d).String() + ")"
}

func (s *spaced) Op(ctx *Context) (Result, Generator) {
	res, next := Ask(ctx, s, -1, s.g)
	switch res.Status {
	case Pending:
		if Same(next, s.g) {
			return res, s
		}
		return res, &spaced{d: s.d, random: s.random, next: s.next, g: next}
	case Done:
		return res, nil
	}
	slot := s.next
	if slot == unset {
		slot = res.Op.Time
		if s.random {
			slot = ctx.Time
		}
	}
	after := res.Op.Time
	if slot > after {
		res.Op.Time = slot
		after = slot
	}
	if s.random {
		// The next gap counts from this op, whenever it happens, except
		// that an op less than one mean gap late (asked for a little after
		// its time: the interpreter was busy, or waited for a completion)
		// counts from its planned time, so that small delays do not lower
		// the rate. A longer stall (every thread busy) is not made up.
		if late := after - slot; late > 0 && late < s.d {
			after = slot
		}
		if s.d > 0 {
			after += ctx.Rand.Int64N(2 * s.d)
		}
	} else {
		// The next slot counts from this one, so late ops catch up.
		after = slot + s.d
	}
	return res, &spaced{d: s.d, random: s.random, next: after, g: next}
}

func (s *spaced) Update(ctx *Context, event history.Op) Generator {
	return passOn(ctx, s, s.g, event, func(g Generator) Generator { return &spaced{d: s.d, random: s.random, next: s.next, g: g} })
}

// Window is one generator of CycleTimes and how long it runs each turn.
type Window struct {
	For time.Duration
	Gen Generator
}

// CycleTimes rotates between generators on a clock (Jepsen's cycle-times):
// the first window's generator runs for its duration, counted from the first
// time CycleTimes is asked, then the second's, and so on, round and round.
// Each keeps its state from one turn to the next, so a nemesis schedule can
// alternate faults with quiet periods. An op that would fall after its
// window's end is not emitted; the next window's generator is asked instead,
// as of that window's start. It is done when any of its generators is; every
// update reaches all of them.
func CycleTimes(windows ...Window) Generator {
	if len(windows) == 0 {
		return nil
	}
	c := &cycleTimes{t0: unset}
	for i, w := range windows {
		if w.For <= 0 {
			panic(fmt.Sprintf("generator.CycleTimes: window %d lasts %v: expected a positive duration", i, w.For))
		}
		c.spans = append(c.spans, int64(w.For))
		c.gens = append(c.gens, w.Gen)
		c.period += int64(w.For)
	}
	return c
}

type cycleTimes struct {
	t0     int64 // start of the first turn, or unset
	period int64
	spans  []int64 // never written after construction
	gens   []Generator
}

func (c *cycleTimes) String() string {
	return "cycle-times(" + strconv.Itoa(len(c.gens)) + ")"
}

func (c *cycleTimes) Op(ctx *Context) (Result, Generator) {
	now := ctx.Time
	t0 := c.t0
	if t0 == unset {
		t0 = now
	}
	// Find the window now falls in, and when it started.
	into := (now - t0) % c.period
	start := now - into
	i := 0
	for into >= c.spans[i] {
		into -= c.spans[i]
		start += c.spans[i]
		i++
	}
	// Ask each window's generator in turn, as of its window's start, until one
	// has an op inside its window. Bounded, in case ops always fall outside.
	for tries := 0; tries < 64*len(c.gens); tries++ {
		end := start + c.spans[i]
		wctx := ctx
		if start > now {
			copied := *ctx
			copied.Time = start
			wctx = &copied
		}
		res, next := Ask(wctx, c, i, c.gens[i])
		switch {
		case res.Status == Done:
			return res, nil
		case res.Status == Pending || res.Op.Time < end:
			return res, c.with(t0, i, next)
		}
		start, i = end, (i+1)%len(c.gens)
	}
	return Result{Status: Pending}, c.with(t0, -1, nil)
}

// with returns c with its start time fixed and generator i replaced.
func (c *cycleTimes) with(t0 int64, i int, g Generator) *cycleTimes {
	out := &cycleTimes{t0: t0, period: c.period, spans: c.spans, gens: c.gens}
	if i >= 0 {
		out.gens = append([]Generator(nil), c.gens...)
		out.gens[i] = g
	}
	return out
}

func (c *cycleTimes) Update(ctx *Context, event history.Op) Generator {
	gens := tellAll(ctx, c, c.gens, event)
	if gens == nil {
		return c
	}
	out := c.with(c.t0, -1, nil)
	out.gens = gens
	return out
}
