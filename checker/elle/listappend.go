package elle

import (
	"fmt"
	"slices"

	"github.com/faultline/faultline/checker/elle/consistency"
	"github.com/faultline/faultline/checker/elle/graph"
	"github.com/faultline/faultline/history"
)

// listAppend holds what the list-append analysis learns per key: the
// version order recovered from the longest read (every read must be a
// prefix of it) and, per write, its position in that order.
//
// An append that no read shows is not in that order, yet it is not
// unordered: the lists only grow, so it came after every element any read
// shows for its key (after the initial state when no read shows any). It
// gets a ww edge from the writer of the last element read and an rw edge
// from every transaction that read the whole order, as in Elle. This is
// how an acknowledged append that the database lost becomes a cycle: a
// later read that misses it anti-depends on it, and real time (or the
// process, or another key) closes the loop.
type listAppend struct {
	*analysis
	longest  []int32   // key -> read id of its longest read, -1
	versions [][]int32 // key -> write ids in version order (-1: nobody wrote it)
	unseen   [][]int32 // key -> writes of transactions that may have committed, that no read shows
	broken   []bool    // key -> its order is unusable (duplicates)
	// misplaced holds appends no read shows although a later append of
	// their own transaction to the key is shown: they belong before it,
	// not after every element, so the unseen rule must not place them.
	misplaced map[int32]bool
	// firstAborted is, per key, the first position of its version order
	// appended by a failed transaction, -1 if none.
	firstAborted []int32
	pos          []int32 // write -> position in its key's version order, -1
	external     []int32 // read -> length of the read without the reader's own trailing appends, -1 if unusable
}

// analyzeListAppend finds the non-cycle anomalies of a list-append history
// and adds its ww, wr and rw edges to a.b.
func analyzeListAppend(a *analysis) *listAppend {
	la := &listAppend{analysis: a}
	nk := len(a.keys.keys)
	la.longest = make([]int32, nk)
	for i := range la.longest {
		la.longest[i] = -1
	}
	for r, rd := range a.reads {
		if l := la.longest[rd.key]; l < 0 || listLen(rd.value) > listLen(a.reads[l].value) {
			la.longest[rd.key] = int32(r)
		}
	}
	la.versionOrders()
	la.ownOrder()
	la.unseenWrites()
	la.external = make([]int32, len(a.reads))
	var lost []lostCandidate
	for r := range a.reads {
		la.external[r] = la.checkRead(int32(r))
		if m := la.external[r]; m >= 0 && la.readsBeforeAppending(int32(r)) {
			lost = append(lost, lostCandidate{key: a.reads[r].key, version: m, read: int32(r)})
		}
	}
	a.lostUpdates(lost, "appended to")
	for id := range a.txns {
		la.checkInternal(int32(id))
	}
	la.writeEdges()
	return la
}

func listLen(v any) int {
	xs, _ := history.AsSlice(v)
	return len(xs)
}

// versionOrders maps each key's longest read onto writes, reporting
// elements nobody appended and elements that appear twice.
func (la *listAppend) versionOrders() {
	a := la.analysis
	la.versions = make([][]int32, len(a.keys.keys))
	la.broken = make([]bool, len(a.keys.keys))
	la.firstAborted = make([]int32, len(a.keys.keys))
	for i := range la.firstAborted {
		la.firstAborted[i] = -1
	}
	la.pos = make([]int32, len(a.writes))
	for i := range la.pos {
		la.pos[i] = -1
	}
	for k, r := range la.longest {
		if r < 0 {
			continue
		}
		rd := a.reads[r]
		xs, _ := history.AsSlice(rd.value)
		vs := make([]int32, len(xs))
		for p, x := range xs {
			w := a.vals.get(int32(k), x)
			vs[p] = w
			switch {
			case w < 0:
				a.report(consistency.GarbageRead, int32(k), []int32{rd.txn},
					func() string {
						return fmt.Sprintf("T1 read key %s = %s, but no transaction appended %s to key %s", edn(a.keyValue(int32(k))), edn(rd.value), edn(x), edn(a.keyValue(int32(k))))
					})
			case la.pos[w] >= 0:
				la.broken[k] = true
				a.report(consistency.DuplicateElements, int32(k), []int32{rd.txn},
					func() string {
						return fmt.Sprintf("T1 read key %s = %s, in which %s appears at positions %d and %d, but it was appended once", edn(a.keyValue(int32(k))), edn(rd.value), edn(x), la.pos[w], p)
					})
			default:
				la.pos[w] = int32(p)
			}
		}
		la.versions[k] = vs
		for p, w := range vs {
			if w >= 0 && a.txns[a.writes[w].txn].status == aborted {
				la.firstAborted[k] = int32(p)
				break
			}
		}
	}
}

