package elle

import (
	"fmt"
	"slices"

	"github.com/faultline/faultline/checker/elle/consistency"
	"github.com/faultline/faultline/checker/elle/graph"
)

// rwRegister holds the rw-register analysis. Registers keep no history, so
// version orders are inferred: a transaction's own writes are ordered, and
// the Options add initial-nil, writes-follow-reads, per-process and realtime
// orders. Versions are nodes of their own graph: write ids, then one
// initial-state node per key.
type rwRegister struct {
	*analysis
	vg       *graph.Graph
	broken   []bool  // key -> its versions are cyclic
	external []int32 // read -> write id read (-1: initial nil, -2: unusable)
}

const (
	readInitial  int32 = -1
	readUnusable int32 = -2
)

func analyzeRWRegister(a *analysis) *rwRegister {
	rr := &rwRegister{analysis: a}
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

// initNode is the version node of key k's initial nil.
func (rr *rwRegister) initNode(k int32) int32 { return int32(len(rr.writes)) + k }

// resolveRead finds the write a read observed, reporting reads of aborted
// or intermediate writes and of values nobody wrote. Reads that follow the
// transaction's own write of the key are internal, not dependencies.
func (rr *rwRegister) resolveRead(r int32) int32 {
	a := rr.analysis
	rd := a.reads[r]
	for _, m := range a.txnMops(rd.txn) {
		if m.key == rd.key && m.kind == mopWrite && a.writes[m.arg].mop < rd.mop {
			return readUnusable
		}
	}
	if rd.value == nil {
		return readInitial
	}
	w := a.vals.get(rd.key, rd.value)
	k := rd.key
	switch {
	case w < 0:
		a.report(consistency.GarbageRead, k, []int32{rd.txn},
			func() string {
				return fmt.Sprintf("T1 read key %s = %s, but no transaction wrote %s to key %s", edn(a.keyValue(k)), edn(rd.value), edn(rd.value), edn(a.keyValue(k)))
			})
		return readUnusable
	case a.writes[w].txn == rd.txn:
		a.report(consistency.FutureRead, k, []int32{rd.txn},
			func() string {
				return fmt.Sprintf("T1 read key %s = %s, which T1 itself writes only later", edn(a.keyValue(k)), edn(rd.value))
			})
		return readUnusable
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

// observation is a version a committed transaction saw or wrote.
type observation struct {
	key     int32
	version int32 // version node
	txn     int32
}

// versionGraph infers the version order of every key and reports keys
// whose inferred order is cyclic.
func (rr *rwRegister) versionGraph() {
	a := rr.analysis
	nk := int32(len(a.keys.keys))
	b := graph.NewBuilder(len(a.writes)+int(nk), len(a.writes))
	var obs []observation // in transaction (invocation) order
	var last [][2]int32
	for id := range a.txns {
		t := int32(id)
		if a.txns[t].status != committed {
			continue
		}
		last = last[:0] // (key, version) this transaction last saw or wrote
		for _, m := range a.txnMops(t) {
			var v int32
			if m.kind == mopWrite {
				v = m.arg
			} else {
				switch e := rr.external[m.arg]; e {
				case readUnusable:
					continue
				case readInitial:
					v = rr.initNode(m.key)
				default:
					v = e
				}
			}
			i := -1
			for j := range last {
				if last[j][0] == m.key {
					i = j
				}
			}
			if i >= 0 && m.kind == mopWrite {
				if prev := last[i][1]; a.opts.WritesFollowReads || prev < int32(len(a.writes)) && a.writes[prev].txn == t {
					b.Add(prev, v, graph.WW)
				}
			}
			if i < 0 {
				last = append(last, [2]int32{m.key, v})
			} else {
				last[i][1] = v
			}
			obs = append(obs, observation{key: m.key, version: v, txn: t})
		}
	}
	if a.opts.SequentialKeys {
		lastBy := map[[2]int]int32{} // (process, key) -> version
		for _, o := range obs {
			pk := [2]int{a.txns[o.txn].process, int(o.key)}
			if prev, ok := lastBy[pk]; ok {
				b.Add(prev, o.version, graph.WW)
			}
			lastBy[pk] = o.version
		}
	}
	if a.opts.LinearizableKeys {
		rr.realtimeVersions(b, obs)
	}
	if a.opts.InitialNil {
		// The initial state precedes every write; edges to the writes with
		// no other known predecessor say as much with fewer edges.
		g0 := b.Build()
		hasPred := make([]bool, g0.N())
		for v := int32(0); v < int32(g0.N()); v++ {
			to, _ := g0.Out(v)
			for _, w := range to {
				hasPred[w] = true
			}
		}
		for w := range a.writes {
			if !hasPred[w] && a.txns[a.writes[w].txn].status != aborted {
				b.Add(rr.initNode(a.writes[w].key), int32(w), graph.WW)
			}
		}
	}
	rr.vg = b.Build()
	rr.broken = make([]bool, nk)
	for _, comp := range graph.NewScratch(rr.vg).Components(graph.WW) {
		k := rr.versionKey(comp[0])
		rr.broken[k] = true
		var vals []any
		for _, v := range comp {
			if v < int32(len(a.writes)) {
				vals = append(vals, a.writes[v].value)
			} else {
				vals = append(vals, nil)
			}
		}
		a.report(consistency.CyclicVersions, k, nil,
			func() string {
				return fmt.Sprintf("the inferred version order of key %s is cyclic: versions %s each precede another of them", edn(a.keyValue(k)), edn(vals))
			})
	}
}

func (rr *rwRegister) versionKey(v int32) int32 {
	if v < int32(len(rr.writes)) {
		return rr.writes[v].key
	}
	return v - int32(len(rr.writes))
}

// realtimeVersions orders, per key, the version of each observation after
// that of the latest observation completed before its transaction began.
// That is a sound subset of what linearizable keys imply.
func (rr *rwRegister) realtimeVersions(b *graph.Builder, obs []observation) {
	a := rr.analysis
	byKey := map[int32][]observation{}
	for _, o := range obs {
		byKey[o.key] = append(byKey[o.key], o)
	}
	for _, os := range byKey {
		done := slices.Clone(os)
		slices.SortFunc(done, func(x, y observation) int { return int(a.txns[x.txn].complete - a.txns[y.txn].complete) })
		slices.SortStableFunc(os, func(x, y observation) int { return int(a.txns[x.txn].invoke - a.txns[y.txn].invoke) })
		j := 0
		latest := int32(-1)
		for _, o := range os {
			for j < len(done) && a.txns[done[j].txn].complete < a.txns[o.txn].invoke {
				latest = done[j].version
				j++
			}
			if latest >= 0 && latest != o.version {
				b.Add(latest, o.version, graph.WW)
			}
		}
	}
}

// dependencies adds ww, wr and rw edges and reports lost updates.
func (rr *rwRegister) dependencies() {
	a := rr.analysis
	nw := int32(len(a.writes))
	for w := int32(0); w < nw; w++ {
		if rr.broken[a.writes[w].key] {
			continue
		}
		to, _ := rr.vg.Out(w)
		for _, v := range to {
			if v < nw {
				a.edge(a.writes[w].txn, a.writes[v].txn, graph.WW)
			}
		}
	}
	var lost []lostCandidate
	for r, rd := range a.reads {
		e := rr.external[r]
		if e == readUnusable || rr.broken[rd.key] {
			continue
		}
		v := rr.initNode(rd.key)
		if e >= 0 {
			v = e
			a.edge(a.writes[e].txn, rd.txn, graph.WR)
		}
		to, _ := rr.vg.Out(v)
		for _, n := range to {
			if n < nw {
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
	nw := int32(len(a.writes))
	switch rel {
	case graph.WW:
		for _, m := range a.txnMops(from) {
			if m.kind != mopWrite {
				continue
			}
			succ, _ := rr.vg.Out(m.arg)
			for _, v := range succ {
				if v < nw && a.writes[v].txn == to {
					return fmt.Sprintf("%s wrote key %s = %s, and %s's write of %s follows it in the version order", f, edn(a.keyValue(m.key)), edn(a.writes[m.arg].value), t, edn(a.writes[v].value))
				}
			}
		}
	case graph.WR:
		for _, m := range a.txnMops(to) {
			if m.kind == mopRead && m.arg >= 0 {
				if e := rr.external[m.arg]; e >= 0 && a.writes[e].txn == from {
					return fmt.Sprintf("%s read key %s = %s, which %s wrote", t, edn(a.keyValue(m.key)), edn(a.writes[e].value), f)
				}
			}
		}
	case graph.RW:
		for _, m := range a.txnMops(from) {
			if m.kind != mopRead || m.arg < 0 || rr.external[m.arg] == readUnusable {
				continue
			}
			v := rr.initNode(m.key)
			if e := rr.external[m.arg]; e >= 0 {
				v = e
			}
			succ, _ := rr.vg.Out(v)
			for _, n := range succ {
				if n < nw && a.writes[n].txn == to {
					return fmt.Sprintf("%s read key %s = %s, and %s wrote %s, which follows it in the version order", f, edn(a.keyValue(m.key)), edn(a.reads[m.arg].value), t, edn(a.writes[n].value))
				}
			}
		}
	}
	return fmt.Sprintf("%s %s %s", f, rel, t)
}
