package txnsim

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/faultline/faultline/history"
)

// Faulty databases: strict serializable ones that break their promise in
// one way. Whether a given history still has an explanation depends on
// whether a read happened to witness the fault, which the simulator does
// not decide: a checker's verdict on these is meant to be compared with a
// brute-force oracle's.
const (
	// LostAppends is StrictSerializable, except that the database loses
	// some acknowledged writes (a LossFraction of the writes of
	// transactions that complete ok): from a random moment after the
	// commit on, no transaction sees the write, whether it sits in the
	// middle of its key's list or at its end. A lost register write leaves
	// the key at the latest write that survives.
	LostAppends Behaviour = "lost-appends"
	// StaleReads is StrictSerializable, except that some reads (a
	// StaleFraction of them) are served from the state after a random
	// earlier prefix of the commit order, with the transaction's own
	// earlier writes on top.
	StaleReads Behaviour = "stale-reads"
)

// faulty reports whether b is one of the faulty databases above.
func faulty(b Behaviour) bool { return b == LostAppends || b == StaleReads }

// version is one write installed in the faulty store: what and when, and
// from which moment on it is gone.
type version struct {
	val  any
	seq  int32 // the commit that installed it
	lost int32 // the first moment that no longer sees it (math.MaxInt32: never)
}

// executeFaulty runs the transactions in a strict serializable order (each
// at a point inside its interval) against a store that loses writes or
// serves stale reads, as c.Behaviour says; it fills the results and marks
// what committed, as execute does.
func executeFaulty(c *Config, rng *rand.Rand, txns []plannedTxn) [][]any {
	for i := range txns {
		t := &txns[i]
		t.commitAt = t.invoke + rng.Int64N(t.complete-t.invoke+1)
	}
	order := commitOrder(txns)
	n := int32(len(order))
	keys := map[int][]version{}
	vals := &boxes{}
	results := make([][]any, len(txns))
	for s, i := range order {
		seq := int32(s)
		t := &txns[i]
		if t.outcome == history.Info && rng.IntN(2) == 0 {
			continue // it never took effect
		}
		res := readAll(t, vals, func(_, k int, own []any) any {
			at := seq
			if c.Behaviour == StaleReads && rng.Float64() < c.StaleFraction {
				at = rng.Int32N(seq + 1)
			}
			return readVersions(c.Workload, keys[k], at, own)
		})
		for _, m := range t.mops {
			if !m.write {
				continue
			}
			v := version{val: vals.get(m.val), seq: seq, lost: math.MaxInt32}
			if c.Behaviour == LostAppends && t.outcome == history.OK && rng.Float64() < c.LossFraction {
				v.lost = seq + 1 + rng.Int32N(n-seq) // as late as n: lost when nothing is left to see it
			}
			keys[m.key] = append(keys[m.key], v)
		}
		results[i] = res
		t.applied = true
	}
	return results
}

// readVersions is what a read sees at moment `at` (after the first `at`
// commits), with the reader's own earlier writes own on top.
func readVersions(w Workload, vs []version, at int32, own []any) any {
	var l []any
	for _, v := range vs {
		if v.seq < at && at < v.lost {
			l = append(l, v.val)
		}
	}
	l = append(l, own...)
	if w == RWRegister {
		if len(l) == 0 {
			return nil
		}
		return l[len(l)-1]
	}
	if l == nil {
		l = []any{}
	}
	return l
}

// withFinalReads adds, after every transaction has completed, one
// transaction by a fresh process that reads every key the others touched,
// as Jepsen's workloads end: without it a write lost near the end of a
// history is seen by nobody.
func withFinalReads(c *Config, txns []plannedTxn) []plannedTxn {
	var end int64
	var keys []int
	proc := 0
	for _, t := range txns {
		end = max(end, t.complete)
		proc = max(proc, t.process+1)
		for _, m := range t.mops {
			if !slices.Contains(keys, m.key) {
				keys = append(keys, m.key)
			}
		}
	}
	slices.Sort(keys)
	f := plannedTxn{process: proc, invoke: end + 1, complete: end + 1 + c.Latency, outcome: history.OK}
	for _, k := range keys {
		f.mops = append(f.mops, mop{key: k})
	}
	return append(txns, f)
}