// unseenWrites lists, per key, the appends no read shows, of transactions
// that committed or may have (a failed append never happened).
func (la *listAppend) unseenWrites() {
	a := la.analysis
	la.unseen = make([][]int32, len(a.keys.keys))
	for w, wr := range a.writes {
		if la.pos[w] < 0 && !la.broken[wr.key] && a.node(wr.txn) && !la.misplaced[int32(w)] {
			la.unseen[wr.key] = append(la.unseen[wr.key], int32(w))
		}
	}
	// Two transactions' appends no read shows are ordered by nothing.
	for k, u := range la.unseen {
		var txns []int32
		for _, w := range u {
			if t := a.writes[w].txn; !slices.Contains(txns, t) {
				txns = append(txns, t)
			}
		}
		if len(txns) > 1 {
			a.unordered = append(a.unordered, unorderedKey{key: int32(k), txns: txns})
		}
	}
}

// ownOrder reports reads that show a transaction's appends to a key out
// of the order the transaction made them, or a later one without an
// earlier one: no order of appends explains them, and the ww edge between
// the two is a self edge, so no cycle would say so. The key's other edges
// stay: what the order says between different transactions still holds (a
// G0 with another transaction is still a G0), and only an append shown
// missing before its own later one is kept out of the rule for appends no
// read shows, which would place it after everything. Only writes with a later write of their
// transaction to the same key (not final) can do this, so only they are
// looked at.
func (la *listAppend) ownOrder() {
	a := la.analysis
	la.misplaced = map[int32]bool{}
	for p := range a.writes {
		first := a.writes[p]
		k := first.key
		if first.final || la.broken[k] {
			continue
		}
		next := la.nextOwnWrite(int32(p))
		if next < 0 || la.pos[next] < 0 || la.pos[p] >= 0 && la.pos[p] < la.pos[next] {
			continue
		}
		if la.pos[p] < 0 {
			la.misplaced[int32(p)] = true
		}
		rd := a.reads[la.longest[k]]
		a.report(consistency.IncompatibleOrder, k, []int32{rd.txn, first.txn},
			func() string {
				if la.pos[p] < 0 {
					return fmt.Sprintf("T1 read key %s = %s, which has %s but not %s, which T2 appended before it", edn(a.keyValue(k)), edn(rd.value), edn(a.writes[next].value), edn(first.value))
				}
				return fmt.Sprintf("T1 read key %s = %s, which has %s before %s, but T2 appended %s first", edn(a.keyValue(k)), edn(rd.value), edn(a.writes[next].value), edn(first.value), edn(first.value))
			})
	}
}

// nextOwnWrite is the write of w's transaction to w's key that follows w,
// or -1.
func (la *listAppend) nextOwnWrite(w int32) int32 {
	a := la.analysis
	wr := a.writes[w]
	for _, m := range a.txnMops(wr.txn) {
		if m.kind == mopAppend && m.key == wr.key && a.writes[m.arg].mop > wr.mop {
			return m.arg
		}
	}
	return -1
}

// checkRead compares read r with its key's version order and returns the
// number of versions it saw from other transactions, or -1 if the read is
// unusable for dependencies (not a prefix of the order).
func (la *listAppend) checkRead(r int32) int32 {
	a := la.analysis
	rd := a.reads[r]
	xs, _ := history.AsSlice(rd.value)
	lr := a.reads[la.longest[rd.key]]
	longest, _ := history.AsSlice(lr.value)
	k := rd.key
	if !isPrefix(xs, longest) {
		a.report(consistency.IncompatibleOrder, k, []int32{rd.txn, lr.txn},
			func() string {
				return fmt.Sprintf("T1 read key %s = %s and T2 read key %s = %s: neither is a prefix of the other, so no single order of appends explains both", edn(a.keyValue(k)), edn(rd.value), edn(a.keyValue(k)), edn(lr.value))
			})
		return -1
	}
	if la.broken[k] {
		return -1
	}
	vs := la.versions[k][:len(xs)]
	// Aborted reads: the first element of the read whose appender failed.
	if fa := la.firstAborted[k]; fa >= 0 && int(fa) < len(vs) {
		w := a.writes[vs[fa]]
		a.report(consistency.G1a, k, []int32{rd.txn, w.txn},
			func() string {
				return fmt.Sprintf("T1 read key %s = %s, which includes %s, appended by T2, which failed (aborted)", edn(a.keyValue(k)), edn(rd.value), edn(w.value))
			})
	}
	m := len(vs)
	for m > 0 && vs[m-1] >= 0 && a.writes[vs[m-1]].txn == rd.txn {
		m--
	}
	la.futureReads(r, vs)
	if m > 0 && vs[m-1] >= 0 {
		w := a.writes[vs[m-1]]
		if !w.final && a.txns[w.txn].status != aborted {
			a.report(consistency.G1b, k, []int32{rd.txn, w.txn},
				func() string {
					return fmt.Sprintf("T1 read key %s = %s, ending in %s, which T2 appended but then appended more to key %s: an intermediate state of T2", edn(a.keyValue(k)), edn(rd.value), edn(w.value), edn(a.keyValue(k)))
				})
		}
		a.edge(w.txn, rd.txn, graph.WR)
	}
	// The anti-dependency goes to the next version that happened; a read
	// of the whole order anti-depends on every append no read shows.
	for _, w := range la.versions[k][m:] {
		if w >= 0 && a.node(a.writes[w].txn) {
			a.edge(rd.txn, a.writes[w].txn, graph.RW)
			break
		}
	}
	if len(xs) == len(la.versions[k]) {
		for _, w := range la.unseen[k] {
			a.edge(rd.txn, a.writes[w].txn, graph.RW)
		}
	}
	return int32(m)
}

