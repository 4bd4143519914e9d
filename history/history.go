package history

import (
	"fmt"
	"iter"
	"slices"
)

// History is an ordered sequence of ops, as recorded, with each invocation
// paired with its completion. Build one with New (which checks it and pairs
// it), with NewInvokingAtStart (which also takes completions that have no
// invocation), or op by op with a Builder.
//
// A History never changes once built: its ops and their pairing are fixed by
// the constructor, every method only reads, and what the methods hand out are
// copies (see the package doc). So one History may be read by any number of
// goroutines at once, as checker.Compose does, with no locking. The zero
// History is empty.
//
// A process runs one op at a time: its invoke is completed by its next op.
// The one exception is the invocations NewInvokingAtStart makes up for
// completions that had none: they come first (StartInvokes counts them),
// several of one process may be outstanding at once, and each pairs with its
// process's next completion that has no invocation of its own, so the
// process's completions keep their recorded order.
type History struct {
	ops []Op
	// pair[i] is the position of the op paired with op i: the completion of an
	// invoke, the invoke of a completion, or -1 for an invoke that never
	// completed (the run crashed or ended first) and for a bare nemesis info.
	pair []int
	// start is the number of made-up invocations at the front of ops.
	start int
}

// PairError says why a sequence of ops is not a well-formed history.
type PairError struct {
	Pos     int // position of the op in the sequence given
	Op      Op
	Problem string
}

func (e *PairError) Error() string {
	return fmt.Sprintf("op %d (index %d, process %s): %s", e.Pos, e.Op.Index, ProcessString(e.Op.Process), e.Problem)
}

// New builds a history from a copy of ops and pairs them, so the caller may
// go on using ops. It fails on the first op that breaks the rules: a
// completion without an outstanding invoke (see NewInvokingAtStart for
// histories that have them), an invoke by a process that already has one
// outstanding, or a completion whose f differs from its invoke's. A Builder
// makes a history of ops read one at a time without the copy.
func New(ops []Op) (*History, error) { return build(slices.Clone(ops), false) }

// MustNew is New for tests and literals; it panics on a malformed history.
func MustNew(ops ...Op) *History {
	h, err := New(ops)
	if err != nil {
		panic(err)
	}
	return h
}

// NewInvokingAtStart is New for histories in which some client completions
// have no invocation: histories of completions alone (as Elle's examples and
// many hand-written histories are), or a completion whose invoke was never
// logged. Each such completion gets an invocation made up for it: a copy of
// the completion with type Invoke, the same Index, and the earliest Time in
// the history. The made-up invocations are placed at the start of the
// history, in the order of their completions, because nothing says when the
// operation began: taking it as invoked at the start means it is never the
// later side of a real-time order (no op is known to have completed before
// it began), which claims nothing the history does not show. StartInvokes
// says how many were made up. Bare :info ops of the nemesis stay bare, as in
// New. Every other rule of New still holds.
func NewInvokingAtStart(ops []Op) (*History, error) { return build(slices.Clone(ops), true) }

// build pairs ops, which the History it returns then owns. With
// invokingAtStart, completions without an invocation get one made up (see
// NewInvokingAtStart).
func build(ops []Op, invokingAtStart bool) (*History, error) {
	pair, bare, err := pairOps(ops, 0, invokingAtStart)
	if err != nil {
		return nil, err
	}
	if len(bare) == 0 {
		return &History{ops: ops, pair: pair}, nil
	}
	earliest := ops[0].Time
	for i := range ops {
		earliest = min(earliest, ops[i].Time)
	}
	all := make([]Op, 0, len(bare)+len(ops))
	for _, i := range bare {
		inv := ops[i]
		inv.Type, inv.Time = Invoke, earliest
		inv.Extra = slices.Clone(inv.Extra) // ops share no parts that Op.Set could change
		all = append(all, inv)
	}
	all = append(all, ops...)
	if pair, _, err = pairOps(all, len(bare), false); err != nil {
		panic("history: made-up invocations do not pair: " + err.Error()) // the first pass found no such problem
	}
	return &History{ops: all, pair: pair, start: len(bare)}, nil
}

