// Package valueset counts EDN-shaped values by equality (history.Equal), so
// the set and queue checkers can compare what was written with what was read
// without caring whether a history came from EDN (keywords, int64) or JSON
// (strings, floats). It also sorts values for reports: integers numerically,
// everything else by its EDN text.
package valueset

import (
	"math/big"
	"sort"

	"github.com/faultline/faultline/history"
)

// Multiset counts values. The zero value is not usable; call New.
type Multiset struct {
	index *Index[*entry]
	order []*entry // in order of first insertion
}

type entry struct {
	value any
	count int
}

// New returns an empty multiset.
func New() *Multiset { return &Multiset{index: NewIndex[*entry]()} }

// Of returns a multiset holding each of vs once per occurrence.
func Of(vs ...any) *Multiset {
	m := New()
	for _, v := range vs {
		m.Add(v, 1)
	}
	return m
}

// Add adds n copies of v.
func (m *Multiset) Add(v any, n int) {
	e, ok := m.index.Get(v)
	if !ok {
		e = &entry{value: v}
		m.index.Put(v, e)
		m.order = append(m.order, e)
	}
	e.count += n
}

// Remove takes one copy of v out and reports whether there was one.
func (m *Multiset) Remove(v any) bool {
	e, _ := m.index.Get(v)
	if e == nil || e.count <= 0 {
		return false
	}
	e.count--
	return true
}

// Count is the number of copies of v.
func (m *Multiset) Count(v any) int {
	if e, _ := m.index.Get(v); e != nil {
		return e.count
	}
	return 0
}

// Has reports whether at least one copy of v is present.
func (m *Multiset) Has(v any) bool { return m.Count(v) > 0 }

// Distinct returns each value present at least once, in order of first
// insertion.
func (m *Multiset) Distinct() []any {
	out := make([]any, 0, len(m.order))
	for _, e := range m.order {
		if e.count > 0 {
			out = append(out, e.value)
		}
	}
	return out
}

// Len is the number of distinct values present.
func (m *Multiset) Len() int {
	n := 0
	for _, e := range m.order {
		if e.count > 0 {
			n++
		}
	}
	return n
}

// Where returns, sorted, the distinct values present for which keep holds,
// given each value's count.
func (m *Multiset) Where(keep func(v any, count int) bool) []any {
	var out []any
	for _, e := range m.order {
		if e.count > 0 && keep(e.value, e.count) {
			out = append(out, e.value)
		}
	}
	Sort(out)
	return out
}

// Sort orders values for a report: integers first, numerically, then the
// rest by their EDN text.
func Sort(vs []any) {
	sort.SliceStable(vs, func(i, j int) bool { return Less(vs[i], vs[j]) })
}

// Less is the order Sort uses.
func Less(a, b any) bool {
	ai, aok := asBig(a)
	bi, bok := asBig(b)
	switch {
	case aok && bok:
		return ai.Cmp(bi) < 0
	case aok != bok:
		return aok
	}
	return history.Key(a) < history.Key(b)
}

func asBig(v any) (*big.Int, bool) {
	if b, ok := v.(*big.Int); ok {
		return b, true
	}
	if i, ok := history.AsInt(v); ok {
		return big.NewInt(i), true
	}
	return nil, false
}

// Elements returns the members of a collection value: a set, vector or list.
// nil counts as the empty collection (a read of nothing).
func Elements(v any) ([]any, bool) {
	switch x := v.(type) {
	case nil:
		return nil, true
	case history.Set:
		return x, true
	}
	return history.AsSlice(v)
}

// Index maps values to T by equality, like a map keyed by history.Key, but
// integers (the usual elements of sets and queues) skip building a key
// string: checkers that look up every element of every read spend most of
// their time here.
type Index[T any] struct {
	ints  map[int64]T
	other map[string]T
}

// NewIndex returns an empty index.
func NewIndex[T any]() *Index[T] {
	return &Index[T]{ints: make(map[int64]T), other: make(map[string]T)}
}

// Get looks v up.
func (x *Index[T]) Get(v any) (T, bool) {
	if n, ok := exactInt(v); ok {
		t, found := x.ints[n]
		return t, found
	}
	t, found := x.other[history.Key(v)]
	return t, found
}

// Put maps v to t.
func (x *Index[T]) Put(v any, t T) {
	if n, ok := exactInt(v); ok {
		x.ints[n] = t
		return
	}
	x.other[history.Key(v)] = t
}

// exactInt is an integer value that fits int64; floats are not integers to
// history.Equal, so they take the slow path.
func exactInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case *big.Int:
		if n.IsInt64() {
			return n.Int64(), true
		}
	}
	return 0, false
}
