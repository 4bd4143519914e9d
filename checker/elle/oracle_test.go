package elle

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/elle/consistency"
	"github.com/faultline/faultline/checker/elle/internal/oracle"
	"github.com/faultline/faultline/checker/elle/txnsim"
	"github.com/faultline/faultline/history"
)

// The checker against a brute-force oracle (package oracle), on thousands
// of small histories: simulated databases of every behaviour (correct ones,
// ones that lose acknowledged writes or serve stale reads, weaker
// isolation), and random histories whose reads are plausible but mostly
// wrong, all with info and fail completions.
//
// List-append, under the serial models: the checker says invalid exactly
// when no execution explains the history. An acyclic dependency graph has
// a topological order, and in it every read sees exactly what it read: the
// version orders come from the reads, and an append no read shows follows
// every reader of its key (so a serial order never depends on how such
// appends are ordered among themselves).
//
// Under the snapshot-isolation models the checker follows Elle: a history
// is SI if its graph has no cycle without two adjacent rw edges (Cerone and
// Gotsman: that is exactly SI, given each key's version order). When some
// key has appends by two transactions that took effect and that no read
// shows, the graph cannot know their order, and SI (unlike a serial order)
// can hinge on it (oracle.History.AmbiguousVersionOrder;
// TestOracleAmbiguousVersionOrderUnderSI shows the case). Elle calls such
// histories valid; Faultline tries every order of those appends (or says
// unknown when there are too many), so here too the verdicts must match.
//
// rw-register infers its version orders, so it cannot be complete: the
// checker, given inferences that hold in every execution the model allows,
// must never call an explainable history invalid.

// historiesPerSource is how many histories each source contributes:
// FAULTLINE_ORACLE_HISTORIES overrides it for longer runs.
func historiesPerSource(t *testing.T) int {
	if s := os.Getenv("FAULTLINE_ORACLE_HISTORIES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			t.Fatalf("FAULTLINE_ORACLE_HISTORIES=%q: expected a positive number of histories per source", s)
		}
		return n
	}
	if testing.Short() {
		return 60
	}
	return 300
}

// historySource makes the i-th history of one kind.
type historySource struct {
	name string
	make func(t *testing.T, i uint64) *history.History
}

// simulated is a source of small txnsim histories of one behaviour, with a
// few processes and keys, info completions, and final reads in half of
// them.
func simulated(w txnsim.Workload, b txnsim.Behaviour) historySource {
	return historySource{string(b), func(t *testing.T, i uint64) *history.History {
		rng := rand.New(rand.NewPCG(i, nameSeed(string(b))))
		c := txnsim.Config{
			Seed:         i,
			Txns:         2 + rng.IntN(6),
			Processes:    1 + rng.IntN(4),
			ActiveKeys:   1 + rng.IntN(3),
			MaxMops:      1 + rng.IntN(3),
			Workload:     w,
			Behaviour:    b,
			Latency:      1000,
			Lag:          []int64{1, 500, 3000}[rng.IntN(3)],
			InfoFraction: 0.15,
			FinalReads:   rng.IntN(2) == 0,
			// Faults often enough that small histories show them.
			LossFraction:  0.3,
			StaleFraction: 0.3,
			AbortFraction: 0.2,
		}
		return simulate(t, c)
	}}
}

// nameSeed turns a source's name into a seed, so that each source draws
// its own configurations.
func nameSeed(s string) uint64 {
	var h uint64
	for _, c := range s {
		h = h*31 + uint64(c)
	}
	return h
}

// randomSource makes histories of 2 to 7 transactions by 1 to 3 processes
// over 1 to 3 keys, whose reads are drawn from one random order of each
// key's writes: plausible, and wrong in every way a database can be wrong,
// except that a transaction's own appends to a key keep their order unless
// reorderOwn is set (a fault of its own, TestOracleOwnAppendsReordered, so
// that a checker that misses it still has the rest checked).
func randomSource(w txnsim.Workload, reorderOwn bool) historySource {
	name := "random"
	if reorderOwn {
		name = "random-own-appends-reordered"
	}
	return historySource{name, func(t *testing.T, i uint64) *history.History {
		return randomHistory(t, rand.New(rand.NewPCG(i, 0xfa017)), w, reorderOwn)
	}}
}

