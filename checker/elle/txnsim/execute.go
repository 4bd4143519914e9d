package txnsim

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/faultline/faultline/history"
)

// never is the moment a write that is never lost stops being seen.
const never = math.MaxInt32

// store is the database: per key, its versions in commit order with the
// commit sequence number of each. For list-append a key's versions are the
// elements of one list, preallocated so that every read shares its
// backing array (the checker's prefix test then costs nothing, and a
// million-transaction history fits in memory).
type store struct {
	vals [][]any
	seqs [][]int32
	last []int32 // per key, the last commit that wrote it, -1
	// lost is, per key and version, the first moment (a number of
	// commits) that no longer sees the version; nil for a key that never
	// lost a write, which is every key but under LostAppends.
	lost [][]int32
	maxW int
}

func (s *store) key(k int) {
	for len(s.vals) <= k {
		s.vals = append(s.vals, make([]any, 0, s.maxW))
		s.seqs = append(s.seqs, make([]int32, 0, s.maxW))
		s.last = append(s.last, -1)
		s.lost = append(s.lost, nil)
	}
}

// visible is how many versions of k commits before cut installed.
func (s *store) visible(k int, cut int32) int {
	s.key(k)
	seqs := s.seqs[k]
	return sort.Search(len(seqs), func(i int) bool { return seqs[i] >= cut })
}

// install adds version v of k, written by commit seq and seen by no moment
// from lost on.
func (s *store) install(k int, v any, seq, lost int32) {
	s.key(k)
	if lost != never && s.lost[k] == nil {
		s.lost[k] = slices.Repeat([]int32{never}, len(s.vals[k]))
	}
	s.vals[k] = append(s.vals[k], v)
	s.seqs[k] = append(s.seqs[k], seq)
	s.last[k] = seq
	if s.lost[k] != nil {
		s.lost[k] = append(s.lost[k], lost)
	}
}

// read returns what a read of k sees at moment cut by a transaction whose
// own writes to k so far are the last own versions installed: the
// versions of the commits before cut that are not lost by then, then those
// own writes.
func (s *store) read(w Workload, k int, cut int32, own int) any {
	n := s.visible(k, cut)
	vals := s.vals[k]
	var l []any
	switch {
	case s.lost[k] != nil:
		l = make([]any, 0, n+own)
		for i, v := range vals[:n] {
			if cut < s.lost[k][i] {
				l = append(l, v)
			}
		}
		l = append(l, vals[len(vals)-own:]...)
	case n+own == len(vals):
		l = vals[: n+own : n+own] // no one else wrote k since cut: share the array
	case own == 0:
		l = vals[:n:n]
	default:
		l = append(slices.Clip(vals[:n]), vals[len(vals)-own:]...) // copies: never touch the shared array
	}
	if w == RWRegister {
		if len(l) == 0 {
			return nil
		}
		return l[len(l)-1]
	}
	return l
}

// boxes hands out one interface value per integer, so a million
// transactions do not allocate a million copies of the same small numbers.
type boxes []any

func (b *boxes) get(i int) any {
	for len(*b) <= i {
		*b = append(*b, int64(len(*b)))
	}
	return (*b)[i]
}

// engine is what every behaviour shares: the configuration and random
// source, the commit order's times, and the store.
type engine struct {
	c   *Config
	rng *rand.Rand
	at  []int64 // at[s] is when the s-th commit of the order takes effect
	st  *store
}

// commits decides whether t takes effect at all: always, unless its
// outcome is unknown, when a fair coin says whether it is on side (the
// faulty databases commit on the other side than the rest, as they were
// written: kept so that every seed still gives its history).
func (e *engine) commits(t *plannedTxn, side int) bool {
	return t.outcome != history.Info || e.rng.IntN(2) == side
}

// snapshotAt is how many commits took effect strictly before time t.
func (e *engine) snapshotAt(t int64) int32 {
	return int32(sort.Search(len(e.at), func(i int) bool { return e.at[i] >= t }))
}

// execute runs the transactions under the behaviour c asks for: it places
// each in the commit order at the moment the behaviour chooses, then, in
// that order, lets the behaviour decide whether it commits and which
// moment each of its reads sees, installs its writes as they come and
// marks it applied. It returns what each micro-op read.
func execute(c *Config, rng *rand.Rand, txns []plannedTxn) [][]any {
	e := &engine{c: c, rng: rng, st: &store{maxW: c.MaxWritesPerKey}}
	if c.Workload == RWRegister {
		e.st.maxW = 4
	}
	iso := isolationOf(c.Behaviour, e)
	for i := range txns {
		txns[i].commitAt = iso.effectAt(&txns[i])
	}
	order := commitOrder(txns)
	e.at = make([]int64, len(order))
	for s, i := range order {
		e.at[s] = txns[i].commitAt
	}
	vals := &boxes{}
	results := make([][]any, len(txns))
	var wrote []int // keys the current transaction wrote, once per write
	for s, i := range order {
		seq, t := int32(s), &txns[i]
		if !iso.begin(seq, t) {
			continue
		}
		res := make([]any, len(t.mops))
		wrote = wrote[:0]
		for j, m := range t.mops {
			if m.write {
				e.st.install(m.key, vals.get(m.val), seq, iso.lostFrom(seq, t))
				wrote = append(wrote, m.key)
				continue
			}
			own := countOf(wrote, m.key)
			res[j] = e.st.read(c.Workload, m.key, iso.readCut(seq, t, j, own > 0), own)
		}
		results[i] = res
		t.applied = true
	}
	return results
}

// countOf is how many times k occurs in keys.
func countOf(keys []int, k int) int {
	n := 0
	for _, x := range keys {
		if x == k {
			n++
		}
	}
	return n
}

// commitOrder returns the transactions' indices sorted by commitAt, ties
// in plan order.
func commitOrder(txns []plannedTxn) []int32 {
	order := make([]int32, len(txns))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(a, b int32) int {
		x, y := txns[a].commitAt, txns[b].commitAt
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	return order
}
