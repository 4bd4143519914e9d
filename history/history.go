package history

import "fmt"

// History is an ordered sequence of ops, as recorded. Build one with New
// (which checks it and pairs invocations with completions) or fill Ops and call
// Index.
type History struct {
	Ops []Op

	// pair[i] is the position of the op paired with op i: the completion of an
	// invoke, the invoke of a completion, or -1 for an invoke that never
	// completed (the run crashed or ended first).
	pair []int
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
// breaks the rules: a completion without an outstanding invoke, an invoke by a
// process that already has one outstanding, or a completion whose f differs
// from its invoke's.
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

// Index (re)computes the pairing of invocations and completions.
func (h *History) Index() error {
	pair := make([]int, len(h.Ops))
	open := make(map[int]int) // process -> position of its outstanding invoke
	for i := range h.Ops {
		op := &h.Ops[i]
		pair[i] = -1
		switch op.Type {
		case Invoke:
			if j, busy := open[op.Process]; busy {
				return &PairError{Pos: i, Op: *op, Problem: fmt.Sprintf("invoked while op %d of the same process is still outstanding (a process runs one op at a time)", h.Ops[j].Index)}
			}
			open[op.Process] = i
		case OK, Fail, Info:
			j, ok := open[op.Process]
			if !ok {
				if op.Type == Info && op.Process == NemesisProcess {
					continue // Jepsen nemeses sometimes log bare info ops
				}
				return &PairError{Pos: i, Op: *op, Problem: "completes an operation that was never invoked"}
			}
			if h.Ops[j].F != op.F {
				return &PairError{Pos: i, Op: *op, Problem: fmt.Sprintf("completion has f %q but its invoke (op %d) has f %q", op.F, h.Ops[j].Index, h.Ops[j].F)}
			}
			delete(open, op.Process)
			pair[i], pair[j] = j, i
		default:
			return &PairError{Pos: i, Op: *op, Problem: "has type " + op.Type.String() + ", which is never recorded in a history"}
		}
	}
	h.pair = pair
	return nil
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
// completion. Bare completions (a nemesis info with no invoke) are skipped.
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
	for i, s := range sel {
		if s {
			ops = append(ops, h.Ops[i])
		}
	}
	out := &History{Ops: ops}
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