func randomHistory(t *testing.T, rng *rand.Rand, w txnsim.Workload, reorderOwn bool) *history.History {
	n, procs, nkeys := 2+rng.IntN(6), 1+rng.IntN(3), 1+rng.IntN(3)
	writeF := history.Keyword("append")
	if w == txnsim.RWRegister {
		writeF = "w"
	}
	type rtx struct {
		proc   int
		status history.Type
		mops   [][3]any // f, key, value written (reads filled in below)
	}
	txs := make([]rtx, n)
	written := make([][]int64, nkeys) // key -> values written, in order written
	for i := range txs {
		txs[i].proc = rng.IntN(procs)
		txs[i].status = []history.Type{history.OK, history.OK, history.OK, history.OK, history.Info, history.Fail}[rng.IntN(6)]
		for range 1 + rng.IntN(3) {
			k := rng.IntN(nkeys)
			if rng.IntN(2) == 0 {
				v := int64(len(written[k]) + 1)
				written[k] = append(written[k], v)
				txs[i].mops = append(txs[i].mops, [3]any{writeF, int64(k), v})
			} else {
				txs[i].mops = append(txs[i].mops, [3]any{history.Keyword("r"), int64(k), nil})
			}
		}
	}
	order := make([][]any, nkeys) // key -> one random order of its values
	for k, vs := range written {
		for _, j := range rng.Perm(len(vs)) {
			order[k] = append(order[k], vs[j])
		}
	}
	if !reorderOwn {
		// Give each transaction's values back the positions its values
		// drew, in the order it appended them.
		for _, x := range txs {
			for k := range order {
				var pos []int
				var vals []any
				for _, m := range x.mops {
					if m[0] == writeF && m[1] == any(int64(k)) {
						vals = append(vals, m[2])
					}
				}
				for p, v := range order[k] {
					if slices.Contains(vals, v) {
						pos = append(pos, p)
					}
				}
				for i, p := range pos {
					order[k][p] = vals[i]
				}
			}
		}
	}
	completed := make([][]any, n)
	for i, x := range txs {
		own := map[int64][]any{}
		mine := map[any]bool{}
		for _, m := range x.mops {
			if m[0] == writeF {
				mine[m[2]] = true
			}
		}
		done := make([]any, len(x.mops))
		for j, m := range x.mops {
			k := m[1].(int64)
			if m[0] == writeF {
				own[k] = append(own[k], m[2])
				done[j] = []any{m[0], m[1], m[2]}
				continue
			}
			var others []any
			for _, v := range order[k] {
				if !mine[v] || rng.IntN(10) == 0 { // rarely a future read of its own
					others = append(others, v)
				}
			}
			l := append(slices.Clone(others[:rng.IntN(len(others)+1)]), own[k]...)
			var read any = l
			if w == txnsim.RWRegister {
				read = nil
				if len(l) > 0 {
					read = l[len(l)-1]
				}
			}
			done[j] = []any{m[0], m[1], read}
		}
		completed[i] = done
	}
	// Each process runs its transactions one after another; the processes
	// interleave at random. A process's last transaction may never complete.
	queue := make([][]int, procs)
	for i, x := range txs {
		queue[x.proc] = append(queue[x.proc], i)
	}
	var ops []history.Op
	open := make([]int, procs)
	for p := range open {
		open[p] = -1
	}
	for {
		var ready []int
		for p := range procs {
			if open[p] >= 0 || len(queue[p]) > 0 {
				ready = append(ready, p)
			}
		}
		if len(ready) == 0 {
			break
		}
		p := ready[rng.IntN(len(ready))]
		if i := open[p]; i >= 0 {
			open[p] = -1
			if len(queue[p]) == 0 && rng.IntN(8) == 0 {
				continue // never completes
			}
			op := history.Op{Type: txs[i].status, Process: p, F: "txn", Value: invocation(txs[i].mops)}
			if op.Type == history.OK {
				op.Value = completed[i]
			}
			ops = append(ops, op)
			continue
		}
		i := queue[p][0]
		queue[p] = queue[p][1:]
		open[p] = i
		ops = append(ops, history.Op{Type: history.Invoke, Process: p, F: "txn", Value: invocation(txs[i].mops)})
	}
	for i := range ops {
		ops[i].Index, ops[i].Time = i, int64(i)
	}
	h, err := history.New(ops)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// invocation is what a transaction's invocation carries: its writes, and
// reads of nil.
func invocation(mops [][3]any) []any {
	out := make([]any, len(mops))
	for j, m := range mops {
		out[j] = []any{m[0], m[1], m[2]}
	}
	return out
}

// judgement is the checker's and the oracle's verdicts on one history
// under one model.
type judgement struct {
	model  oracle.Model
	valid  checker.Validity
	report *Report
	oracle oracle.Result
	// graphBlind: some key's unread writes leave its version order open,
	// and no lost update (which Elle finds apart from the graph) shows.
	graphBlind bool
}

// property says whether a judgement breaks the agreement the test
// demands, and how.
type property func(j judgement) (broken bool, why string)

// judge runs both sides. Either one failing on a well-formed history is a
// test failure.
func judge(t *testing.T, h *history.History, w txnsim.Workload, m oracle.Model, o Options) judgement {
	t.Helper()
	o.ConsistencyModels = []string{string(m)}
	v, rep, err := analyzerFor(w)(context.Background(), h, o)
	if err != nil {
		t.Fatalf("checker: %v\n%s", err, historyEDN(h))
	}
	ow := oracle.ListAppend
	if w == txnsim.RWRegister {
		ow = oracle.RWRegister
	}
	p, err := oracle.Parse(h, ow)
	if err != nil {
		t.Fatalf("oracle: %v\n%s", err, historyEDN(h))
	}
	res, err := p.Check(m, oracle.DefaultMaxStates)
	if err != nil {
		t.Fatalf("oracle: %v\n%s", err, historyEDN(h))
	}
	return judgement{model: m, valid: v, report: rep, oracle: res, graphBlind: p.AmbiguousVersionOrder() && !p.LostUpdate()}
}

// agreesBothWays is the list-append property: the verdicts match.
func agreesBothWays(j judgement) (bool, string) {
	if graphEmpty(j) {
		return emptyGraphBreaks(j)
	}
	switch {
	case j.valid == checker.Unknown:
		return true, "the checker gave up on a history this small"
	case j.valid == checker.Invalid && j.oracle.Explainable:
		return true, "false alarm: the checker calls invalid a history this execution explains: " + j.oracle.String()
	case j.valid == checker.Valid && !j.oracle.Explainable:
		return true, "false valid: no execution explains the history"
	}
	return false, ""
}

// neverFalseAlarm is the rw-register property; it also holds the checker
// to a verdict on every history with something committed.
func neverFalseAlarm(j judgement) (bool, string) {
	if graphEmpty(j) {
		return emptyGraphBreaks(j)
	}
	if j.valid == checker.Unknown {
		return true, "the checker gave up on a history this small"
	}
	if j.valid == checker.Invalid && j.oracle.Explainable {
		return true, "false alarm: the checker calls invalid a history this execution explains: " + j.oracle.String()
	}
	return false, ""
}

// graphEmpty reports whether no transaction depends on another in the
// checker's graph (nothing committed, a single transaction, unrelated
// ones): Elle's empty-transaction-graph.
func graphEmpty(j judgement) bool {
	return slices.Contains(j.report.AnomalyTypes, consistency.EmptyTransactionGraph)
}

// emptyGraphBreaks is the property on an empty graph: unknown, as Elle
// says, unless an anomaly outside the graph makes it invalid, and then
// never a false alarm.
func emptyGraphBreaks(j judgement) (bool, string) {
	switch {
	case j.valid == checker.Valid:
		return true, "the transaction graph is empty: the verdict should be unknown"
	case j.valid == checker.Invalid && j.oracle.Explainable:
		return true, "false alarm: the checker calls invalid a history this execution explains: " + j.oracle.String()
	}
	return false, ""
}

// tally counts, per model, histories no execution explains, histories
// explained, and those no execution explains that the checker calls valid
// (which the properties allow only where the checker cannot be complete).
type tally map[oracle.Model]*[3]int

func (tl tally) add(j judgement) {
	if tl[j.model] == nil {
		tl[j.model] = &[3]int{}
	}
	switch {
	case j.oracle.Explainable:
		tl[j.model][1]++
	case j.valid == checker.Valid:
		tl[j.model][0]++
		tl[j.model][2]++
	default:
		tl[j.model][0]++
	}
}

// check logs the tally and fails unless every model saw plenty of both
// kinds of history.
func (tl tally) check(t *testing.T) {
	for _, m := range oracle.Models {
		c := tl[m]
		t.Logf("%s: %d histories no execution explains (%d of them called valid), %d explained", m, c[0], c[2], c[1])
		if c[0] < 10 || c[1] < 10 {
			t.Errorf("%s: %d unexplainable and %d explainable histories: the sweep should hold plenty of both", m, c[0], c[1])
		}
	}
}

// sweep checks every history of every source under every model against
// the property, minimising and reporting the first few that break it and
// counting the rest.
func sweep(t *testing.T, w txnsim.Workload, sources []historySource, opts func(oracle.Model) Options, prop property) tally {
	n := historiesPerSource(t)
	total := tally{}
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			broke := 0
			for i := range uint64(n) {
				h := src.make(t, i)
				for _, m := range oracle.Models {
					j := judge(t, h, w, m, opts(m))
					total.add(j)
					if broken, _ := prop(j); !broken {
						continue
					}
					if broke++; broke > 3 {
						continue
					}
					small := minimise(h, func(h *history.History) bool {
						broken, _ := prop(judge(t, h, w, m, opts(m)))
						return broken
					})
					j = judge(t, small, w, m, opts(m))
					_, why := prop(j)
					t.Errorf("%s history %d under %s: checker says %v (%v; %v), oracle says explainable = %v: %s\nminimised history:\n%s\nchecker's anomalies:\n%s",
						src.name, i, m, j.valid, j.report.AnomalyTypes, j.report.Undecided, j.oracle.Explainable, why, historyEDN(small), dump(j.report))
				}
			}
			if broke > 3 {
				t.Errorf("%d more (history, model) pairs break the property", broke-3)
			}
		})
	}
	return total
}