// futureReads reports a read that includes an append its own transaction
// makes only later.
func (la *listAppend) futureReads(r int32, vs []int32) {
	a := la.analysis
	rd := a.reads[r]
	for _, m := range a.txnMops(rd.txn) {
		if m.kind != mopAppend || m.key != rd.key {
			continue
		}
		w := a.writes[m.arg]
		if p := la.pos[m.arg]; w.mop > rd.mop && p >= 0 && int(p) < len(vs) {
			a.report(consistency.FutureRead, rd.key, []int32{rd.txn},
				func() string {
					return fmt.Sprintf("T1 read key %s = %s, which includes %s, which T1 itself appends only later", edn(a.keyValue(rd.key)), edn(rd.value), edn(w.value))
				})
			return
		}
	}
}

func isPrefix(xs, of []any) bool {
	if len(xs) > len(of) {
		return false
	}
	if len(xs) == 0 || &xs[0] == &of[0] {
		return true // same backing array: equal elements by construction
	}
	for i, x := range xs {
		if !sameValue(x, of[i]) {
			return false
		}
	}
	return true
}

// readsBeforeAppending reports whether the read's transaction reads the key
// before it first appends to it, and appends to it afterwards: the shape of
// a read-modify-write, two of which on one version lose an update.
func (la *listAppend) readsBeforeAppending(r int32) bool {
	a := la.analysis
	rd := a.reads[r]
	seen := false
	for _, m := range a.txnMops(rd.txn) {
		switch {
		case m.key != rd.key:
		case m.kind == mopAppend:
			return seen
		case m.arg == r:
			seen = true
		case !seen:
			return false // an earlier read of the key counts instead
		}
	}
	return false
}

// checkInternal checks that each read of a transaction agrees with its own
// earlier micro-ops on the key: an earlier read followed by its appends, or
// at least ending in the appends it made since.
func (la *listAppend) checkInternal(t int32) {
	a := la.analysis
	ms := a.txnMops(t)
	for j, m := range ms {
		if m.kind != mopRead || m.arg < 0 {
			continue
		}
		var appended []any
		var prior []any
		hasPrior := false
		for i := j - 1; i >= 0; i-- {
			o := ms[i]
			if o.key != m.key {
				continue
			}
			if o.kind == mopAppend {
				appended = append(appended, a.writes[o.arg].value)
				continue
			}
			prior, _ = history.AsSlice(a.reads[o.arg].value)
			hasPrior = true
			break
		}
		slices.Reverse(appended)
		if len(appended) == 0 && !hasPrior {
			continue
		}
		got, _ := history.AsSlice(a.reads[m.arg].value)
		var ok bool
		if hasPrior {
			ok = len(got) == len(prior)+len(appended) && isPrefix(prior, got) && isPrefix(appended, got[len(prior):])
		} else {
			ok = len(got) >= len(appended) && isPrefix(appended, got[len(got)-len(appended):])
		}
		if !ok {
			a.report(consistency.Internal, m.key, []int32{t},
				func() string {
					expected := fmt.Sprintf("a list ending in %s", edn(appended))
					if hasPrior {
						expected = edn(append(slices.Clone(prior), appended...))
					}
					return fmt.Sprintf("T1 read key %s = %s, but its own earlier micro-ops say it should have read %s", edn(a.keyValue(m.key)), edn(got), expected)
				})
		}
	}
}

// writeEdges adds ww edges between the appenders of consecutive versions,
// and from the last of them to every append no read shows, and reports
// dirty updates: a committed append after an aborted one.
func (la *listAppend) writeEdges() {
	a := la.analysis
	for k, vs := range la.versions {
		if la.broken[k] {
			continue
		}
		abortedAt := int32(-1)
		reported := false
		prev := int32(-1) // the last committed or indeterminate writer
		for _, w := range vs {
			if w < 0 {
				continue
			}
			t := a.writes[w].txn
			st := a.txns[t].status
			if st == aborted && abortedAt < 0 {
				abortedAt = w
			}
			if st == committed && abortedAt >= 0 && !reported {
				reported = true
				at := a.writes[abortedAt]
				a.report(consistency.DirtyUpdate, int32(k), []int32{at.txn, t},
					func() string {
						return fmt.Sprintf("T1 appended %s to key %s and failed (aborted), yet T2 committed an append of %s after it", edn(at.value), edn(a.keyValue(int32(k))), edn(a.writes[w].value))
					})
			}
			if st == aborted {
				continue // it never happened: order the writes around it
			}
			if prev >= 0 {
				a.edge(prev, t, graph.WW)
			}
			prev = t
		}
		if prev >= 0 {
			for _, w := range la.unseen[k] {
				a.edge(prev, a.writes[w].txn, graph.WW)
			}
		}
	}
}
