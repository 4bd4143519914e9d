package elle

import (
	"fmt"
	"slices"

	"github.com/faultline/faultline/checker/elle/consistency"
	"github.com/faultline/faultline/checker/elle/graph"
)

// rwRegister holds the rw-register analysis. Registers keep no history, so a
// key's version order has to be inferred. What follows is Elle's inference
// (jepsen-io/elle, elle.rw-register) as Faultline reads it, then where
// Faultline departs from it.
//
// Elle's terms. A transaction's external read of key k is its first
// micro-op on k when that is a read (ok transactions only: what an info
// transaction read is unknown); its later reads of k are internal. Its
// external write of k is its last write of k (ok and info transactions);
// earlier writes of k are intermediate. Elle's version graph of a key has
// values as nodes, nil being the initial state, and edges from these sources:
//
//   - initial state, always on: nil precedes every value an ok or info
//     transaction externally wrote, and every non-nil value an ok
//     transaction externally read, whether or not anybody wrote it. A value
//     nobody wrote is so a version after nil, ordered against nothing else.
//   - :wfr-keys? (off by default): an ok transaction's non-nil external read
//     of k precedes its external write of k.
//   - :sequential-keys? (off by default): of two consecutive ok transactions
//     of one process that touch k (those that do not are skipped), the
//     first one's last value of k (its external write, else its external
//     read) precedes the second one's first value of k (its external read,
//     else its external write; a read of nil followed by a write of k counts
//     as the write).
//   - :linearizable-keys? (off by default): the same along real time, from
//     each ok transaction to the nearest transactions touching k that were
//     invoked after it completed, an info one by its external write.
//   - a source that would make some key's version graph cyclic is left out
//     altogether (for every key), and the cycle reported as cyclic-versions.
//
// Each direct edge v1 -> v2 of a version graph (not its closure) gives ww
// edges from the ok transactions that externally wrote v1 to those that
// externally wrote v2, and rw edges from the ok transactions that
// externally read v1 to those that externally wrote v2. A wr edge runs from
// the ok transaction that externally wrote v to each ok transaction that
// externally read v; a value no ok transaction externally wrote gives none.
// Besides cycles Elle reports G1a (a read of a failed transaction's write),
// G1b (a read of another transaction's intermediate write), internal (a read
// that differs from the transaction's own earlier non-nil write or read of
// the key) and lost-update (two ok transactions whose external reads of k
// saw the same value, nil and unwritten values included, and which then
// wrote k). It has no garbage-read for registers.
//
// Faultline makes the same inferences and derives the same edges, with these
// differences; each added edge holds in every history the options describe.
//
//  1. The initial state is Options.InitialNil (faultline check turns it on
//     by default, as Elle always assumes it).
//  2. Versions are writes, one initial node per key, and one node per key
//     and value read but never written. A read of such a value observes that
//     version in every mode and takes part in exactly the edges Elle gives
//     it: nil -> value gives none (nobody wrote the value), the inferences
//     starting from it give rw edges from its readers, and two transactions
//     that read it and then wrote the key are a lost update.
//     Options.GarbageReads also reports each such read as garbage-read.
//  3. Every read of an ok transaction not preceded by its own write of the
//     key observes a version, a second read of the key included (Elle takes
//     only the first): it gets the wr edge from the writer, rw edges to the
//     writers of the versions after it, and counts for lost updates. The
//     transaction did observe that version; internal is reported too when
//     it differs from the first read.
//  4. Writes of info transactions are versions like any other (Elle: ok
//     writers only). An info transaction has edges out only when someone
//     read what it wrote, so only one that took effect can be in a cycle.
//  5. A transaction's successive writes of a key are ordered (its own
//     program order), so a G1b reader of its intermediate write also gets
//     the rw edge back to it: a G-single-item cycle beside G1b, which every
//     model forbidding that cycle forbids anyway.
//  6. WritesFollowReads also orders a read of nil before the write (Elle
//     has that edge from the initial state).
//  7. LinearizableKeys relates a transaction only to those touching the key
//     with no transaction touching it in between in real time. Elle may
//     also relate farther pairs, depending on how its reduced real-time
//     graph routes around such transactions; Faultline's pairs are a subset.
//  8. An inference that would make a key's version order cyclic is dropped
//     for that key only, and reported as cyclic-versions naming it.
//  9. internal also catches a read that differs from an earlier read of
//     nil (Elle's state forgets a nil read), and a read of a value the
//     transaction itself writes only later is future-read and observes
//     nothing.
type rwRegister struct {
	*analysis
	vg       *graph.Graph
	external []int32 // read -> version node it observed, or unobserved

	// Versions read but never written, in order of first reading: node
	// phantomBase()+i is phantoms[i]; phantomIDs finds them by key and value.
	phantoms   []phantom
	phantomIDs valueIndex

	// touches lists what each transaction did to each key it touched:
	// touches[touchAt[t]:touchAt[t+1]] for transaction t.
	touches []touch
	touchAt []int32
}

