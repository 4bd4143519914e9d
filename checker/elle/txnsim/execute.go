package txnsim

import (
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/faultline/faultline/history"
)

// store is the database: per key, its versions in commit order with the
// commit sequence number of each. For list-append a key's versions are the
// elements of one list, preallocated so that every read shares its
// backing array (the checker's prefix test then costs nothing, and a
// million-transaction history fits in memory).
type store struct {
	vals [][]any
	seqs [][]int32
	last []int32 // per key, the last commit that wrote it, -1
	maxW int
}

func (s *store) key(k int) {
	for len(s.vals) <= k {
		s.vals = append(s.vals, make([]any, 0, s.maxW))
		s.seqs = append(s.seqs, make([]int32, 0, s.maxW))
		s.last = append(s.last, -1)
	}
}

// visible is how many versions of k commits before cut installed.
func (s *store) visible(k int, cut int32) int {
	s.key(k)
	seqs := s.seqs[k]
	return sort.Search(len(seqs), func(i int) bool { return seqs[i] >= cut })
}

func (s *store) install(k int, v any, seq int32) {
	s.key(k)
	s.vals[k] = append(s.vals[k], v)
	s.seqs[k] = append(s.seqs[k], seq)
	s.last[k] = seq
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

// execute decides, per behaviour, the commit order, what each transaction
// read and whether it committed; it fills results.
func execute(c *Config, rng *rand.Rand, txns []plannedTxn) [][]any {
	if faulty(c.Behaviour) {
		return executeFaulty(c, rng, txns)
	}
	atomic := c.Behaviour == StrictSerializable || c.Behaviour == Serializable || c.Behaviour == AbortedReads
	for i := range txns {
		t := &txns[i]
		switch c.Behaviour {
		case StrictSerializable, AbortedReads:
			t.commitAt = t.invoke + rng.Int64N(t.complete-t.invoke+1)
		case Serializable:
			t.commitAt = t.invoke + rng.Int64N(c.Lag+1)
		default:
			t.commitAt = t.complete
		}
	}
	order := commitOrder(txns)
	at := make([]int64, len(order))
	for s, i := range order {
		at[s] = txns[i].commitAt
	}
	st := &store{maxW: c.MaxWritesPerKey}
	if c.Workload == RWRegister {
		st.maxW = 4
	}
	vals := &boxes{}
	results := make([][]any, len(txns))
	lastOwn := map[int]int32{}
	for s, i := range order {
		seq := int32(s)
		t := &txns[i]
		commits := true
		if t.outcome == history.Info {
			commits = rng.IntN(2) == 0
		}
		if atomic {
			if !commits {
				continue
			}
			res := make([]any, len(t.mops))
			for j, m := range t.mops {
				if m.write {
					st.install(m.key, vals.get(m.val), seq)
					continue
				}
				res[j] = st.read(c.Workload, m.key, st.visible(m.key, seq+1), nil)
			}
			results[i] = res
			t.applied = true
			if c.Behaviour == AbortedReads && rng.Float64() < c.AbortFraction && t.outcome == history.OK {
				t.outcome = history.Fail // ... but its writes stay visible
			}
			continue
		}
		snap := cutAt(at, t.invoke)
		if c.Behaviour == PrefixConsistent {
			lo := int32(0)
			if own, ok := lastOwn[t.process]; ok {
				lo = own + 1
			}
			if lo < snap {
				snap = lo + rng.Int32N(snap-lo+1)
			}
		}
		if c.Behaviour == SnapshotIsolation {
			for _, m := range t.mops {
				if m.write {
					st.key(m.key)
					if st.last[m.key] >= snap {
						commits = false
						if t.outcome == history.OK {
							t.outcome = history.Fail // first committer wins
						}
					}
				}
			}
		}
		results[i] = readAll(t, vals, func(j, k int, own []any) any {
			cut := snap
			switch {
			case len(own) > 0 && c.Behaviour != SnapshotIsolation:
				// Having written the key, the transaction holds its write
				// lock: it sees the state its writes will be installed on.
				cut = seq
			case c.Behaviour == ReadCommitted:
				cut = cutAt(at, t.invoke+int64(j+1)*(t.complete-t.invoke)/int64(len(t.mops)+1))
			}
			return st.read(c.Workload, k, st.visible(k, cut), own)
		})
		if !commits {
			continue
		}
		for _, m := range t.mops {
			if m.write {
				st.install(m.key, vals.get(m.val), seq)
			}
		}
		t.applied = true
		lastOwn[t.process] = seq
	}
	return results
}

// readAll returns what each micro-op of t returned: for a read of key k,
// micro-op j, what read says, given the transaction's own earlier writes
// to k.
func readAll(t *plannedTxn, vals *boxes, read func(j, k int, own []any) any) []any {
	res := make([]any, len(t.mops))
	own := map[int][]any{}
	for j, m := range t.mops {
		if m.write {
			own[m.key] = append(own[m.key], vals.get(m.val))
			continue
		}
		res[j] = read(j, m.key, own[m.key])
	}
	return res
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

// read returns what a read of k sees: the first n versions, then the
// transaction's own writes.
func (s *store) read(w Workload, k, n int, own []any) any {
	if w == RWRegister {
		if len(own) > 0 {
			return own[len(own)-1]
		}
		if n == 0 {
			return nil
		}
		return s.vals[k][n-1]
	}
	l := s.vals[k][:n:n]
	if len(own) > 0 {
		l = append(slices.Clip(l), own...) // copies: never touch the shared array
	}
	return l
}