// pairOps pairs the invocations of ops with their completions; the first
// start ops are made-up invocations (see History). With lenient, a client
// completion that has no invocation is not an error: its position is
// returned in bare, and it stays unpaired.
func pairOps(ops []Op, start int, lenient bool) (pair, bare []int, err error) {
	pair = make([]int, len(ops))
	open := make(map[int]int) // process -> position of its outstanding invoke
	var atStart map[int][]int // process -> its made-up invocations not yet paired, in order
	if start > 0 {
		atStart = make(map[int][]int)
	}
	for i := range ops {
		op := &ops[i]
		pair[i] = -1
		switch op.Type {
		case Invoke:
			if i < start {
				atStart[op.Process] = append(atStart[op.Process], i)
				continue
			}
			if j, busy := open[op.Process]; busy {
				return nil, nil, &PairError{Pos: i, Op: *op, Problem: fmt.Sprintf("invoked while op %d of the same process is still outstanding (a process runs one op at a time)", ops[j].Index)}
			}
			open[op.Process] = i
		case OK, Fail, Info:
			j, ok := open[op.Process]
			switch q := atStart[op.Process]; {
			case ok:
				delete(open, op.Process)
			case op.Type == Info && op.Process == NemesisProcess:
				// Jepsen nemeses sometimes log bare info ops. One stays
				// bare even when the nemesis has made-up invocations:
				// those belong to its other completions.
				continue
			case len(q) > 0:
				j, atStart[op.Process] = q[0], q[1:]
			case lenient:
				bare = append(bare, i)
				continue
			default:
				return nil, nil, &PairError{Pos: i, Op: *op, Problem: "completes an operation that was never invoked"}
			}
			if ops[j].F != op.F {
				return nil, nil, &PairError{Pos: i, Op: *op, Problem: fmt.Sprintf("completion has f %q but its invoke (op %d) has f %q", op.F, ops[j].Index, ops[j].F)}
			}
			pair[i], pair[j] = j, i
		default:
			return nil, nil, &PairError{Pos: i, Op: *op, Problem: "has type " + op.Type.String() + ", which is never recorded in a history"}
		}
	}
	for p, q := range atStart {
		if len(q) > 0 {
			return nil, nil, &PairError{Pos: q[0], Op: ops[q[0]], Problem: fmt.Sprintf("is a made-up invocation at the start of the history, but process %s has no completion left for it", ProcessString(p))}
		}
	}
	return pair, bare, nil
}

// StartInvokes is the number of invocations NewInvokingAtStart made up for
// completions that had none; they are the ops at positions 0 to
// StartInvokes()-1.
func (h *History) StartInvokes() int { return h.start }

// Len is the number of ops.
func (h *History) Len() int { return len(h.ops) }

// At returns a copy of the op at position i (0 <= i < Len()).
func (h *History) At(i int) Op { return h.ops[i] }

// All yields each op's position and a copy of the op, in order: the loop
// over a history.
func (h *History) All() iter.Seq2[int, Op] {
	return func(yield func(int, Op) bool) {
		for i := range h.ops {
			if !yield(i, h.ops[i]) {
				return
			}
		}
	}
}

// Ops returns a copy of the ops, which the caller may change freely. It
// copies every op: loops read through All or At instead.
func (h *History) Ops() []Op { return slices.Clone(h.ops) }

// Completion returns the position of the completion of the invoke at position
// i, or -1 if it never completed (or the op at i is not an invoke).
func (h *History) Completion(i int) int {
	if h.ops[i].Type != Invoke {
		return -1
	}
	return h.pair[i]
}

// Invocation returns the position of the invoke that the completion at
// position i completes, or -1.
func (h *History) Invocation(i int) int {
	if h.ops[i].Type == Invoke {
		return -1
	}
	return h.pair[i]
}

// Operation is an invocation together with its completion: the unit most
// checkers reason about. Completed is false when the run ended before the op
// completed (Complete is then the zero Op); such an op is treated like info
// (it may or may not have happened).
type Operation struct {
	Invoke    Op
	Complete  Op
	Completed bool
}

// Outcome is the completion type, with Info for an op that never completed.
func (o Operation) Outcome() Type {
	if !o.Completed {
		return Info
	}
	return o.Complete.Type
}

// Operations yields every invoked operation in invocation order, with its
// completion: those whose invocation NewInvokingAtStart made up come first.
// Bare completions (a nemesis info with no invoke) are skipped.
func (h *History) Operations() iter.Seq[Operation] {
	return func(yield func(Operation) bool) {
		for i := range h.ops {
			if h.ops[i].Type != Invoke {
				continue
			}
			o := Operation{Invoke: h.ops[i]}
			if j := h.pair[i]; j >= 0 {
				o.Complete, o.Completed = h.ops[j], true
			}
			if !yield(o) {
				return
			}
		}
	}
}

// Filter returns a new history of the ops for which keep is true. Keep both
// halves of a pair or neither; Filter keeps an op's partner whenever it keeps
// the op, so pairs are never split.
func (h *History) Filter(keep func(Op) bool) *History {
	sel := make([]bool, len(h.ops))
	for i := range h.ops {
		if keep(h.ops[i]) {
			sel[i] = true
			if j := h.pair[i]; j >= 0 {
				sel[j] = true
			}
		}
	}
	ops := make([]Op, 0, len(h.ops))
	start := 0
	for i, s := range sel {
		if s {
			ops = append(ops, h.ops[i])
			if i < h.start {
				start++
			}
		}
	}
	pair, _, err := pairOps(ops, start, false)
	if err != nil {
		panic("history: a filtered history does not pair: " + err.Error()) // whole pairs of a paired history always do
	}
	return &History{ops: ops, pair: pair, start: start}
}

// Clients returns the history without nemesis ops.
func (h *History) Clients() *History { return h.Filter(func(op Op) bool { return op.IsClient() }) }

// Nemesis returns only the nemesis ops.
func (h *History) Nemesis() *History { return h.Filter(func(op Op) bool { return op.IsNemesis() }) }

// Processes returns the distinct processes in order of first appearance.
func (h *History) Processes() []int {
	seen := make(map[int]bool)
	var out []int
	for i := range h.ops {
		p := h.ops[i].Process
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// ByProcess returns, for each process, the positions of its ops in order.
func (h *History) ByProcess() map[int][]int {
	out := make(map[int][]int)
	for i := range h.ops {
		p := h.ops[i].Process
		out[p] = append(out[p], i)
	}
	return out
}