// unobserved marks a read that is no dependency: it follows the
// transaction's own write of the key, or it read that transaction's own
// later write.
const unobserved int32 = -1

// phantom is a version of a key that some transaction read but none wrote.
type phantom struct {
	key   int32
	value any
}

// touch is what one transaction did to one key: the version of its first
// micro-op on the key if that was a read (Elle's external read), and its
// last write of the key (Elle's external write); -1 where there is none.
type touch struct {
	key   int32
	read  int32
	write int32
}

func analyzeRWRegister(a *analysis) *rwRegister {
	rr := &rwRegister{analysis: a, phantomIDs: valueIndex{ints: map[intPair]int32{}, other: map[string]int32{}}}
	rr.external = make([]int32, len(a.reads))
	for r := range a.reads {
		rr.external[r] = rr.resolveRead(int32(r))
	}
	rr.versionGraph()
	rr.dependencies()
	for id := range a.txns {
		rr.checkInternal(int32(id))
	}
	return rr
}

// Version nodes: write ids, then one initial-state node per key, then the
// phantoms.
func (rr *rwRegister) initNode(k int32) int32    { return int32(len(rr.writes)) + k }
func (rr *rwRegister) phantomBase() int32        { return int32(len(rr.writes) + len(rr.keys.keys)) }
func (rr *rwRegister) isWrite(v int32) bool      { return v < int32(len(rr.writes)) }
func (rr *rwRegister) isInitial(v int32) bool    { return !rr.isWrite(v) && v < rr.phantomBase() }
func (rr *rwRegister) versionCount() int         { return int(rr.phantomBase()) + len(rr.phantoms) }
func (rr *rwRegister) phantomOf(v int32) phantom { return rr.phantoms[v-rr.phantomBase()] }

func (rr *rwRegister) versionKey(v int32) int32 {
	switch {
	case rr.isWrite(v):
		return rr.writes[v].key
	case rr.isInitial(v):
		return v - int32(len(rr.writes))
	}
	return rr.phantomOf(v).key
}

func (rr *rwRegister) versionValue(v int32) any {
	switch {
	case rr.isWrite(v):
		return rr.writes[v].value
	case rr.isInitial(v):
		return nil
	}
	return rr.phantomOf(v).value
}

// phantom returns the version node of value v of key k, which nobody wrote,
// making one on the first read of it.
func (rr *rwRegister) phantom(k int32, v any) int32 {
	id := int32(len(rr.phantoms))
	if prev := rr.phantomIDs.put(k, v, id); prev >= 0 {
		id = prev
	} else {
		rr.phantoms = append(rr.phantoms, phantom{key: k, value: v})
	}
	return rr.phantomBase() + id
}

