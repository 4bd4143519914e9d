package elle

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/elle/consistency"
	"github.com/faultline/faultline/history"
)

const (
	x = 1
	y = 2
)

var (
	Valid   = checker.Valid
	Invalid = checker.Invalid
)

// Each case is a history made to exhibit exactly one anomaly class (or
// none), checked against the default model, strict-serializable, unless the
// case says otherwise.
var listAppendCases = []struct {
	name  string
	txs   []tx
	order string
	o     Options
	want  want
}{
	{"serial history is valid", []tx{ok(0, ap(x, 1)), ok(1, r(x, 1), ap(x, 2)), ok(0, r(x, 1, 2), r(y))}, "", Options{},
		want{valid: Valid}},
	{"G0: two writers in opposite orders on two keys", []tx{ok(0, ap(x, 1), ap(y, 1)), ok(1, ap(x, 2), ap(y, 2)), ok(2, r(x, 1, 2), r(y, 2, 1))}, "i0 i1 c0 c1 i2 c2", Options{},
		want{Invalid, []string{consistency.G0}, []int{0, 1}, []string{"T2 appended 2 to key 1 right after T1 appended 1", "T1 appended 1 to key 2 right after T2 appended 2", "a cycle (G0)"}, "", false}},
	{"G1c: each read the other's append", []tx{ok(0, ap(x, 1), r(y, 1)), ok(1, ap(y, 1), r(x, 1))}, "i0 i1 c0 c1", Options{},
		want{Invalid, []string{consistency.G1c}, []int{0, 1}, []string{"T2 read key 1 = [1], which T1 appended 1 to", "T1 read key 2 = [1], which T2 appended 1 to"}, "", false}},
	{"G-single-item: read skew", []tx{ok(0, r(x), r(y, 1)), ok(1, ap(x, 1), ap(y, 1)), ok(2, r(x, 1), r(y, 1))}, "i0 i1 c0 c1 i2 c2", Options{},
		want{Invalid, []string{consistency.GSingleItem}, []int{0, 1}, []string{"T1 read key 1 = [], which does not yet have 1, which T2 appended next", "T1 read key 2 = [1], which T2 appended 1 to"}, "", false}},
	{"G2-item: write skew", []tx{ok(0, r(x), ap(y, 1)), ok(1, r(y), ap(x, 1)), ok(2, r(x, 1), r(y, 1))}, "i0 i1 c0 c1 i2 c2", Options{},
		want{Invalid, []string{consistency.G2Item}, []int{0, 1}, []string{"T1 read key 1 = [], which does not yet have 1, which T2 appended next", "a cycle (G2-item)"}, "", false}},
	{"G2-item is allowed by snapshot isolation", []tx{ok(0, r(x), ap(y, 1)), ok(1, r(y), ap(x, 1)), ok(2, r(x, 1), r(y, 1))}, "i0 i1 c0 c1 i2 c2", Options{ConsistencyModels: []string{"snapshot-isolation"}},
		want{valid: Valid, types: []string{consistency.G2Item}}},
	{"G-nonadjacent-item: long fork", []tx{ok(0, r(x), r(y, 1)), ok(1, ap(x, 1)), ok(2, r(x, 1), r(y)), ok(3, ap(y, 1))}, "i0 i1 i2 i3 c0 c1 c2 c3", Options{},
		want{Invalid, []string{consistency.GNonadjacentItem}, []int{0, 1, 2, 3}, []string{"T2 < T3", "a cycle (G-nonadjacent-item)"}, "", false}},
	{"G-nonadjacent-item is allowed by parallel snapshot isolation", []tx{ok(0, r(x), r(y, 1)), ok(1, ap(x, 1)), ok(2, r(x, 1), r(y)), ok(3, ap(y, 1))}, "i0 i1 i2 i3 c0 c1 c2 c3", Options{ConsistencyModels: []string{"parallel-snapshot-isolation"}},
		want{valid: Valid, types: []string{consistency.GNonadjacentItem}}},
	{"G-single-item-process: a process misses its own append", []tx{ok(0, ap(x, 1)), ok(0, r(x)), ok(1, r(x, 1))}, "", Options{},
		want{Invalid, []string{consistency.Process(consistency.GSingleItem)}, []int{0, 1}, []string{"process 0 ran T1 and then T2", "T2 read key 1 = [], which does not yet have 1, which T1 appended next"}, "", false}},
	{"G-single-item-process is allowed by serializable", []tx{ok(0, ap(x, 1)), ok(0, r(x)), ok(1, r(x, 1))}, "", Options{ConsistencyModels: []string{"serializable"}},
		want{valid: Valid}},
	{"G-single-item-realtime: a stale read after completion", []tx{ok(0, ap(x, 1)), ok(1, r(x)), ok(2, r(x, 1))}, "", Options{},
		want{Invalid, []string{consistency.Realtime(consistency.GSingleItem)}, []int{0, 1}, []string{"T1 completed (op 1) before T2 was invoked (op 2)"}, "", false}},
	{"G-single-item-realtime is allowed by strong-session serializable", []tx{ok(0, ap(x, 1)), ok(1, r(x)), ok(2, r(x, 1))}, "", Options{ConsistencyModels: []string{"strong-session-serializable"}},
		want{valid: Valid}},
	{"G0-realtime: appends ordered against real time", []tx{ok(0, ap(x, 1)), ok(1, ap(x, 2)), ok(2, r(x, 2, 1))}, "", Options{},
		want{Invalid, []string{consistency.Realtime(consistency.G0)}, []int{0, 1}, []string{"T1 appended 1 to key 1 right after T2 appended 2"}, "", false}},
	{"G1c-process: a process reads an append it makes later", []tx{ok(0, r(x, 1)), ok(0, ap(x, 1))}, "", Options{},
		want{Invalid, []string{consistency.Process(consistency.G1c)}, []int{0, 1}, []string{"process 0 ran T1 and then T2", "T1 read key 1 = [1], which T2 appended 1 to"}, "", false}},
	{"G0-process: a process's appends land in the opposite order", []tx{ok(0, ap(x, 2)), ok(0, ap(x, 1)), ok(1, r(x, 1, 2))}, "", Options{},
		want{Invalid, []string{consistency.Process(consistency.G0)}, []int{0, 1}, []string{"process 0 ran T1 and then T2", "T1 appended 2 to key 1 right after T2 appended 1"}, "", false}},
	{"G1c-realtime: a read of an append invoked only later", []tx{ok(0, r(x, 1)), ok(1, ap(x, 1))}, "", Options{},
		want{Invalid, []string{consistency.Realtime(consistency.G1c)}, []int{0, 1}, []string{"T1 completed (op 1) before T2 was invoked (op 2)", "T1 read key 1 = [1], which T2 appended 1 to"}, "", false}},
	{"G-nonadjacent-item-process: a long fork closed by process order", []tx{ok(0, r(x)), ok(1, ap(x, 1)), ok(2, r(x, 1), r(y)), ok(0, ap(y, 1)), ok(3, r(x, 1), r(y, 1))}, "i1 i2 i3 c3 i0 c0 c1 c2 i4 c4", Options{},
		want{Invalid, []string{consistency.Process(consistency.GNonadjacentItem)}, []int{0, 1, 2, 3}, []string{"process 0 ran T3 and then T4", "a cycle (G-nonadjacent-item-process)"}, "", false}},
	{"G-nonadjacent-item-realtime: a long fork closed by real time", []tx{ok(0, r(x)), ok(1, ap(x, 1)), ok(2, r(x, 1), r(y)), ok(4, ap(y, 1)), ok(3, r(x, 1), r(y, 1))}, "i1 i2 i3 c3 i0 c0 c1 c2 i4 c4", Options{},
		want{Invalid, []string{consistency.Realtime(consistency.GNonadjacentItem)}, []int{0, 1, 2, 3}, []string{"T3 completed (op 3) before T4 was invoked (op 4)"}, "", false}},
	{"G2-item-process: adjacent anti-dependencies closed by process order", []tx{ok(0, r(x)), ok(1, ap(x, 1), r(y)), ok(0, ap(y, 1)), ok(3, r(x, 1), r(y, 1))}, "i1 i2 c2 i0 c0 c1 i3 c3", Options{},
		want{Invalid, []string{consistency.Process(consistency.G2Item)}, []int{0, 1, 2}, []string{"process 0 ran T2 and then T3", "a cycle (G2-item-process)"}, "", false}},
	{"G2-item-realtime: adjacent anti-dependencies closed by real time", []tx{ok(0, r(x)), ok(1, ap(x, 1), r(y)), ok(2, ap(y, 1)), ok(3, r(x, 1), r(y, 1))}, "i1 i2 c2 i0 c0 c1 i3 c3", Options{},
		want{Invalid, []string{consistency.Realtime(consistency.G2Item)}, []int{0, 1, 2}, []string{"T2 completed (op 2) before T3 was invoked (op 3)", "a cycle (G2-item-realtime)"}, "", false}},
	{"G2-item-realtime is allowed by strong-session serializable", []tx{ok(0, r(x)), ok(1, ap(x, 1), r(y)), ok(2, ap(y, 1)), ok(3, r(x, 1), r(y, 1))}, "i1 i2 c2 i0 c0 c1 i3 c3", Options{ConsistencyModels: []string{"strong-session-serializable"}},
		want{valid: Valid}},
	{"G1a: aborted read", []tx{fail(0, ap(x, 1)), ok(1, r(x, 1))}, "", Options{},
		want{Invalid, []string{consistency.G1a, consistency.EmptyTransactionGraph}, []int{1, 0}, []string{"T1 read key 1 = [1], which includes 1, appended by T2, which failed"}, "", false}},
	{"G1b: intermediate read", []tx{ok(0, ap(x, 1), ap(x, 2)), ok(1, r(x, 1)), ok(2, r(x, 1, 2))}, "i0 i1 c0 c1 i2 c2", Options{},
		want{Invalid, []string{consistency.GSingleItem, consistency.G1b}, nil, nil, "", false}},
	{"G1b is reported on its own", []tx{ok(0, ap(x, 1), ap(x, 2)), ok(1, r(x, 1)), ok(2, r(x, 1, 2))}, "i0 i1 c0 c1 i2 c2", Options{ConsistencyModels: []string{"read-uncommitted"}, Anomalies: []string{consistency.G1b}},
		want{Invalid, []string{consistency.GSingleItem, consistency.G1b}, nil, nil, "", false}},
	{"G1b: intermediate read (explained)", []tx{ok(0, ap(x, 1), ap(x, 2)), ok(1, r(x, 1)), ok(2, r(x, 1, 2))}, "i0 i1 c0 c1 i2 c2", Options{ConsistencyModels: []string{"read-committed"}},
		want{Invalid, []string{consistency.GSingleItem, consistency.G1b}, []int{1, 0}, []string{"ending in 1, which T2 appended but then appended more"}, consistency.G1b, false}},
	{"internal: a read that forgets its own append", []tx{ok(0, ap(x, 1)), ok(1, r(x, 1), ap(x, 2), r(x, 1)), ok(2, r(x, 1, 2))}, "", Options{},
		want{Invalid, []string{consistency.Internal}, []int{1}, []string{"T1 read key 1 = [1], but its own earlier micro-ops say it should have read [1 2]"}, "", false}},
	{"dirty-update: a committed append on top of an aborted one", []tx{fail(0, ap(x, 1)), ok(1, ap(x, 2)), ok(2, r(x, 1, 2))}, "", Options{},
		want{Invalid, []string{consistency.G1a, consistency.DirtyUpdate}, nil, nil, "", false}},
	{"the version order skips an aborted append", []tx{ok(0, ap(x, 1), r(y, 1)), fail(1, ap(x, 2)), ok(2, ap(y, 1), ap(x, 3)), ok(3, r(x, 1, 2, 3), r(y, 1))}, "i0 i1 i2 c0 c1 c2 i3 c3", Options{},
		want{valid: Invalid, types: []string{consistency.G1c, consistency.G1a, consistency.DirtyUpdate}, txns: []int{0, 2}, explain: []string{"T2 appended 3 to key 1 right after T1 appended 1", "T1 read key 2 = [1], which T2 appended 1 to"}, atLeast: true}},
	{"duplicate-elements", []tx{ok(0, ap(x, 1)), ok(1, r(x, 1, 1))}, "", Options{},
		want{Invalid, []string{consistency.DuplicateElements}, []int{1}, []string{"in which 1 appears at positions 0 and 1"}, "", false}},
	{"incompatible-order", []tx{ok(0, ap(x, 1)), ok(1, ap(x, 2)), ok(2, r(x, 1, 2)), ok(3, r(x, 2))}, "", Options{},
		want{Invalid, []string{consistency.IncompatibleOrder}, []int{3, 2}, []string{"T1 read key 1 = [2] and T2 read key 1 = [1 2]"}, "", false}},
	{"lost-update: two read-modify-writes of one version", []tx{ok(0, r(x), ap(x, 1)), ok(1, r(x), ap(x, 2)), ok(2, r(x, 1, 2))}, "i0 i1 c0 c1 i2 c2", Options{},
		want{Invalid, []string{consistency.GSingleItem, consistency.LostUpdate}, nil, nil, "", false}},
	{"future-read: a read of an append made later", []tx{ok(0, r(x, 1), ap(x, 1))}, "", Options{},
		want{Invalid, []string{consistency.EmptyTransactionGraph, consistency.FutureRead}, []int{0}, []string{"which T1 itself appends only later"}, consistency.FutureRead, false}},
	// The append of 1 is in no read, so it came after the 7 that T1 read:
	// T1 also missed an append that completed before it began.
	{"garbage-read", []tx{ok(0, ap(x, 1)), ok(1, r(x, 7))}, "", Options{},
		want{Invalid, []string{consistency.Realtime(consistency.GSingleItem), consistency.GarbageRead}, []int{1}, []string{"T1 read key 1 = [7], but no transaction appended 7 to key 1"}, consistency.GarbageRead, false}},
	{"garbage-read, concurrent with the unread append", []tx{ok(0, ap(x, 1)), ok(1, r(x, 7))}, "i0 i1 c0 c1", Options{},
		want{Invalid, []string{consistency.GarbageRead}, []int{1}, []string{"T1 read key 1 = [7], but no transaction appended 7 to key 1"}, "", false}},
	{"an info append that was read counts as committed", []tx{info(0, ap(x, 1)), ok(1, r(x, 1))}, "i0 i1 c1", Options{},
		want{valid: Valid}},
	{"an info append may land after its process's next transaction", []tx{info(0, ap(x, 1)), ok(0, r(x)), ok(1, r(x, 1))}, "i0 c0 i1 c1 i2 c2", Options{ConsistencyModels: []string{"strong-session-serializable"}},
		want{valid: Valid}},
	{"no committed transactions: unknown", []tx{fail(0, ap(x, 1))}, "", Options{},
		want{valid: checker.Unknown, types: []string{consistency.EmptyTransactionGraph}}},
}

