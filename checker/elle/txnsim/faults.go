package txnsim

import (
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

// lostAppends is atomic, except that a LossFraction of the writes of
// transactions that complete ok are lost from a random moment after their
// commit, as late as the end of the history (then nobody sees the loss).
type lostAppends struct{ atomic }

func (l *lostAppends) lostFrom(seq int32, t *plannedTxn) int32 {
	if t.outcome == history.OK && l.e.rng.Float64() < l.e.c.LossFraction {
		return seq + 1 + l.e.rng.Int32N(int32(len(l.e.at))-seq)
	}
	return never
}

// staleReads is atomic, except that a StaleFraction of the reads see an
// earlier moment, drawn from the start of the history on.
type staleReads struct{ atomic }

func (s *staleReads) readCut(seq int32, _ *plannedTxn, _ int, _ bool) int32 {
	if s.e.rng.Float64() < s.e.c.StaleFraction {
		return s.e.rng.Int32N(seq + 1)
	}
	return seq
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