// resolveRead finds the version a read observed, reporting reads of aborted
// or intermediate writes, reads of a transaction's own later write, and
// (with GarbageReads) reads of values nobody wrote. Reads that follow the
// transaction's own write of the key are internal, not dependencies.
func (rr *rwRegister) resolveRead(r int32) int32 {
	a := rr.analysis
	rd := a.reads[r]
	k := rd.key
	if rd.value != nil && a.opts.GarbageReads && a.vals.get(k, rd.value) < 0 {
		a.report(consistency.GarbageRead, k, []int32{rd.txn},
			func() string {
				return fmt.Sprintf("T1 read key %s = %s, but no transaction wrote %s to key %s", edn(a.keyValue(k)), edn(rd.value), edn(rd.value), edn(a.keyValue(k)))
			})
	}
	for _, m := range a.txnMops(rd.txn) {
		if m.key == k && m.kind == mopWrite && a.writes[m.arg].mop < rd.mop {
			return unobserved
		}
	}
	if rd.value == nil {
		return rr.initNode(k)
	}
	w := a.vals.get(k, rd.value)
	switch {
	case w < 0:
		return rr.phantom(k, rd.value)
	case a.writes[w].txn == rd.txn:
		a.report(consistency.FutureRead, k, []int32{rd.txn},
			func() string {
				return fmt.Sprintf("T1 read key %s = %s, which T1 itself writes only later", edn(a.keyValue(k)), edn(rd.value))
			})
		return unobserved
	case a.txns[a.writes[w].txn].status == aborted:
		a.report(consistency.G1a, k, []int32{rd.txn, a.writes[w].txn},
			func() string {
				return fmt.Sprintf("T1 read key %s = %s, which T2 wrote, but T2 failed (aborted)", edn(a.keyValue(k)), edn(rd.value))
			})
	case !a.writes[w].final:
		a.report(consistency.G1b, k, []int32{rd.txn, a.writes[w].txn},
			func() string {
				return fmt.Sprintf("T1 read key %s = %s, which T2 wrote but then overwrote within the same transaction: an intermediate state", edn(a.keyValue(k)), edn(rd.value))
			})
	}
	return w
}

// versionEdge is one inferred version order fact: from precedes to.
type versionEdge struct{ from, to int32 }

// versionGraph infers the version order of every key. The facts that need
// no assumption beyond the options' (a transaction's own successive writes,
// the initial state) come first; each further inference is added only for
// the keys whose order it keeps acyclic, and reported as cyclic-versions
// for the others.
func (rr *rwRegister) versionGraph() {
	a := rr.analysis
	base := rr.collectTouches()
	if a.opts.InitialNil {
		for w := range a.writes {
			if a.txns[a.writes[w].txn].status != aborted {
				base = append(base, versionEdge{rr.initNode(a.writes[w].key), int32(w)})
			}
		}
		for i, p := range rr.phantoms {
			base = append(base, versionEdge{rr.initNode(p.key), rr.phantomBase() + int32(i)})
		}
	}
	type inference struct {
		name  string
		edges []versionEdge
	}
	var infs []inference
	all := base
	for _, inf := range []struct {
		name  string
		on    bool
		edges func() []versionEdge
	}{
		{"writes-follow-reads", a.opts.WritesFollowReads, rr.writesFollowReads},
		{"sequential-keys", a.opts.SequentialKeys, rr.sequentialVersions},
		{"linearizable-keys", a.opts.LinearizableKeys, rr.realtimeVersions},
	} {
		if inf.on {
			es := inf.edges()
			infs = append(infs, inference{inf.name, es})
			all = append(all[:len(all):len(all)], es...)
		}
	}
	rr.vg = rr.buildVersions(all)
	if len(infs) == 0 || len(graph.NewScratch(rr.vg).Components(graph.WW)) == 0 {
		return
	}
	// Some inference makes a version order cyclic: add them one at a time,
	// each only for the keys whose order it keeps acyclic.
	for _, inf := range infs {
		n := len(base)
		base = append(base[:n:n], inf.edges...)
		rr.vg = rr.buildVersions(base)
		if cyclic := rr.cyclicKeys(rr.vg, inf.name); len(cyclic) > 0 {
			base = append(base[:n], slices.DeleteFunc(slices.Clone(inf.edges), func(e versionEdge) bool { return cyclic[rr.versionKey(e.from)] })...)
			rr.vg = rr.buildVersions(base)
		}
	}
}