func TestListAppendAnomalies(t *testing.T) {
	for _, c := range listAppendCases {
		t.Run(c.name, func(t *testing.T) {
			expect(t, AnalyzeListAppend, c.txs, c.order, c.o, c.want)
		})
	}
}

func TestResultMarshalsToJSON(t *testing.T) {
	c := listAppendCases[3] // read skew
	h := build(t, c.txs, c.order)
	res := ListAppend(Options{}).Check(context.Background(), h)
	if res.Valid != Invalid || !strings.Contains(res.Summary, "G-single-item; not consistent-view, repeatable-read") {
		t.Fatalf("result: %v %q", res.Valid, res.Summary)
	}
	b, err := checker.MarshalIndent(res)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"valid": false`, `"anomaly-types": [`, `"type": "G-single-item"`, `"rel": "rw"`, `"not": [`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b)
		}
	}
}

func TestListAppendRuledOutModels(t *testing.T) {
	c := listAppendCases[4] // write skew
	rep := expect(t, AnalyzeListAppend, c.txs, c.order, c.o, c.want)
	if len(rep.Not) != 1 || rep.Not[0] != "repeatable-read" {
		t.Errorf("not = %v, want [repeatable-read]", rep.Not)
	}
	for _, m := range rep.AlsoNot {
		if m == "snapshot-isolation" {
			t.Errorf("write skew must not rule out snapshot isolation: also-not %v", rep.AlsoNot)
		}
	}
}

func TestListAppendCycleSearchBudget(t *testing.T) {
	// A G1c ring of 50 transactions: each reads the previous one's append.
	const n = 50
	var txs []tx
	order := ""
	for i := 0; i < n; i++ {
		txs = append(txs, ok(i, ap(i, 1), r((i+n-1)%n, 1)))
		order += fmt.Sprintf(" i%d", i)
	}
	for i := 0; i < n; i++ {
		order += fmt.Sprintf(" c%d", i)
	}
	h := build(t, txs, order)
	v, rep, err := AnalyzeListAppend(context.Background(), h, Options{CycleSearchBudget: 10})
	if err != nil {
		t.Fatal(err)
	}
	if v != checker.Unknown {
		t.Fatalf("valid = %v, want unknown when the search runs out of budget", v)
	}
	if len(rep.Anomalies) != 1 || rep.Anomalies[0].Type != consistency.CycleSearchTimeout || !strings.Contains(rep.Anomalies[0].Explanation[0], "component of 50 transactions") {
		t.Fatalf("anomalies = %+v, want one cycle-search-timeout", rep.Anomalies)
	}
	v, rep, _ = AnalyzeListAppend(context.Background(), h, Options{})
	if v != Invalid || len(rep.Anomalies) != 1 || len(rep.Anomalies[0].Txns) != n {
		t.Fatalf("with the default budget: %v %v, want one G1c cycle through all %d", v, rep.AnomalyTypes, n)
	}
}

func TestListAppendCycleSearchTimeout(t *testing.T) {
	// A G1c ring long enough that one search visits many thousands of
	// edges, checked with a time limit that has passed before it starts.
	const n = 5000
	var txs []tx
	for i := 0; i < n; i++ {
		txs = append(txs, ok(i, ap(i, 1), r((i+n-1)%n, 1)))
	}
	var order strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&order, " i%d", i)
	}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&order, " c%d", i)
	}
	h := build(t, txs, order.String())
	v, rep, err := AnalyzeListAppend(context.Background(), h, Options{CycleSearchTimeout: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	if v != checker.Unknown || len(rep.Anomalies) != 1 || !strings.Contains(rep.Anomalies[0].Explanation[0], "time limit of 1ns (cycle-search-timeout)") {
		t.Fatalf("valid = %v, anomalies = %+v: want unknown, one cycle-search-timeout naming the time limit", v, rep.Anomalies)
	}
	v, _, _ = AnalyzeListAppend(context.Background(), h, Options{CycleSearchTimeout: time.Minute})
	if v != Invalid {
		t.Fatalf("with a minute to search: %v, want the G1c ring found", v)
	}
}

func TestListAppendMalformedInput(t *testing.T) {
	cases := []struct {
		value any
		want  string
	}{
		{int64(3), "op 1 (index 1, process 0): expected a transaction, a vector of micro-ops"},
		{[]any{[]any{history.Keyword("append"), int64(1)}}, "micro-op 0: expected a micro-op [f key value], found [:append 1]"},
		{[]any{[]any{history.Keyword("w"), int64(1), int64(2)}}, "expected :append or :r as the function of [:w 1 2] (a list-append history)"},
		{[]any{[]any{history.Keyword("r"), int64(1), int64(2)}}, "expected the read [:r 1 2] to return a list"},
	}
	for _, c := range cases {
		h := history.MustNew(
			history.Op{Index: 0, Type: history.Invoke, Process: 0, F: "txn", Value: c.value},
			history.Op{Index: 1, Type: history.OK, Process: 0, F: "txn", Value: c.value},
		)
		_, _, err := AnalyzeListAppend(context.Background(), h, Options{})
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("value %s: err = %v, want an InputError containing %q", history.FormatEDN(c.value), err, c.want)
		}
	}
	dup := build(t, []tx{ok(0, ap(x, 1)), ok(1, ap(x, 1))}, "")
	if _, _, err := AnalyzeListAppend(context.Background(), dup, Options{}); err == nil || !strings.Contains(err.Error(), "which op 0 already wrote") {
		t.Errorf("duplicate append: err = %v", err)
	}
	if _, _, err := AnalyzeListAppend(context.Background(), dup, Options{ConsistencyModels: []string{"serialisable"}}); err == nil || !strings.Contains(err.Error(), "unknown consistency model") {
		t.Errorf("bad model: err = %v", err)
	}
}

func TestCancelledContextGivesAnError(t *testing.T) {
	c := listAppendCases[1]
	h := build(t, c.txs, c.order)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := ListAppend(Options{}).Check(ctx, h)
	if res.Valid != checker.Unknown || !strings.Contains(res.Error, "context canceled") {
		t.Fatalf("cancelled check: %v %q", res.Valid, res.Error)
	}
}

func TestNemesisAndOtherOpsAreIgnored(t *testing.T) {
	base := build(t, listAppendCases[0].txs, "")
	ops := []history.Op{
		{Type: history.Info, Process: history.NemesisProcess, F: "start-partition", Value: "majority"},
		{Type: history.Invoke, Process: 7, F: "read", Value: nil},
		{Type: history.OK, Process: 7, F: "read", Value: int64(3)},
	}
	ops = append(ops, base.Ops()...)
	for i := range ops {
		ops[i].Index = i
	}
	v, rep, err := AnalyzeListAppend(context.Background(), history.MustNew(ops...), Options{})
	if err != nil || v != Valid || rep.Txns != 3 {
		t.Fatalf("%v %v, %d txns (want valid, 3)", v, err, rep.Txns)
	}
}

func TestMaxPerTypeListsSomeAndCountsTheRest(t *testing.T) {
	txs := []tx{fail(0, ap(x, 1)), ok(1, r(x, 1)), ok(2, r(x, 1)), ok(3, r(x, 1))}
	h := build(t, txs, "")
	_, rep, err := AnalyzeListAppend(context.Background(), h, Options{MaxPerType: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Anomalies) != 2 || rep.Omitted[consistency.G1a] != 1 {
		t.Fatalf("listed %d, omitted %v; want 2 listed and 1 omitted G1a", len(rep.Anomalies), rep.Omitted)
	}
}
