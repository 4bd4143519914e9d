package history

import "fmt"

// History is an ordered sequence of ops, as recorded. Build one with New
// (which checks it and pairs invocations with completions), with
// NewInvokingAtStart (which also takes completions that have no invocation),
// or fill Ops and call Index.
//
// A process runs one op at a time: its invoke is completed by its next op.
// The one exception is the invocations NewInvokingAtStart makes up for
// completions that had none: they come first in Ops (StartInvokes counts
// them), several of one process may be outstanding at once, and each pairs
// with its process's next completion that has no invocation of its own, so
// the process's completions keep their recorded order.
type History struct {
	Ops []Op

	// pair[i] is the position of the op paired with op i: the completion of an
	// invoke, the invoke of a completion, or -1 for an invoke that never
	// completed (the run crashed or ended first).
	pair []int
	// start is the number of made-up invocations at the front of Ops.
	start int
}

// PairError says why a sequence of ops is not a well-formed history.
type PairError struct {
	Pos     int // position in Ops
	Op      Op
	Problem string
}

func (e *PairError) Error() string {
	return fmt.Sprintf("op %d (index %d, process %s): %s", e.Pos, e.Op.Index, ProcessString(e.Op.Process), e.Problem)
}

// New builds a history from ops and pairs them. It fails on the first op that
// breaks the rules: a completion without an outstanding invoke (see
// NewInvokingAtStart for histories that have them), an invoke by a process
// that already has one outstanding, or a completion whose f differs from its
// invoke's.
func New(ops []Op) (*History, error) {
	h := &History{Ops: ops}
	if err := h.Index(); err != nil {
		return nil, err
	}
	return h, nil
}

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
func NewInvokingAtStart(ops []Op) (*History, error) {
	h := &History{Ops: ops}
	bare, err := h.index(true)
	if err != nil || len(bare) == 0 {
		if err != nil {
			return nil, err
		}
		return h, nil
	}
	earliest := ops[0].Time
	for i := range ops {
		earliest = min(earliest, ops[i].Time)
	}
	all := make([]Op, 0, len(bare)+len(ops))
	for _, i := range bare {
		inv := ops[i]
		inv.Type, inv.Time = Invoke, earliest
		inv.Extra = append([]Field(nil), inv.Extra...) // ops share no mutable parts
		all = append(all, inv)
	}
	h = &History{Ops: append(all, ops...), start: len(bare)}
	if _, err := h.index(false); err != nil {
		panic("history: made-up invocations do not pair: " + err.Error()) // the first pass found no such problem
	}
	return h, nil
}

// StartInvokes is the number of invocations NewInvokingAtStart made up for
// completions that had none; they are Ops[:StartInvokes()].
func (h *History) StartInvokes() int { return h.start }

// Index (re)computes the pairing of invocations and completions.
func (h *History) Index() error {
	_, err := h.index(false)
	return err
}

// index pairs the ops. With lenient, a client completion that has no
// invocation is not an error: its position is returned in bare, and it stays
// unpaired.
func (h *History) index(lenient bool) (bare []int, err error) {
	pair := make([]int, len(h.Ops))
	open := make(map[int]int) // process -> position of its outstanding invoke
	var atStart map[int][]int // process -> its made-up invocations not yet paired, in order
	if h.start > 0 {
		atStart = make(map[int][]int)
	}
	for i := range h.Ops {
		op := &h.Ops[i]
		pair[i] = -1
		switch op.Type {
		case Invoke:
			if i < h.start {
				atStart[op.Process] = append(atStart[op.Process], i)
				continue
			}
			if j, busy := open[op.Process]; busy {
				return nil, &PairError{Pos: i, Op: *op, Problem: fmt.Sprintf("invoked while op %d of the same process is still outstanding (a process runs one op at a time)", h.Ops[j].Index)}
			}
			open[op.Process] = i
		case OK, Fail, Info:
			j, ok := open[op.Process]
			if ok {
				delete(open, op.Process)
			} else if q := atStart[op.Process]; len(q) > 0 {
				j, atStart[op.Process] = q[0], q[1:]
			} else {
				switch {
				case op.Type == Info && op.Process == NemesisProcess:
					continue // Jepsen nemeses sometimes log bare info ops
				case lenient:
					bare = append(bare, i)
					continue
				}
				return nil, &PairError{Pos: i, Op: *op, Problem: "completes an operation that was never invoked"}
			}
			if h.Ops[j].F != op.F {
				return nil, &PairError{Pos: i, Op: *op, Problem: fmt.Sprintf("completion has f %q but its invoke (op %d) has f %q", op.F, h.Ops[j].Index, h.Ops[j].F)}
			}
			pair[i], pair[j] = j, i
		default:
			return nil, &PairError{Pos: i, Op: *op, Problem: "has type " + op.Type.String() + ", which is never recorded in a history"}
		}
	}
	for p, q := range atStart {
		if len(q) > 0 {
			return nil, &PairError{Pos: q[0], Op: h.Ops[q[0]], Problem: fmt.Sprintf("is a made-up invocation at the start of the history, but process %s has no completion left for it", ProcessString(p))}
		}
	}
	h.pair = pair
	return bare, nil
}

