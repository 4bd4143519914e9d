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
	count map[string]int
	value map[string]any
	order []string // keys in order of first insertion
}

// New returns an empty multiset.
func New() *Multiset {
	return &Multiset{count: make(map[string]int), value: make(map[string]any)}
}

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
	k := history.Key(v)
	if _, seen := m.value[k]; !seen {
		m.value[k] = v
		m.order = append(m.order, k)
	}
	m.count[k] += n
}

// Remove takes one copy of v out and reports whether there was one.
func (m *Multiset) Remove(v any) bool {
	k := history.Key(v)
	if m.count[k] <= 0 {
		return false
	}
	m.count[k]--
	return true
}

// Count is the number of copies of v.
func (m *Multiset) Count(v any) int { return m.count[history.Key(v)] }

// Has reports whether at least one copy of v is present.
func (m *Multiset) Has(v any) bool { return m.Count(v) > 0 }

// Distinct returns each value present at least once, in order of first
// insertion.
func (m *Multiset) Distinct() []any {
	out := make([]any, 0, len(m.order))
	for _, k := range m.order {
		if m.count[k] > 0 {
			out = append(out, m.value[k])
		}
	}
	return out
}

// Len is the number of distinct values present.
func (m *Multiset) Len() int {
	n := 0
	for _, k := range m.order {
		if m.count[k] > 0 {
			n++
		}
	}
	return n
}

// Where returns, sorted, the distinct values present for which keep holds,
// given each value's count.
func (m *Multiset) Where(keep func(v any, count int) bool) []any {
	var out []any
	for _, k := range m.order {
		if c := m.count[k]; c > 0 && keep(m.value[k], c) {
			out = append(out, m.value[k])
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