func (rr *rwRegister) buildVersions(es []versionEdge) *graph.Graph {
	b := graph.NewBuilder(rr.versionCount(), len(es))
	for _, e := range es {
		b.Add(e.from, e.to, graph.WW)
	}
	return b.Build()
}

// cyclicKeys reports every cycle of version graph g, found once inference
// was added, and returns the keys they are on.
func (rr *rwRegister) cyclicKeys(g *graph.Graph, inference string) map[int32]bool {
	a := rr.analysis
	cyclic := map[int32]bool{}
	for _, comp := range graph.NewScratch(g).Components(graph.WW) {
		k := rr.versionKey(comp[0])
		cyclic[k] = true
		vals := make([]any, len(comp))
		for i, v := range comp {
			vals[i] = rr.versionValue(v)
		}
		a.report(consistency.CyclicVersions, k, nil,
			func() string {
				return fmt.Sprintf("the inferred version order of key %s is cyclic once %s is assumed: versions %s each precede another of them (that inference is left out for this key)", edn(a.keyValue(k)), inference, edn(vals))
			})
	}
	return cyclic
}

// collectTouches fills touches and returns the order of each transaction's
// successive writes of a key. Failed transactions touch nothing; info ones
// only by their writes.
func (rr *rwRegister) collectTouches() []versionEdge {
	a := rr.analysis
	var own []versionEdge
	rr.touchAt = make([]int32, len(a.txns)+1)
	rr.touches = make([]touch, 0, len(a.mops))
	for id := range a.txns {
		t := int32(id)
		from := len(rr.touches)
		rr.touchAt[t] = int32(from)
		if a.txns[t].status == aborted {
			continue
		}
		for _, m := range a.txnMops(t) {
			i := from
			for i < len(rr.touches) && rr.touches[i].key != m.key {
				i++
			}
			if i == len(rr.touches) {
				rr.touches = append(rr.touches, touch{key: m.key, read: -1, write: -1})
				if m.kind == mopRead && m.arg >= 0 {
					rr.touches[i].read = rr.external[m.arg]
				}
			}
			if m.kind == mopWrite {
				if prev := rr.touches[i].write; prev >= 0 {
					own = append(own, versionEdge{prev, m.arg})
				}
				rr.touches[i].write = m.arg
			}
		}
		// An info transaction's reads, whose results are unknown, touch
		// nothing.
		kept := slices.DeleteFunc(rr.touches[from:], func(x touch) bool { return x.read < 0 && x.write < 0 })
		rr.touches = rr.touches[:from+len(kept)]
	}
	rr.touchAt[len(a.txns)] = int32(len(rr.touches))
	return own
}

// txnTouches returns what transaction t did to each key it touched.
func (rr *rwRegister) txnTouches(t int32) []touch {
	return rr.touches[rr.touchAt[t]:rr.touchAt[t+1]]
}

// last is the last version of the key the transaction saw or wrote.
func (x touch) last() int32 {
	if x.write >= 0 {
		return x.write
	}
	return x.read
}

// first is the first version of the key the transaction saw or wrote; as
// in Elle, a read of nil followed by a write counts as the write.
func (rr *rwRegister) first(x touch) int32 {
	if x.read >= 0 && (x.write < 0 || !rr.isInitial(x.read)) {
		return x.read
	}
	return x.write
}

