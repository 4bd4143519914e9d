package generator

import (
	"maps"

	"github.com/faultline/faultline/history"
)

// Map rewrites every op g emits with f (Jepsen's map); pending and done
// answers pass untouched, and so do updates. f must keep the op's process
// (the thread is chosen by then) and should not move its time earlier.
func Map(f func(op history.Op) history.Op, g Generator) Generator {
	if g == nil {
		return nil
	}
	return &mapped{name: "map", f: f, g: g}
}

// FMap renames the f of every op g emits by the table, leaving fs not in it
// alone (Jepsen's f-map). It is how a composed nemesis tells apart two
// packages that both say "start": FMap(map[string]string{"start":
// "start-partition"}, partitions). As in Jepsen, events g is told of keep
// their f.
func FMap(renames map[string]string, g Generator) Generator {
	if g == nil {
		return nil
	}
	renames = maps.Clone(renames)
	return &mapped{name: "f-map", g: g, f: func(op history.Op) history.Op {
		if to, ok := renames[op.F]; ok {
			op.F = to
		}
		return op
	}}
}

type mapped struct {
	name string
	f    func(history.Op) history.Op
	g    Generator
}

func (m *mapped) String() string { return m.name }

func (m *mapped) Op(ctx *Context) (Result, Generator) {
	res, next := Ask(ctx, m, -1, m.g)
	if res.Status == Emit {
		res.Op = m.f(res.Op)
	}
	return res, m.around(next)
}

func (m *mapped) around(g Generator) Generator {
	switch {
	case g == nil:
		return nil
	case Same(g, m.g):
		return m
	}
	return &mapped{name: m.name, f: m.f, g: g}
}

func (m *mapped) Update(ctx *Context, event history.Op) Generator {
	return passOn(ctx, m, m.g, event, m.around)
}

// maxRejections bounds how many ops in a row Filter may discard: a filter
// that never matches would otherwise spin forever without a word.
const maxRejections = 1_000_000

// Filter passes on only the ops of g for which keep is true, discarding the
// others (Jepsen's filter); pending and done answers pass untouched.
func Filter(keep func(op history.Op) bool, g Generator) Generator {
	if g == nil {
		return nil
	}
	return &filter{keep: keep, g: g}
}

type filter struct {
	keep func(history.Op) bool
	g    Generator
}

func (f *filter) String() string { return "filter" }

func (f *filter) Op(ctx *Context) (Result, Generator) {
	g := f.g
	for range maxRejections {
		res, next := Ask(ctx, f, -1, g)
		switch {
		case res.Status == Done:
			return res, nil
		case res.Status == Pending || f.keep(res.Op):
			return res, f.around(next)
		}
		g = next
	}
	panic(&Error{Path: []string{"filter"}, Problem: "discarded a million ops in a row: the generator it wraps may never emit one it keeps"})
}

func (f *filter) around(g Generator) Generator {
	switch {
	case g == nil:
		return nil
	case Same(g, f.g):
		return f
	}
	return &filter{keep: f.keep, g: g}
}

func (f *filter) Update(ctx *Context, event history.Op) Generator {
	return passOn(ctx, f, f.g, event, f.around)
}

// OnUpdate calls react with every event instead of passing it to g (Jepsen's
// on-update): react gets g as it is and returns the generator to run from
// then on, which OnUpdate keeps watching. Pass the event on with
// g.Update(ctx, event) if g should see it too. The usual use is a generator
// that changes course on a completion: after the first failed write, say,
// switch to reads.
func OnUpdate(react func(g Generator, ctx *Context, event history.Op) Generator, g Generator) Generator {
	if g == nil {
		return nil
	}
	return &onUpdate{react: react, g: g}
}

type onUpdate struct {
	react func(Generator, *Context, history.Op) Generator
	g     Generator
}

func (o *onUpdate) String() string { return "on-update" }

func (o *onUpdate) Op(ctx *Context) (Result, Generator) {
	res, next := Ask(ctx, o, -1, o.g)
	return res, OnUpdate(o.react, next)
}

func (o *onUpdate) Update(ctx *Context, event history.Op) Generator {
	return OnUpdate(o.react, o.react(o.g, ctx, event))
}
