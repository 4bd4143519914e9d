package model

import (
	"slices"

	"github.com/faultline/faultline/history"
)

// Set is a grow-only set: add x adds x, and read observes the whole set (its
// value is a collection of elements, in any order). A read that misses an
// element whose add completed before the read began, or that sees an element
// never added, is not linearizable.
func Set() Model { return &collection{kind: kindSet} }

// UnorderedQueue is a queue that may deliver its elements in any order:
// enqueue x adds x, dequeue removes the element it returns (an ok dequeue
// with value nil observed the queue empty). Losing an element (a later
// dequeue finds the queue empty) or delivering one twice is not
// linearizable. A dequeue whose outcome is unknown may have removed any one
// element, or none.
func UnorderedQueue() Model { return &collection{kind: kindUnordered} }

// FIFOQueue is a first-in first-out queue: enqueue x appends x, dequeue
// removes and returns the head (an ok dequeue with value nil observed the
// queue empty). A dequeue whose outcome is unknown may have removed the head.
func FIFOQueue() Model { return &collection{kind: kindFIFO} }

type collectionKind uint8

const (
	kindSet collectionKind = iota
	kindUnordered
	kindFIFO
)

var collectionNames = [...]string{"set", "unordered-queue", "fifo-queue"}

type collection struct{ kind collectionKind }

func (c *collection) Name() string { return collectionNames[c.kind] }

func (c *collection) Inert(op Op) bool { return c.kind == kindSet && op.F == "read" }

// Collection op codes.
const (
	colAdd     uint8 = iota // add or enqueue a
	colRead                 // the set is exactly seq state a
	colTake                 // dequeue returned value a
	colEmpty                // dequeue observed the queue empty
	colTakeAny              // dequeue with unknown outcome
	colReadAny              // read with unknown outcome
)

// collectionMachine's states are interned sequences: sorted distinct
// elements for a set, sorted elements for an unordered queue (a multiset),
// the elements in order for a FIFO queue.
type collectionMachine struct {
	kind collectionKind
	vals *values
	seqs *seqs
	code []uint8
	arg  []uint32
	tr   transitions
}

func (c *collection) Build(ops []Op) (Machine, error) {
	m := &collectionMachine{kind: c.kind, vals: newValues(), seqs: newSeqs(), code: make([]uint8, len(ops)), arg: make([]uint32, len(ops)), tr: make(transitions)}
	m.seqs.id(nil) // state 0: empty
	name := c.Name()
	for i, op := range ops {
		switch {
		case c.kind == kindSet && op.F == "add", c.kind != kindSet && op.F == "enqueue":
			m.code[i], m.arg[i] = colAdd, m.vals.id(op.Value)
		case c.kind == kindSet && op.F == "read":
			m.code[i] = colReadAny
			if op.Known {
				xs, ok := asElements(op.Value)
				if !ok {
					return nil, opError(op, name, "a read value that is a collection of elements")
				}
				s := make([]uint32, len(xs))
				for j, x := range xs {
					s[j] = m.vals.id(x)
				}
				m.code[i], m.arg[i] = colRead, uint32(m.seqs.id(sortedSet(s)))
			}
		case c.kind != kindSet && op.F == "dequeue":
			switch {
			case !op.Known:
				m.code[i] = colTakeAny
			case op.Value == nil:
				m.code[i] = colEmpty
			default:
				m.code[i], m.arg[i] = colTake, m.vals.id(op.Value)
			}
		case c.kind == kindSet:
			return nil, opError(op, name, "f add or read")
		default:
			return nil, opError(op, name, "f enqueue or dequeue")
		}
	}
	return m, nil
}

func asElements(v any) ([]any, bool) {
	if v == nil {
		return nil, true
	}
	if s, ok := v.(history.Set); ok {
		return s, true
	}
	return history.AsSlice(v)
}

func sortedSet(s []uint32) []uint32 {
	slices.Sort(s)
	return slices.Compact(s)
}

func (m *collectionMachine) Init() State { return 0 }

func (m *collectionMachine) Step(s State, op int, alt int) (State, bool, bool) {
	switch m.code[op] {
	case colRead:
		return s, s == State(m.arg[op]), false
	case colReadAny:
		return s, true, false
	case colEmpty:
		return s, len(m.seqs.get(s)) == 0, false
	case colTakeAny:
		return m.takeAny(s, alt)
	}
	next, ok := m.tr.memo(s, op, func() (State, bool) { return m.apply(s, op) })
	return next, ok, false
}

// apply computes an add or a take that is not memoised yet.
func (m *collectionMachine) apply(s State, op int) (State, bool) {
	cur, x := m.seqs.get(s), m.arg[op]
	if m.code[op] == colAdd {
		next := append(slices.Clone(cur), x)
		switch m.kind {
		case kindSet:
			next = sortedSet(next)
		case kindUnordered:
			slices.Sort(next)
		}
		return m.seqs.id(next), true
	}
	// colTake
	if m.kind == kindFIFO {
		if len(cur) == 0 || cur[0] != x {
			return s, false
		}
		return m.seqs.id(slices.Clone(cur[1:])), true
	}
	j := slices.Index(cur, x)
	if j < 0 {
		return s, false
	}
	return m.seqs.id(slices.Delete(slices.Clone(cur), j, j+1)), true
}

// takeAny is a dequeue whose outcome is unknown: alternative 0 took nothing
// from an empty queue; otherwise it took the head (FIFO) or the alt-th
// distinct element (unordered).
func (m *collectionMachine) takeAny(s State, alt int) (State, bool, bool) {
	cur := m.seqs.get(s)
	if len(cur) == 0 {
		return s, true, false
	}
	if m.kind == kindFIFO {
		return m.seqs.id(slices.Clone(cur[1:])), true, false
	}
	// distinct elements of the sorted multiset: find the alt-th.
	k := -1
	for j := range cur {
		if j == 0 || cur[j] != cur[j-1] {
			k++
			if k == alt {
				rest := slices.Delete(slices.Clone(cur), j, j+1)
				more := false
				for j2 := j + 1; j2 < len(cur); j2++ {
					if cur[j2] != cur[j] {
						more = true
						break
					}
				}
				return m.seqs.id(rest), true, more
			}
		}
	}
	return s, false, false
}

func (m *collectionMachine) Show(s State) any {
	return showSeq(m.vals, m.seqs.get(s), m.kind != kindFIFO)
}

func (m *collectionMachine) ReadOnly(op int) bool {
	c := m.code[op]
	return c == colRead || c == colReadAny || c == colEmpty
}