func TestListAppendAgreesWithOracle(t *testing.T) {
	var sources []historySource
	for _, b := range txnsim.Behaviours {
		sources = append(sources, simulated(txnsim.ListAppend, b))
	}
	sources = append(sources, randomSource(txnsim.ListAppend, false), randomSource(txnsim.ListAppend, true))
	sweep(t, txnsim.ListAppend, sources, func(oracle.Model) Options { return Options{} }, agreesBothWays).check(t)
}

func TestRWRegisterNeverFalseAlarmAgainstOracle(t *testing.T) {
	var sources []historySource
	for _, b := range txnsim.Behaviours {
		sources = append(sources, simulated(txnsim.RWRegister, b))
	}
	sources = append(sources, randomSource(txnsim.RWRegister, false))
	sweep(t, txnsim.RWRegister, sources, registerOptionsFor, neverFalseAlarm).check(t)
}

// registerOptionsFor gives the version-order inferences every execution
// under m satisfies: keys start nil, and a write follows what its
// transaction read; with session order each process sees each key's
// versions in order; with real time, versions observed by transactions in
// real-time order are in that order.
func registerOptionsFor(m oracle.Model) Options {
	o := Options{InitialNil: true, WritesFollowReads: true}
	switch m {
	case oracle.StrongSessionSerializable, oracle.StrongSessionSnapshotIsolation:
		o.SequentialKeys = true
	case oracle.StrictSerializable, oracle.StrongSnapshotIsolation:
		o.SequentialKeys, o.LinearizableKeys = true, true
	}
	return o
}