func (h *History) ensureIndexed() {
	if h.pair == nil || len(h.pair) != len(h.Ops) {
		if err := h.Index(); err != nil {
			panic("history: use of an unindexed malformed history: " + err.Error())
		}
	}
}

// Len is the number of ops.
func (h *History) Len() int { return len(h.Ops) }

// Completion returns the position of the completion of the invoke at position
// i, or -1 if it never completed.
func (h *History) Completion(i int) int {
	h.ensureIndexed()
	if h.Ops[i].Type != Invoke {
		return -1
	}
	return h.pair[i]
}

// Invocation returns the position of the invoke that the completion at
// position i completes, or -1.
func (h *History) Invocation(i int) int {
	h.ensureIndexed()
	if h.Ops[i].Type == Invoke {
		return -1
	}
	return h.pair[i]
}

// Operation is an invocation together with its completion: the unit most
// checkers reason about. Complete is nil when the run ended before the op
// completed; such an op is treated like info (it may or may not have happened).
type Operation struct {
	Invoke   *Op
	Complete *Op
}

// Outcome is the completion type, with Info for an op that never completed.
func (o Operation) Outcome() Type {
	if o.Complete == nil {
		return Info
	}
	return o.Complete.Type
}

// Operations returns every invoked operation in invocation order, with its
// completion: those whose invocation NewInvokingAtStart made up come first.
// Bare completions (a nemesis info with no invoke) are skipped.
func (h *History) Operations() []Operation {
	h.ensureIndexed()
	out := make([]Operation, 0, len(h.Ops)/2+1)
	for i := range h.Ops {
		if h.Ops[i].Type != Invoke {
			continue
		}
		op := Operation{Invoke: &h.Ops[i]}
		if j := h.pair[i]; j >= 0 {
			op.Complete = &h.Ops[j]
		}
		out = append(out, op)
	}
	return out
}

// Filter returns a new indexed history of the ops for which keep is true.
// Keep both halves of a pair or neither; Filter keeps an op's partner whenever
// it keeps the op, so pairs are never split.
func (h *History) Filter(keep func(*Op) bool) *History {
	h.ensureIndexed()
	sel := make([]bool, len(h.Ops))
	for i := range h.Ops {
		if keep(&h.Ops[i]) {
			sel[i] = true
			if j := h.pair[i]; j >= 0 {
				sel[j] = true
			}
		}
	}
	ops := make([]Op, 0, len(h.Ops))
	start := 0
	for i, s := range sel {
		if s {
			ops = append(ops, h.Ops[i])
			if i < h.start {
				start++
			}
		}
	}
	out := &History{Ops: ops, start: start}
	out.ensureIndexed()
	return out
}

// Clients returns the history without nemesis ops.
func (h *History) Clients() *History { return h.Filter((*Op).IsClient) }

// Nemesis returns only the nemesis ops.
func (h *History) Nemesis() *History { return h.Filter((*Op).IsNemesis) }