// writesFollowReads orders each committed transaction's first read of a key
// before its last write of it.
func (rr *rwRegister) writesFollowReads() []versionEdge {
	var es []versionEdge
	for t := range rr.txns {
		if rr.txns[t].status != committed {
			continue
		}
		for _, x := range rr.txnTouches(int32(t)) {
			if x.read >= 0 && x.write >= 0 {
				es = append(es, versionEdge{x.read, x.write})
			}
		}
	}
	return es
}

// sequentialVersions orders, per process and key, the last version a
// committed transaction touched before the first one the process's next
// committed transaction touching that key touched. A process's
// transactions follow each other in the order they completed, as in the
// process order of the graph (and Elle's).
func (rr *rwRegister) sequentialVersions() []versionEdge {
	byCompletion := make([]int32, rr.h.Len())
	for t := range rr.txns {
		if rr.txns[t].status == committed {
			byCompletion[rr.txns[t].complete] = int32(t) + 1
		}
	}
	var es []versionEdge
	lastBy := map[[2]int]int32{} // (process, key) -> version
	for _, t := range byCompletion {
		if t == 0 {
			continue
		}
		for _, x := range rr.txnTouches(t - 1) {
			pk := [2]int{rr.txns[t-1].process, int(x.key)}
			if prev, ok := lastBy[pk]; ok {
				es = append(es, versionEdge{prev, rr.first(x)})
			}
			lastBy[pk] = x.last()
		}
	}
	return es
}

// realtimeVersions orders, per key, the last version touched by each
// committed transaction T before the first version touched by each
// transaction U invoked after T completed, when no committed transaction
// touching the key lies between them in real time (U is committed, or an
// info transaction that wrote the key, by its write). Those T are the ones
// completed before U's invocation but after the invocation of every other
// such transaction: at most as many as run at once.
func (rr *rwRegister) realtimeVersions() []versionEdge {
	a := rr.analysis
	type at struct{ txn, touch int32 }
	// Touches grouped by key, each group in invocation order.
	start := make([]int32, len(a.keys.keys)+1)
	for _, x := range rr.touches {
		start[x.key+1]++
	}
	for k := range a.keys.keys {
		start[k+1] += start[k]
	}
	byKey := make([]at, len(rr.touches))
	fill := slices.Clone(start)
	for t := range a.txns {
		for i := rr.touchAt[t]; i < rr.touchAt[t+1]; i++ {
			k := rr.touches[i].key
			byKey[fill[k]] = at{int32(t), i}
			fill[k]++
		}
	}
	var es []versionEdge
	var done []at
	for k := range a.keys.keys {
		us := byKey[start[k]:start[k+1]]
		done = done[:0]
		for _, u := range us {
			if a.txns[u.txn].status == committed {
				done = append(done, u)
			}
		}
		slices.SortFunc(done, func(x, y at) int { return int(a.txns[x.txn].complete - a.txns[y.txn].complete) })
		lo, hi := 0, 0
		latestInvoke := int32(-1)
		for _, u := range us {
			inv := a.txns[u.txn].invoke
			for hi < len(done) && a.txns[done[hi].txn].complete < inv {
				latestInvoke = max(latestInvoke, a.txns[done[hi].txn].invoke)
				hi++
			}
			for lo < hi && a.txns[done[lo].txn].complete < latestInvoke {
				lo++
			}
			to := rr.first(rr.touches[u.touch])
			if a.txns[u.txn].status != committed {
				to = rr.touches[u.touch].write
			}
			mine := len(es)
			for _, t := range done[lo:hi] {
				e := versionEdge{rr.touches[t.touch].last(), to}
				if e.from != to && !slices.Contains(es[mine:], e) {
					es = append(es, e)
				}
			}
		}
	}
	return es
}

