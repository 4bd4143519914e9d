package model

import (
	"encoding/binary"

	"github.com/faultline/faultline/history"
)

// values interns EDN values as small integers, so machines compare numbers
// instead of calling history.Equal. ID 0 is always nil. Small non-negative
// integers (the usual register values) are looked up in an array, other
// integers in a map, anything else by its history.Key.
type values struct {
	small  [64]uint32 // ID of integer i, or 0 if not seen yet
	ints   map[int64]uint32
	others map[string]uint32
	list   []any
}

func newValues() *values { return &values{list: []any{nil}} }

// id returns the number of v, assigning the next one to a value not seen yet.
func (vs *values) id(v any) uint32 {
	var i int64
	switch x := v.(type) {
	case nil:
		return 0
	case int64:
		i = x
	case int:
		i = int64(x)
	default:
		k := history.Key(v)
		if n, ok := vs.others[k]; ok {
			return n
		}
		if vs.others == nil {
			vs.others = make(map[string]uint32)
		}
		n := uint32(len(vs.list))
		vs.others[k] = n
		vs.list = append(vs.list, v)
		return n
	}
	if i >= 0 && i < int64(len(vs.small)) {
		if n := vs.small[i]; n != 0 {
			return n
		}
		n := uint32(len(vs.list))
		vs.small[i] = n
		vs.list = append(vs.list, i)
		return n
	}
	if n, ok := vs.ints[i]; ok {
		return n
	}
	if vs.ints == nil {
		vs.ints = make(map[int64]uint32)
	}
	n := uint32(len(vs.list))
	vs.ints[i] = n
	vs.list = append(vs.list, i)
	return n
}

// value is the value numbered n.
func (vs *values) value(n uint32) any { return vs.list[n] }

// seqs interns sequences of value numbers (a set's sorted elements, a
// queue's contents, a multi-register's tuple) as State numbers, so that equal
// contents get equal states.
type seqs struct {
	index map[string]State
	list  [][]uint32
	buf   []byte
}

func newSeqs() *seqs { return &seqs{index: make(map[string]State)} }

// id returns the state number of the sequence s (which it may keep: callers
// pass a fresh slice).
func (t *seqs) id(s []uint32) State {
	t.buf = t.buf[:0]
	for _, x := range s {
		t.buf = binary.LittleEndian.AppendUint32(t.buf, x)
	}
	if n, ok := t.index[string(t.buf)]; ok {
		return n
	}
	n := State(len(t.list))
	t.index[string(t.buf)] = n
	t.list = append(t.list, s)
	return n
}

// get returns the sequence of state n. Callers must not modify it.
func (t *seqs) get(n State) []uint32 { return t.list[n] }

// transitions memoises a machine's computed steps, keyed by (state, op), so
// that a step that builds a new sequence runs once per pair.
type transitions map[[2]uint64]step

type step struct {
	next State
	ok   bool
}

// memo returns the memoised step of (s, op), computing it with f the first
// time.
func (tr transitions) memo(s State, op int, f func() (State, bool)) (State, bool) {
	k := [2]uint64{uint64(s), uint64(op)}
	if st, hit := tr[k]; hit {
		return st.next, st.ok
	}
	next, ok := f()
	tr[k] = step{next, ok}
	return next, ok
}

// showSeq renders a sequence of value numbers as an EDN collection.
func showSeq(vs *values, s []uint32, set bool) any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = vs.value(x)
	}
	if set {
		return history.Set(out)
	}
	return out
}

// showTuple renders a tuple of value numbers, one per key, as an EDN map.
func showTuple(keys []any, vs *values, s []uint32) history.Map {
	out := make(history.Map, len(keys))
	for i, v := range s {
		out[i] = history.MapEntry{Key: keys[i], Value: vs.value(v)}
	}
	return out
}
