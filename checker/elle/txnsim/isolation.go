package txnsim

import "github.com/faultline/faultline/history"

// isolation is one behaviour of the fake database, told apart from the
// others by the few decisions execute leaves to it. Moments are numbers of
// commits: a read at moment m sees the writes of the first m commits of
// the order, and a transaction's own earlier writes on top.
type isolation interface {
	// effectAt draws the time t takes effect, which places it in the
	// commit order.
	effectAt(t *plannedTxn) int64
	// begin is called as t, the seq-th commit of the order, takes effect:
	// it says whether t commits (its writes are installed), and may
	// change t's reported outcome.
	begin(seq int32, t *plannedTxn) bool
	// readCut is the moment micro-op j of t, a read, sees, at most seq;
	// wrote says whether t wrote the key before.
	readCut(seq int32, t *plannedTxn, j int, wrote bool) int32
	// lostFrom is the first moment that no longer sees a write t, the
	// seq-th commit, installs now: never, for a database that keeps them.
	lostFrom(seq int32, t *plannedTxn) int32
}

// isolationOf is the behaviour b, on e.
func isolationOf(b Behaviour, e *engine) isolation {
	switch b {
	case Serializable:
		return &serializable{atomic{e: e}}
	case AbortedReads:
		return &abortedReads{atomic{e: e}}
	case SnapshotIsolation:
		return &snapshotIsolation{snapshotReads{e: e}}
	case ReadCommitted:
		return &readCommitted{snapshotReads{e: e}}
	case PrefixConsistent:
		return &prefixConsistent{snapshotReads: snapshotReads{e: e}, lastOwn: map[int]int32{}}
	case LostUpdate:
		return &snapshotReads{e: e}
	case LostAppends:
		return &lostAppends{atomic{e: e, side: 1}}
	case StaleReads:
		return &staleReads{atomic{e: e, side: 1}}
	}
	return &atomic{e: e} // StrictSerializable (Config.defaults refused the rest)
}

// atomic is StrictSerializable: each transaction takes effect at one point
// inside its invocation interval, reads and writes there, and commits
// unless its outcome is unknown and the coin (side, see engine.commits)
// says otherwise.
type atomic struct {
	e    *engine
	side int
}

func (a *atomic) effectAt(t *plannedTxn) int64 {
	return t.invoke + a.e.rng.Int64N(t.complete-t.invoke+1)
}

func (a *atomic) begin(_ int32, t *plannedTxn) bool { return a.e.commits(t, a.side) }

func (*atomic) readCut(seq int32, _ *plannedTxn, _ int, _ bool) int32 { return seq }

func (*atomic) lostFrom(int32, *plannedTxn) int32 { return never }

// serializable is atomic, at a point up to Lag after the invocation.
type serializable struct{ atomic }

func (s *serializable) effectAt(t *plannedTxn) int64 {
	return t.invoke + s.e.rng.Int64N(s.e.c.Lag+1)
}

// abortedReads is atomic, but reports an AbortFraction of its committed
// transactions failed.
type abortedReads struct{ atomic }

func (a *abortedReads) begin(seq int32, t *plannedTxn) bool {
	if !a.atomic.begin(seq, t) {
		return false
	}
	if a.e.rng.Float64() < a.e.c.AbortFraction && t.outcome == history.OK {
		t.outcome = history.Fail // ... but its writes stay visible
	}
	return true
}

// snapshotReads is LostUpdate, and the ground the other snapshot
// behaviours build on: a transaction takes effect at its completion, reads
// the snapshot taken at its invocation, and commits without a conflict
// check. A read of a key it wrote sees the state its writes are installed
// on, as if it held the key's write lock.
type snapshotReads struct {
	e    *engine
	snap int32 // the current transaction's snapshot
}

func (*snapshotReads) effectAt(t *plannedTxn) int64 { return t.complete }

func (s *snapshotReads) begin(_ int32, t *plannedTxn) bool {
	commits := s.e.commits(t, 0)
	s.snap = s.e.snapshotAt(t.invoke)
	return commits
}

func (s *snapshotReads) readCut(seq int32, _ *plannedTxn, _ int, wrote bool) int32 {
	if wrote {
		return seq
	}
	return s.snap
}

func (*snapshotReads) lostFrom(int32, *plannedTxn) int32 { return never }

// snapshotIsolation reads only its snapshot (and its own writes), and
// aborts a transaction that writes a key someone committed since its
// snapshot: first committer wins.
type snapshotIsolation struct{ snapshotReads }

func (s *snapshotIsolation) begin(seq int32, t *plannedTxn) bool {
	commits := s.snapshotReads.begin(seq, t)
	for _, m := range t.mops {
		if m.write {
			s.e.st.key(m.key)
			if s.e.st.last[m.key] >= s.snap {
				commits = false
				if t.outcome == history.OK {
					t.outcome = history.Fail
				}
			}
		}
	}
	return commits
}

func (s *snapshotIsolation) readCut(int32, *plannedTxn, int, bool) int32 { return s.snap }

// readCommitted reads, for micro-op j of n, the state committed at j+1
// n+1ths of the way through the transaction's interval.
type readCommitted struct{ snapshotReads }

func (r *readCommitted) readCut(seq int32, t *plannedTxn, j int, wrote bool) int32 {
	if wrote {
		return seq
	}
	return r.e.snapshotAt(t.invoke + int64(j+1)*(t.complete-t.invoke)/int64(len(t.mops)+1))
}

// prefixConsistent reads a snapshot drawn between its process's own last
// commit and its invocation.
type prefixConsistent struct {
	snapshotReads
	lastOwn map[int]int32 // per process, its last commit
}

func (p *prefixConsistent) begin(seq int32, t *plannedTxn) bool {
	commits := p.snapshotReads.begin(seq, t)
	lo := int32(0)
	if own, ok := p.lastOwn[t.process]; ok {
		lo = own + 1
	}
	if lo < p.snap {
		p.snap = lo + p.e.rng.Int32N(p.snap-lo+1)
	}
	if commits {
		p.lastOwn[t.process] = seq
	}
	return commits
}
