package generator

import (
	"slices"

	"github.com/faultline/faultline/history"
)

// Seq runs gens in order, each until it is exhausted (a Jepsen sequence of
// generators). Updates go to the generator running now.
func Seq(gens ...Generator) Generator {
	return newSeq("seq", false, gens)
}

// Phases runs gens in order like Seq, but each waits until every thread it
// can see is idle before it starts (Jepsen's phases: each generator wrapped
// in synchronize), so one phase's ops are all complete before the next
// phase's first op begins.
func Phases(gens ...Generator) Generator {
	return newSeq("phases", true, gens)
}

// Then runs b, waits until every thread is idle, then runs a (Jepsen's then,
// whose arguments read backwards so that it composes like
// Then(finalRead, main)).
func Then(a, b Generator) Generator {
	return newSeq("then", false, []Generator{b, Synchronize(a)})
}

func newSeq(name string, sync bool, gens []Generator) Generator {
	if len(gens) == 0 {
		return nil
	}
	gens = slices.Clone(gens)
	return &seq{head: gens[0], rest: gens[1:], name: name, sync: sync}
}

// seq is a sequence in progress: head runs now (it is the child at position
// pos of the original list), rest follow. rest is shared between states and
// never written.
type seq struct {
	head    Generator
	rest    []Generator
	pos     int
	name    string
	sync    bool // each element waits for all visible threads to be idle
	started bool // head has been asked (with all threads idle, if sync)
}

func (s *seq) String() string { return s.name }

func (s *seq) Op(ctx *Context) (Result, Generator) {
	head, rest, pos, started := s.head, s.rest, s.pos, s.started
	for {
		if s.sync && !started {
			if !ctx.AllFree() {
				return Result{Status: Pending}, s.moved(head, rest, pos, false)
			}
			started = true
		}
		res, next := Ask(ctx, s, pos, head)
		if res.Status != Done {
			if next == nil && len(rest) == 0 {
				return res, nil
			}
			return res, s.moved(next, rest, pos, true)
		}
		if len(rest) == 0 {
			return res, nil
		}
		head, rest, pos, started = rest[0], rest[1:], pos+1, false
	}
}

// moved returns s advanced to the given state, or s itself if nothing moved.
func (s *seq) moved(head Generator, rest []Generator, pos int, started bool) *seq {
	if Same(head, s.head) && pos == s.pos && started == s.started {
		return s
	}
	return &seq{head: head, rest: rest, pos: pos, name: s.name, sync: s.sync, started: started}
}

func (s *seq) Update(ctx *Context, event history.Op) Generator {
	next := Tell(ctx, s, s.pos, s.head, event)
	switch {
	case next == nil && len(s.rest) == 0:
		return nil
	case Same(next, s.head):
		return s
	}
	return &seq{head: next, rest: s.rest, pos: s.pos, name: s.name, sync: s.sync, started: s.started}
}

// Synchronize waits until every thread g can see is idle, then runs g
// (Jepsen's synchronize). It waits once, before g's first op.
func Synchronize(g Generator) Generator {
	if g == nil {
		return nil
	}
	return &synchronize{g}
}

type synchronize struct{ g Generator }

func (s *synchronize) String() string { return "synchronize" }

func (s *synchronize) Op(ctx *Context) (Result, Generator) {
	if !ctx.AllFree() {
		return Result{Status: Pending}, s
	}
	return Ask(ctx, s, -1, s.g)
}

func (s *synchronize) Update(ctx *Context, event history.Op) Generator {
	return passOn(ctx, s, s.g, event, Synchronize)
}