// dependencies adds ww, wr and rw edges and reports lost updates.
func (rr *rwRegister) dependencies() {
	a := rr.analysis
	for w := range a.writes {
		to, _ := rr.vg.Out(int32(w))
		for _, v := range to {
			if rr.isWrite(v) {
				a.edge(a.writes[w].txn, a.writes[v].txn, graph.WW)
			}
		}
	}
	var lost []lostCandidate
	for r, rd := range a.reads {
		v := rr.external[r]
		if v == unobserved {
			continue
		}
		if rr.isWrite(v) {
			a.edge(a.writes[v].txn, rd.txn, graph.WR)
		}
		to, _ := rr.vg.Out(v)
		for _, n := range to {
			if rr.isWrite(n) {
				a.edge(rd.txn, a.writes[n].txn, graph.RW)
			}
		}
		for _, m := range a.txnMops(rd.txn) {
			if m.kind == mopWrite && m.key == rd.key && a.writes[m.arg].mop > rd.mop {
				lost = append(lost, lostCandidate{key: rd.key, version: v, read: int32(r)})
				break
			}
		}
	}
	a.lostUpdates(lost, "wrote")
}

// checkInternal checks that a read agrees with the transaction's own
// earlier write, or earlier read, of the key.
func (rr *rwRegister) checkInternal(t int32) {
	a := rr.analysis
	ms := a.txnMops(t)
	for j, m := range ms {
		if m.kind != mopRead || m.arg < 0 {
			continue
		}
		for i := j - 1; i >= 0; i-- {
			o := ms[i]
			if o.key != m.key {
				continue
			}
			var want any
			f := "r"
			if o.kind == mopWrite {
				want, f = a.writes[o.arg].value, "w"
			} else if o.arg >= 0 {
				want = a.reads[o.arg].value
			}
			if got := a.reads[m.arg].value; !sameValue(got, want) {
				earlier := fmt.Sprintf("[:%s %s %s]", f, edn(a.keyValue(m.key)), edn(want))
				a.report(consistency.Internal, m.key, []int32{t},
					func() string {
						return fmt.Sprintf("T1 read key %s = %s, but its own earlier micro-op %s says it should have read %s", edn(a.keyValue(m.key)), edn(got), earlier, edn(want))
					})
			}
			break
		}
	}
}

// explain finds the key and values behind an rw-register dependency.
func (rr *rwRegister) explain(from, to int32, rel graph.Rel, f, t string) string {
	a := rr.analysis
	switch rel {
	case graph.WW:
		for _, m := range a.txnMops(from) {
			if m.kind != mopWrite {
				continue
			}
			succ, _ := rr.vg.Out(m.arg)
			for _, v := range succ {
				if rr.isWrite(v) && a.writes[v].txn == to {
					return fmt.Sprintf("%s wrote key %s = %s, and %s's write of %s follows it in the version order", f, edn(a.keyValue(m.key)), edn(a.writes[m.arg].value), t, edn(a.writes[v].value))
				}
			}
		}
	case graph.WR:
		for _, m := range a.txnMops(to) {
			if m.kind == mopRead && m.arg >= 0 {
				if e := rr.external[m.arg]; e != unobserved && rr.isWrite(e) && a.writes[e].txn == from {
					return fmt.Sprintf("%s read key %s = %s, which %s wrote", t, edn(a.keyValue(m.key)), edn(a.writes[e].value), f)
				}
			}
		}
	case graph.RW:
		for _, m := range a.txnMops(from) {
			if m.kind != mopRead || m.arg < 0 || rr.external[m.arg] == unobserved {
				continue
			}
			succ, _ := rr.vg.Out(rr.external[m.arg])
			for _, n := range succ {
				if rr.isWrite(n) && a.writes[n].txn == to {
					return fmt.Sprintf("%s read key %s = %s, and %s wrote %s, which follows it in the version order", f, edn(a.keyValue(m.key)), edn(a.reads[m.arg].value), t, edn(a.writes[n].value))
				}
			}
		}
	}
	return fmt.Sprintf("%s %s %s", f, rel, t)
}
