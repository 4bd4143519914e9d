package elle

import (
	"fmt"

	"github.com/faultline/faultline/history"
)

// status is what became of a transaction.
type status uint8

const (
	committed status = iota // completed ok
	unknown                 // completed info, or never completed
	aborted                 // completed fail
)

func (s status) String() string {
	return [...]string{"ok", "info", "fail"}[s]
}

// txn is one :txn operation, with its micro-ops as a range of analysis.mops.
// Transaction ids are dense (invocation order) and double as graph node ids.
type txn struct {
	invoke   int32 // position of the invoke in the history
	complete int32 // position of the completion, -1 if none
	process  int
	status   status
	mopsFrom int32
	mopsTo   int32
}

// mop kinds.
const (
	mopRead uint8 = iota
	mopAppend
	mopWrite
)

// mop is one micro-op, interned: key is a key id, and arg is a write id for
// appends and writes, a read id for reads.
type mop struct {
	kind uint8
	key  int32
	arg  int32
}

// write is one append or write of a value to a key.
type write struct {
	txn   int32
	key   int32
	mop   int32 // index into mops
	value any
	final bool // the transaction's last write to this key
}

// read is one read of a committed transaction.
type read struct {
	txn   int32
	key   int32
	mop   int32
	value any // the value read: a list for list-append, a value for rw-register
}

// InputError says which op and micro-op of a history is malformed, and what
// was expected there.
type InputError struct {
	Pos     int // position in the history
	Index   int // the op's :index
	Process int
	Mop     int // micro-op position in the transaction, -1 for the whole value
	Problem string
}

func (e *InputError) Error() string {
	where := fmt.Sprintf("op %d (index %d, process %s)", e.Pos, e.Index, history.ProcessString(e.Process))
	if e.Mop >= 0 {
		where += fmt.Sprintf(", micro-op %d", e.Mop)
	}
	return where + ": " + e.Problem
}

// keyIndex interns keys to dense ids. Small non-negative integer keys (the
// usual case) are looked up in a slice; others by their history.Key.
type keyIndex struct {
	small []int32 // key value -> id+1, 0: not seen
	other map[string]int32
	keys  []any
}

const maxSmallKey = 1 << 20

func (x *keyIndex) id(k any) int32 {
	if i, ok := asInteger(k); ok && i >= 0 && i < maxSmallKey {
		if int(i) >= len(x.small) {
			x.small = append(x.small, make([]int32, int(i)+1-len(x.small))...)
		}
		if x.small[i] == 0 {
			x.small[i] = int32(len(x.keys)) + 1
			x.keys = append(x.keys, k)
		}
		return x.small[i] - 1
	}
	s := history.Key(k)
	id, ok := x.other[s]
	if !ok {
		id = int32(len(x.keys))
		x.other[s] = id
		x.keys = append(x.keys, k)
	}
	return id
}

// valueIndex maps (key id, value) to a write id. Elle's generators write
// small per-key counters, so values below maxSmallValue live in a per-key
// slice; anything else goes through maps.
type valueIndex struct {
	small [][]int32 // key -> value -> write id+1, 0: none
	ints  map[intPair]int32
	other map[string]int32
}

const maxSmallValue = 4096

type intPair struct {
	key int32
	v   int64
}

// slot returns where (key, v) lives: a small-slice cell, or a map key.
func (x *valueIndex) slot(key int32, v any, grow bool) (*int32, intPair, string, bool) {
	i, isInt := asInteger(v)
	if isInt && i >= 0 && i < maxSmallValue {
		if grow {
			for int(key) >= len(x.small) {
				x.small = append(x.small, nil)
			}
			if int(i) >= len(x.small[key]) {
				x.small[key] = append(x.small[key], make([]int32, int(i)+1-len(x.small[key]))...)
			}
		}
		if int(key) < len(x.small) && int(i) < len(x.small[key]) {
			return &x.small[key][i], intPair{}, "", false
		}
		return nil, intPair{}, "", false
	}
	if isInt {
		return nil, intPair{key, i}, "", true
	}
	return nil, intPair{}, fmt.Sprint(key) + " " + history.Key(v), false
}

// get returns the write of value v to key, or -1.
func (x *valueIndex) get(key int32, v any) int32 {
	cell, p, s, isInt := x.slot(key, v, false)
	switch {
	case cell != nil:
		return *cell - 1
	case isInt:
		if id, ok := x.ints[p]; ok {
			return id
		}
	case s != "":
		if id, ok := x.other[s]; ok {
			return id
		}
	}
	return -1
}

// put records write id for (key, v) and returns the earlier write of the
// same value, or -1.
func (x *valueIndex) put(key int32, v any, id int32) int32 {
	cell, p, s, isInt := x.slot(key, v, true)
	switch {
	case cell != nil:
		if *cell > 0 {
			return *cell - 1
		}
		*cell = id + 1
	case isInt:
		if prev, ok := x.ints[p]; ok {
			return prev
		}
		x.ints[p] = id
	default:
		if prev, ok := x.other[s]; ok {
			return prev
		}
		x.other[s] = id
	}
	return -1
}

// asInteger is history.AsInt without floats: history.Equal never equates
// 1.0 with 1, so interning must not either.
func asInteger(v any) (int64, bool) {
	if _, isFloat := v.(float64); isFloat {
		return 0, false
	}
	return history.AsInt(v)
}

// sameValue compares two values of a history as history.Equal does, with a
// fast path for the integers that nearly every history uses.
func sameValue(a, b any) bool {
	if x, ok := a.(int64); ok {
		if y, ok := b.(int64); ok {
			return x == y
		}
	}
	return history.Equal(a, b)
}