// TestOracleAmbiguousVersionOrderUnderSI is the case the dependency graph
// cannot decide: both transactions append to z, which nobody reads, so SI
// needs one to see the other; each also read, as empty, the key the other
// appended to. Whichever committed first, the second would have seen its
// append. The graph has the two rw edges of a write skew and no ww edge
// between them (no read orders 1 and 2 in z), so the checker, as Elle,
// calls it snapshot isolation.
func TestOracleAmbiguousVersionOrderUnderSI(t *testing.T) {
	z := 3
	h := build(t, []tx{
		ok(0, r(x), ap(y, 1), ap(z, 1)),
		ok(1, r(y), ap(x, 1), ap(z, 2)),
	}, "i0 i1 c0 c1")
	j := judge(t, h, txnsim.ListAppend, oracle.SnapshotIsolation, Options{})
	if j.oracle.Explainable || !j.graphBlind {
		t.Fatalf("oracle: explainable %v, graph blind %v; want unexplainable, and blind", j.oracle.Explainable, j.graphBlind)
	}
	// The checker tries both orders of the two appends to z: each closes a
	// G-single-item cycle, so no SI execution explains it.
	if j.valid != checker.Invalid || !slices.Contains(j.report.AnomalyTypes, consistency.GSingleItem) {
		t.Fatalf("the checker calls it %v (%v; %v), want invalid with G-single-item", j.valid, j.report.AnomalyTypes, j.report.Undecided)
	}
	// A final read that orders z gives the graph its ww edge, and the
	// checker sees the G-single-item cycle.
	h = build(t, []tx{
		ok(0, r(x), ap(y, 1), ap(z, 1)),
		ok(1, r(y), ap(x, 1), ap(z, 2)),
		ok(2, r(z, 1, 2)),
	}, "i0 i1 c0 c1 i2 c2")
	j = judge(t, h, txnsim.ListAppend, oracle.SnapshotIsolation, Options{})
	if j.oracle.Explainable || j.graphBlind || j.valid != checker.Invalid {
		t.Fatalf("with z read: oracle explainable %v, graph blind %v, checker %v (%v); want unexplainable, not blind, invalid", j.oracle.Explainable, j.graphBlind, j.valid, j.report.AnomalyTypes)
	}
}

