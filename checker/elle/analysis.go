package elle

import (
	"fmt"
	"slices"

	"github.com/faultline/faultline/checker/elle/consistency"

	"github.com/faultline/faultline/checker/elle/graph"
	"github.com/faultline/faultline/history"
)

// analysis is the state shared by a workload's analyzer, the cycle search
// and the explanations: the transactions of one history, interned, and the
// graph being built over them.
type analysis struct {
	h      *history.History
	txns   []txn
	mops   []mop
	keys   keyIndex
	vals   valueIndex
	writes []write
	reads  []read
	found  []Anomaly      // non-cycle anomalies, at most MaxPerType of each type
	counts map[string]int // non-cycle anomalies found per type, listed or not
	b      *graph.Builder
	opts   *Options
	// committed counts transactions that completed ok.
	committed int
	// unordered lists keys whose writes by several transactions nothing
	// in the history orders (list-append: appends no read shows).
	unordered []unorderedKey
}

// workloadSpec says which micro-op functions a workload accepts.
type workloadSpec struct {
	name      string
	writeF    string // "append" or "w"
	writeKind uint8
	listReads bool // reads return lists
}

var listAppendSpec = workloadSpec{name: "list-append", writeF: "append", writeKind: mopAppend, listReads: true}
var rwRegisterSpec = workloadSpec{name: "rw-register", writeF: "w", writeKind: mopWrite}

// parse reads the :txn operations of h into an analysis. It fails on the
// first malformed transaction, saying where and what was expected.
func parse(h *history.History, wl workloadSpec, opts *Options) (*analysis, error) {
	// Size everything up front: a million transactions should not pay for
	// repeated slice growth.
	n, nm := 0, 0
	for _, op := range h.All() {
		if op.Type == history.Invoke && isTxn(&op) {
			xs, _ := history.AsSlice(op.Value)
			n, nm = n+1, nm+len(xs)
		}
	}
	a := &analysis{
		h:      h,
		txns:   make([]txn, 0, n),
		mops:   make([]mop, 0, nm),
		writes: make([]write, 0, nm/2+16),
		reads:  make([]read, 0, nm/2+16),
		keys:   keyIndex{other: map[string]int32{}},
		vals:   valueIndex{ints: map[intPair]int32{}, other: map[string]int32{}},
		opts:   opts,
	}
	for pos, op := range h.All() {
		if op.Type != history.Invoke || !isTxn(&op) {
			continue
		}
		t := txn{invoke: int32(pos), complete: -1, process: op.Process, status: unknown}
		src := pos
		value := op.Value
		if c := h.Completion(pos); c >= 0 {
			t.complete = int32(c)
			switch done := h.At(c); done.Type {
			case history.OK:
				t.status = committed
				src, value = c, done.Value
				a.committed++
			case history.Fail:
				t.status = aborted
			}
		}
		id := int32(len(a.txns))
		t.mopsFrom = int32(len(a.mops))
		if err := a.parseTxn(id, &t, value, wl); err != nil {
			at := h.At(src)
			err.Pos, err.Index, err.Process = src, at.Index, at.Process
			return nil, err
		}
		t.mopsTo = int32(len(a.mops))
		a.txns = append(a.txns, t)
		a.markFinalWrites(t)
	}
	return a, nil
}

// isTxn reports whether a client op is a transaction: its f is :txn, or it
// has no f at all, as in Elle's own examples and elle-cli's histories,
// where a transaction is known by its value.
func isTxn(op *history.Op) bool {
	return (op.F == "txn" || op.F == "") && !op.IsNemesis()
}

func (a *analysis) parseTxn(id int32, t *txn, value any, wl workloadSpec) *InputError {
	xs, ok := history.AsSlice(value)
	if !ok {
		return &InputError{Mop: -1, Problem: fmt.Sprintf("expected a transaction, a vector of micro-ops such as [[:%s 1 2] [:r 1 ...]], found %s", wl.writeF, history.FormatEDN(value))}
	}
	for j, m := range xs {
		parts, ok := history.AsSlice(m)
		if ok && len(parts) == 2 && isRead(parts[0]) {
			parts = []any{parts[0], parts[1], nil} // Elle reads [:r k] as a read of nil
		}
		if !ok || len(parts) != 3 {
			return &InputError{Mop: j, Problem: fmt.Sprintf("expected a micro-op [f key value], found %s", history.FormatEDN(m))}
		}
		f, ok := history.AsString(parts[0])
		if !ok || (f != wl.writeF && f != "r") {
			return &InputError{Mop: j, Problem: fmt.Sprintf("expected :%s or :r as the function of %s (a %s history), found %s", wl.writeF, history.FormatEDN(m), wl.name, history.FormatEDN(parts[0]))}
		}
		key := a.keys.id(parts[1])
		mi := int32(len(a.mops))
		if f == wl.writeF {
			w := int32(len(a.writes))
			if prev := a.vals.put(key, parts[2], w); prev >= 0 {
				by := "this transaction"
				if pt := a.writes[prev].txn; pt != id {
					by = fmt.Sprintf("op %d", a.h.At(int(a.txns[pt].invoke)).Index)
				}
				return &InputError{Mop: j, Problem: fmt.Sprintf("%s writes %s to key %s, which %s already wrote: %s needs every value written to a key to be unique", history.FormatEDN(m), history.FormatEDN(parts[2]), history.FormatEDN(parts[1]), by, wl.name)}
			}
			a.writes = append(a.writes, write{txn: id, key: key, mop: mi, value: parts[2]})
			a.mops = append(a.mops, mop{kind: wl.writeKind, key: key, arg: w})
			continue
		}
		if t.status != committed {
			// What a transaction that did not commit read is unknown and
			// says nothing about the database.
			a.mops = append(a.mops, mop{kind: mopRead, key: key, arg: -1})
			continue
		}
		v := parts[2]
		if wl.listReads && v != nil {
			if _, ok := history.AsSlice(v); !ok {
				return &InputError{Mop: j, Problem: fmt.Sprintf("expected the read %s to return a list such as [1 2] (or nil), found %s", history.FormatEDN(m), history.FormatEDN(v))}
			}
		}
		r := int32(len(a.reads))
		a.reads = append(a.reads, read{txn: id, key: key, mop: mi, value: v})
		a.mops = append(a.mops, mop{kind: mopRead, key: key, arg: r})
	}
	return nil
}