// Processes returns the distinct processes in order of first appearance.
func (h *History) Processes() []int {
	seen := make(map[int]bool)
	var out []int
	for i := range h.Ops {
		p := h.Ops[i].Process
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
	for i := range h.Ops {
		p := h.Ops[i].Process
		out[p] = append(out[p], i)
	}
	return out
}

// KeyFunc extracts the key an op concerns, and the value it carries for that
// key. ok is false for ops that concern no key (they are left out of per-key
// views).
type KeyFunc func(op *Op) (key any, value any, ok bool)

// TupleKey is the KeyFunc of Jepsen's independent histories, whose values are
// [key value] tuples.
func TupleKey(op *Op) (any, any, bool) {
	xs, ok := AsSlice(op.Value)
	if !ok || len(xs) != 2 {
		return nil, nil, false
	}
	return xs[0], xs[1], true
}

// KeyedHistory is the sub-history of one key.
type KeyedHistory struct {
	Key     any
	History *History
}

// keyIDs numbers distinct keys in order of first appearance. Integer and
// text keys (the common cases) avoid building a Key string per op.
type keyIDs struct {
	ints  map[int64]int32
	texts map[string]int32
	other map[string]int32
	keys  []any
}

func (k *keyIDs) id(key any) int32 {
	var m map[string]int32
	var s string
	switch x := key.(type) {
	case int64:
		if id, ok := k.ints[x]; ok {
			return id
		}
		id := int32(len(k.keys))
		k.ints[x] = id
		k.keys = append(k.keys, key)
		return id
	case string:
		m, s = k.texts, x
	case Keyword:
		m, s = k.texts, string(x)
	default:
		if i, ok := AsInt(key); ok && !isFloat(key) {
			return k.id(i)
		}
		m, s = k.other, Key(key)
	}
	if id, ok := m[s]; ok {
		return id
	}
	id := int32(len(k.keys))
	m[s] = id
	k.keys = append(k.keys, key)
	return id
}

func isFloat(v any) bool { _, ok := v.(float64); return ok }

// ByKey splits the history into one sub-history per key, each op's value
// replaced by the value keyFn gives for its key. An op whose value names no
// key (an invoke of a read in some Jepsen histories is a bare nil) takes the
// key of its partner, so pairs stay together. Sub-histories are returned in
// order of each key's first appearance; ops keep their Index.
func (h *History) ByKey(keyFn KeyFunc) []KeyedHistory {
	h.ensureIndexed()
	ids := keyIDs{ints: map[int64]int32{}, texts: map[string]int32{}, other: map[string]int32{}}
	opKey := make([]int32, len(h.Ops))
	values := make([]any, len(h.Ops))
	for i := range h.Ops {
		k, v, ok := keyFn(&h.Ops[i])
		if ok {
			opKey[i], values[i] = ids.id(k), v
		} else {
			opKey[i] = -1
		}
	}
	for i := range h.Ops {
		if j := h.pair[i]; opKey[i] < 0 && j >= 0 {
			opKey[i] = opKey[j]
		}
	}
	// A pair whose halves name different keys belongs to neither: drop both
	// halves rather than leave an invoke that looks like it never completed.
	counts := make([]int, len(ids.keys))
	for i := range h.Ops {
		if j := h.pair[i]; j >= 0 && opKey[j] != opKey[i] {
			continue
		}
		if opKey[i] >= 0 {
			counts[opKey[i]]++
		}
	}
	subs := make([]*History, len(ids.keys))
	for id := range subs {
		subs[id] = &History{Ops: make([]Op, 0, counts[id]), pair: make([]int, 0, counts[id])}
	}
	pos := make([]int, len(h.Ops)) // position of op i in its sub-history
	for i := range h.Ops {
		id, j := opKey[i], h.pair[i]
		if id < 0 || (j >= 0 && opKey[j] != id) {
			continue
		}
		sub := subs[id]
		pos[i] = len(sub.Ops)
		if i < h.start {
			sub.start++
		}
		op := h.Ops[i]
		op.Value = values[i]
		sub.Ops = append(sub.Ops, op)
		switch {
		case j < 0:
			sub.pair = append(sub.pair, -1)
		case j < i:
			sub.pair = append(sub.pair, pos[j])
			sub.pair[pos[j]] = pos[i]
		default:
			sub.pair = append(sub.pair, -1) // filled in when its partner arrives
		}
	}
	out := make([]KeyedHistory, len(subs))
	for id, sub := range subs {
		out[id] = KeyedHistory{Key: ids.keys[id], History: sub}
	}
	return out
}