// The sweep's first finds, minimised, each a false valid.

// TestOracleLostUpdateAfterTwoReads: T1 reads x twice, then appends; T2
// reads x once, then appends; both read x empty. No SI execution has both
// (the two writers of x would overlap), and no read orders 1 and 2, so only
// the lost-update check can see it.
func TestOracleLostUpdateAfterTwoReads(t *testing.T) {
	h := build(t, []tx{
		ok(0, r(x), r(x), ap(x, 1)),
		ok(1, r(x), ap(x, 2)),
	}, "i0 i1 c0 c1")
	for _, m := range oracle.Models {
		j := judge(t, h, txnsim.ListAppend, m, Options{})
		if j.oracle.Explainable || j.valid != checker.Invalid {
			t.Errorf("%s: checker %v (%v), oracle explainable %v; want invalid and unexplainable (lost-update)", m, j.valid, j.report.AnomalyTypes, j.oracle.Explainable)
		}
	}
}

// TestOracleOwnAppendsReordered: T1 appends 2 then 3 to x, T2 appends 1,
// and a read shows [3 2 1]: T1's appends out of the order it made them. No
// execution explains it; the ww edge between 3 and 2 is a self edge, and
// G1b looks only at the read's last element.
func TestOracleOwnAppendsReordered(t *testing.T) {
	h := build(t, []tx{
		ok(0, ap(x, 2), ap(x, 3)),
		ok(1, ap(x, 1)),
		ok(2, r(x, 3, 2, 1)),
	}, "")
	for _, m := range oracle.Models {
		j := judge(t, h, txnsim.ListAppend, m, Options{})
		if j.oracle.Explainable || j.valid != checker.Invalid {
			t.Errorf("%s: checker %v (%v), oracle explainable %v; want invalid and unexplainable", m, j.valid, j.report.AnomalyTypes, j.oracle.Explainable)
		}
	}
}

// minimise removes transactions, then micro-ops, one at a time, as long as
// the history still breaks the property: what is left is the smallest
// history this greedy pass finds, for a person to read.
func minimise(h *history.History, broken func(*history.History) bool) *history.History {
	ops := h.Ops()
	for changed := true; changed; {
		changed = false
		for i := 0; i < len(ops); i++ {
			if ops[i].Type != history.Invoke {
				continue
			}
			cand := dropTxn(ops, i)
			if hh, err := reindex(cand); err == nil && broken(hh) {
				ops, changed = cand, true
				i--
				continue
			}
			mops, _ := ops[i].Value.([]any)
			for j := 0; len(mops) > 1 && j < len(mops); j++ {
				cand := dropMop(ops, i, j)
				if hh, err := reindex(cand); err == nil && broken(hh) {
					ops, changed = cand, true
					mops, _ = ops[i].Value.([]any)
					j--
				}
			}
		}
	}
	hh, _ := reindex(ops)
	return hh
}

// completionOf finds the completion of the invocation at i in ops.
func completionOf(ops []history.Op, i int) int {
	for c := i + 1; c < len(ops); c++ {
		if ops[c].Process == ops[i].Process {
			if ops[c].Type == history.Invoke {
				return -1
			}
			return c
		}
	}
	return -1
}

func dropTxn(ops []history.Op, i int) []history.Op {
	c := completionOf(ops, i)
	out := make([]history.Op, 0, len(ops))
	for k, op := range ops {
		if k != i && k != c {
			out = append(out, op)
		}
	}
	return out
}

func dropMop(ops []history.Op, i, j int) []history.Op {
	out := slices.Clone(ops)
	for _, k := range []int{i, completionOf(ops, i)} {
		if k < 0 {
			continue
		}
		if mops, ok := out[k].Value.([]any); ok && j < len(mops) {
			out[k].Value = slices.Delete(slices.Clone(mops), j, j+1)
		}
	}
	return out
}

func reindex(ops []history.Op) (*history.History, error) {
	for i := range ops {
		ops[i].Index = i
	}
	return history.New(ops)
}

// historyEDN prints a history one op per line, as Jepsen writes it.
func historyEDN(h *history.History) string {
	var b strings.Builder
	for _, op := range h.All() {
		fmt.Fprintln(&b, op.String())
	}
	return b.String()
}