func isRead(f any) bool {
	s, ok := history.AsString(f)
	return ok && s == "r"
}

// markFinalWrites flags each transaction's last write to every key: reading
// any other of its writes is an intermediate read (G1b).
func (a *analysis) markFinalWrites(t txn) {
	ms := a.mops[t.mopsFrom:t.mopsTo]
	for i, m := range ms {
		if m.kind == mopRead {
			continue
		}
		final := true
		for _, later := range ms[i+1:] {
			if later.kind != mopRead && later.key == m.key {
				final = false
				break
			}
		}
		a.writes[m.arg].final = final
	}
}

// node reports whether a transaction is a node of the dependency graph: it
// committed, or might have.
func (a *analysis) node(t int32) bool { return t >= 0 && a.txns[t].status != aborted }

// edge adds a dependency edge between two transactions, ignoring aborted
// ones and self edges.
func (a *analysis) edge(from, to int32, r graph.Rel) {
	if a.node(from) && a.node(to) {
		a.b.Add(from, to, r)
	}
}

// txnMops returns the micro-ops of transaction t.
func (a *analysis) txnMops(t int32) []mop {
	x := a.txns[t]
	return a.mops[x.mopsFrom:x.mopsTo]
}

// keyValue returns the original key value of key id k.
func (a *analysis) keyValue(k int32) any { return a.keys.keys[k] }

// addOrders adds process-order and realtime-order edges. Realtime order is
// an interval order with up to n*concurrency direct edges; instead each ok
// completion gets a time-point node, the points form a chain, a transaction
// points to its completion's point, and the latest point before an
// invocation points to the invoked transaction. A path through points is
// exactly "completed before invoked", in 3n edges. Point nodes come after
// the transaction nodes; cycle search collapses them away.
func (a *analysis) addOrders(rels graph.Rel) {
	if rels&(graph.Process|graph.Realtime) == 0 {
		return
	}
	// Events in history order: invocations and ok completions of nodes.
	ofPos := make([]int32, a.h.Len())
	for i := range ofPos {
		ofPos[i] = -1
	}
	for id, t := range a.txns {
		if t.status == aborted {
			continue
		}
		ofPos[t.invoke] = int32(id)
		if t.status == committed {
			ofPos[t.complete] = int32(id)
		}
	}
	if rels&graph.Process != 0 {
		a.processOrder(ofPos)
	}
	if rels&graph.Realtime == 0 {
		return
	}
	point := int32(-1)
	for pos, id := range ofPos {
		if id < 0 {
			continue
		}
		if int32(pos) == a.txns[id].invoke {
			if point >= 0 {
				a.b.Add(point, id, graph.Realtime)
			}
			continue
		}
		p := a.b.AddNodes(1)
		a.b.Add(id, p, graph.Realtime)
		if point >= 0 {
			a.b.Add(point, p, graph.Realtime)
		}
		point = p
	}
}

// processOrder adds process-order edges: each process's committed
// transactions in the order they completed (Elle orders a process's ok ops
// the same way, which also serves histories whose ops were never invoked).
// An info transaction may take effect any time after its invocation, even
// after its process's next one: it only ever follows the last transaction
// its process completed before invoking it, never precedes.
func (a *analysis) processOrder(ofPos []int32) {
	last := map[int]int32{}
	for pos, id := range ofPos {
		if id < 0 {
			continue
		}
		// A committed transaction takes its place at its completion; the
		// others appear in ofPos only at their invocation.
		t := &a.txns[id]
		done := t.status == committed
		if done && int32(pos) != t.complete {
			continue
		}
		if prev, ok := last[t.process]; ok {
			a.b.Add(prev, id, graph.Process)
		}
		if done {
			last[t.process] = id
		}
	}
}

// lostCandidate is a committed transaction that read version `version` of
// key and then wrote the key.
type lostCandidate struct {
	key     int32
	version int32
	read    int32
}

// lostUpdates reports, per key and version, two or more committed
// transactions that read that version and then wrote the key: each
// overwrote a version the others read, so one update is lost.
func (a *analysis) lostUpdates(cs []lostCandidate, verb string) {
	slices.SortFunc(cs, func(x, y lostCandidate) int {
		if x.key != y.key {
			return int(x.key - y.key)
		}
		return int(x.version - y.version)
	})
	for i := 0; i < len(cs); {
		j := i + 1
		for j < len(cs) && cs[j].key == cs[i].key && cs[j].version == cs[i].version {
			j++
		}
		var ts []int32
		for _, c := range cs[i:j] {
			if t := a.reads[c.read].txn; !slices.Contains(ts, t) {
				ts = append(ts, t)
			}
		}
		if len(ts) > 1 {
			k := cs[i].key
			a.report(consistency.LostUpdate, k, ts,
				func() string {
					return fmt.Sprintf("%d committed transactions read key %s = %s and each %s it: each overwrote a version the others read", len(ts), edn(a.keyValue(k)), edn(a.reads[cs[i].read].value), verb)
				})
		}
		i = j
	}
}
