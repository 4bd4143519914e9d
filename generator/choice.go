package generator

import (
	"slices"

	"github.com/faultline/faultline/history"
)

// Mix picks one of gens at random for each op (Jepsen's mix), dropping each
// as it is exhausted; it is done when all are. When the picked generator is
// pending, Mix is pending (and picks again next time). Mix ignores updates,
// as Jepsen's does, so that mixes of hundreds of generators stay cheap: put
// generators that need updates around the Mix, not inside it.
func Mix(gens ...Generator) Generator {
	if len(gens) == 0 {
		return nil
	}
	m := &mix{pick: -1, gens: slices.Clone(gens), pos: make([]int, len(gens))}
	for i := range m.pos {
		m.pos[i] = i
	}
	return m
}

type mix struct {
	pick int // index into gens of the next generator to ask, or -1: draw one
	gens []Generator
	pos  []int // each generator's position in the original list, for paths
}

func (m *mix) String() string { return "mix" }

func (m *mix) Op(ctx *Context) (Result, Generator) {
	gens, pos, pick := m.gens, m.pos, m.pick
	for len(gens) > 0 {
		if pick < 0 {
			pick = ctx.Rand.IntN(len(gens))
		}
		res, next := Ask(ctx, m, pos[pick], gens[pick])
		if res.Status == Done {
			gens = slices.Delete(slices.Clone(gens), pick, pick+1)
			pos = slices.Delete(slices.Clone(pos), pick, pick+1)
			pick = -1
			continue
		}
		if !Same(next, gens[pick]) {
			gens = slices.Clone(gens)
			gens[pick] = next
		}
		return res, &mix{pick: ctx.Rand.IntN(len(gens)), gens: gens, pos: pos}
	}
	return Result{Status: Done}, nil
}

func (m *mix) Update(*Context, history.Op) Generator { return m }

// Any runs gens side by side (Jepsen's any): it asks each and emits the op
// that comes soonest (ties broken at random), is pending if none has an op
// but some are pending, and done when all are done. Every update reaches
// every generator.
func Any(gens ...Generator) Generator {
	switch len(gens) {
	case 0:
		return nil
	case 1:
		return gens[0]
	}
	return &anyOf{slices.Clone(gens)}
}

type anyOf struct{ gens []Generator }

func (a *anyOf) String() string { return "any" }

func (a *anyOf) Op(ctx *Context) (Result, Generator) {
	var pick Soonest
	var best Generator
	var waiting []Generator // children's answers, kept when none emits
	for i, g := range a.gens {
		res, next := Ask(ctx, a, i, g)
		if pick.Offer(ctx, i, res, 1) {
			best = next
		}
		if res.Status == Pending && !Same(next, g) {
			if waiting == nil {
				waiting = slices.Clone(a.gens)
			}
			waiting[i] = next
		}
	}
	res, i := pick.Result()
	if res.Status != Emit {
		// A pending child may have advanced while deciding it has nothing
		// yet (a Func evaluated): keep its answer, as the interpreter keeps
		// ours.
		if res.Status == Pending && waiting != nil {
			return res, &anyOf{waiting}
		}
		return res, a.orNil(res)
	}
	if Same(best, a.gens[i]) {
		return res, a
	}
	gens := slices.Clone(a.gens)
	gens[i] = best
	return res, &anyOf{gens}
}

// orNil returns a, or nil when the answer was Done.
func (a *anyOf) orNil(res Result) Generator {
	if res.Status == Done {
		return nil
	}
	return a
}

func (a *anyOf) Update(ctx *Context, event history.Op) Generator {
	gens := tellAll(ctx, a, a.gens, event)
	if gens == nil {
		return a
	}
	return &anyOf{gens}
}

// Soonest chooses among the answers of several generators the way Any,
// EachThread and Reserve do: the op with the earliest time wins; ties go to
// one of the tied at random, in proportion to their weights. With no op, the
// answer is Pending if any generator was pending, else Done. The zero value
// is ready to use; combinators outside this package may use it too.
type Soonest struct {
	res     Result
	index   int
	weight  int // total weight of the ops tied at the best time
	found   bool
	pending bool
}

// Offer considers the answer res of the generator at index, of the given
// weight (e.g. how many threads run it), and reports whether it is now the
// best: then the caller keeps that generator's next state.
func (s *Soonest) Offer(ctx *Context, index int, res Result, weight int) bool {
	switch res.Status {
	case Pending:
		s.pending = true
		return false
	case Done:
		return false
	}
	switch {
	case !s.found || res.Op.Time < s.res.Op.Time:
		s.res, s.index, s.weight, s.found = res, index, weight, true
		return true
	case res.Op.Time == s.res.Op.Time:
		s.weight += weight
		if ctx.Rand.IntN(s.weight) < weight {
			s.res, s.index = res, index
			return true
		}
	}
	return false
}

// Result returns the chosen op and its generator's index, or a Pending or
// Done answer (index -1).
func (s *Soonest) Result() (Result, int) {
	switch {
	case s.found:
		return s.res, s.index
	case s.pending:
		return Result{Status: Pending}, -1
	}
	return Result{Status: Done}, -1
}

// FlipFlop alternates between a and b, one op from each in turn, starting
// with a (Jepsen's flip-flop). It is done as soon as the one whose turn it is
// is exhausted, and ignores updates.
func FlipFlop(a, b Generator) Generator {
	if a == nil {
		return nil
	}
	return &flipFlop{gens: [2]Generator{a, b}}
}

type flipFlop struct {
	gens [2]Generator
	turn int
}

func (f *flipFlop) String() string { return "flip-flop" }

func (f *flipFlop) Op(ctx *Context) (Result, Generator) {
	res, next := Ask(ctx, f, f.turn, f.gens[f.turn])
	switch res.Status {
	case Done:
		return res, nil
	case Pending:
		out := *f
		out.gens[f.turn] = next
		return res, &out
	}
	out := flipFlop{gens: f.gens, turn: 1 - f.turn}
	out.gens[f.turn] = next
	if out.gens[out.turn] == nil {
		return res, nil
	}
	return res, &out
}

func (f *flipFlop) Update(*Context, history.Op) Generator { return f }
