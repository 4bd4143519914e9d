package elle

import (
	"context"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/elle/consistency"
)

var (
	initial    = Options{InitialNil: true}
	wfr        = Options{InitialNil: true, WritesFollowReads: true}
	sequential = Options{SequentialKeys: true}
)

var rwRegisterCases = []struct {
	name  string
	txs   []tx
	order string
	o     Options
	want  want
}{
	{"serial read-modify-writes are valid", []tx{ok(0, w(x, 1)), ok(1, rv(x, 1), w(x, 2)), ok(2, rv(x, 2), rv(y, -1))}, "", wfr,
		want{valid: Valid}},
	{"G0: writes ordered oppositely, as seen by two sequential readers", []tx{ok(0, w(x, 1), w(y, 1)), ok(1, w(x, 2), w(y, 2)), ok(2, rv(x, 1)), ok(2, rv(x, 2)), ok(3, rv(y, 2)), ok(3, rv(y, 1))}, "i0 i1 c0 c1 i2 c2 i3 c3 i4 c4 i5 c5", Options{SequentialKeys: true, ConsistencyModels: []string{"serializable"}},
		want{valid: Invalid, types: []string{consistency.G0}, txns: []int{0, 1}, explain: []string{"T1 wrote key 1 = 1, and T2's write of 2 follows it in the version order", "T2 wrote key 2 = 2, and T1's write of 1 follows it"}, atLeast: true}},
	{"G1a: aborted read", []tx{fail(0, w(x, 1)), ok(1, rv(x, 1))}, "", initial,
		want{valid: Invalid, types: []string{consistency.G1a}, txns: []int{1, 0}, explain: []string{"T1 read key 1 = 1, which T2 wrote, but T2 failed"}}},
	{"G1b: intermediate read", []tx{ok(0, w(x, 1), w(x, 2)), ok(1, rv(x, 1))}, "i0 i1 c0 c1", Options{},
		want{valid: Invalid, types: []string{consistency.G1b}, txns: []int{1, 0}, explain: []string{"which T2 wrote but then overwrote within the same transaction"}, atLeast: true}},
	{"G1c: each read the other's write", []tx{ok(0, w(x, 1), rv(y, 1)), ok(1, w(y, 1), rv(x, 1))}, "i0 i1 c0 c1", Options{},
		want{Invalid, []string{consistency.G1c}, []int{0, 1}, []string{"T2 read key 1 = 1, which T1 wrote", "T1 read key 2 = 1, which T2 wrote"}, "", false}},
	{"G-single-item: read skew from the initial state", []tx{ok(0, rv(x, -1), rv(y, 1)), ok(1, w(x, 1), w(y, 1))}, "i0 i1 c0 c1", initial,
		want{Invalid, []string{consistency.GSingleItem}, []int{0, 1}, []string{"T1 read key 1 = nil, and T2 wrote 1, which follows it in the version order", "T1 read key 2 = 1, which T2 wrote"}, "", false}},
	{"G2-item: write skew", []tx{ok(0, rv(x, -1), w(y, 1)), ok(1, rv(y, -1), w(x, 1))}, "i0 i1 c0 c1", initial,
		want{Invalid, []string{consistency.G2Item}, []int{0, 1}, []string{"a cycle (G2-item)"}, "", false}},
	{"G2-item is allowed by snapshot isolation", []tx{ok(0, rv(x, -1), w(y, 1)), ok(1, rv(y, -1), w(x, 1))}, "i0 i1 c0 c1", Options{InitialNil: true, ConsistencyModels: []string{"snapshot-isolation"}},
		want{valid: Valid, types: []string{consistency.G2Item}}},
	{"G-single-item-realtime: a stale read after completion", []tx{ok(0, w(x, 1)), ok(1, rv(x, -1))}, "", initial,
		want{Invalid, []string{consistency.Realtime(consistency.GSingleItem)}, []int{0, 1}, []string{"T1 completed (op 1) before T2 was invoked (op 2)", "T2 read key 1 = nil, and T1 wrote 1"}, "", false}},
	{"G1c-process: a process reads a value it writes only later", []tx{ok(0, rv(x, 1)), ok(0, w(x, 1))}, "", Options{},
		want{Invalid, []string{consistency.Process(consistency.G1c)}, []int{0, 1}, []string{"process 0 ran T1 and then T2", "T1 read key 1 = 1, which T2 wrote"}, "", false}},
	{"G-single-item-process: a process misses its own write", []tx{ok(0, w(x, 1)), ok(0, rv(x, -1))}, "", initial,
		want{Invalid, []string{consistency.Process(consistency.GSingleItem)}, []int{0, 1}, []string{"process 0 ran T1 and then T2", "T2 read key 1 = nil, and T1 wrote 1, which follows it"}, "", false}},
	{"G0-realtime: a sequential reader sees two writes against real time", []tx{ok(0, w(x, 1)), ok(1, w(x, 2)), ok(2, rv(x, 2)), ok(2, rv(x, 1))}, "", Options{SequentialKeys: true},
		want{valid: Invalid, types: []string{consistency.Realtime(consistency.G0)}, txns: []int{0, 1}, explain: []string{"T1 completed (op 1) before T2 was invoked (op 2)", "T2 wrote key 1 = 2, and T1's write of 1 follows it"}, atLeast: true}},
	{"internal: a read that disagrees with the own write", []tx{ok(0, w(x, 1), rv(x, 2)), ok(1, w(x, 2))}, "", Options{},
		want{Invalid, []string{consistency.Internal}, []int{0}, []string{"T1 read key 1 = 2, but its own earlier micro-op [:w 1 1] says it should have read 1"}, "", false}},
	{"lost-update: two read-modify-writes of nil", []tx{ok(0, rv(x, -1), w(x, 1)), ok(1, rv(x, -1), w(x, 2))}, "i0 i1 c0 c1", wfr,
		want{valid: Invalid, types: []string{consistency.LostUpdate}, txns: []int{0, 1}, explain: []string{"2 committed transactions read key 1 = nil and each wrote it"}, atLeast: true}},
	{"cyclic-versions: two processes see two writes in opposite orders", []tx{ok(0, w(x, 1)), ok(1, w(x, 2)), ok(2, rv(x, 1)), ok(2, rv(x, 2)), ok(3, rv(x, 2)), ok(3, rv(x, 1))}, "i0 i1 c0 c1 i2 i4 c2 c4 i3 i5 c3 c5", Options{SequentialKeys: true, ConsistencyModels: []string{"serializable"}},
		want{Invalid, []string{consistency.CyclicVersions}, nil, []string{"the inferred version order of key 1 is cyclic"}, "", false}},
	{"garbage-read", []tx{ok(0, rv(x, 9))}, "", Options{},
		want{Invalid, []string{consistency.GarbageRead}, []int{0}, []string{"no transaction wrote 9 to key 1"}, "", false}},
	{"without inference, a stale nil read proves nothing", []tx{ok(0, w(x, 1)), ok(1, rv(x, -1))}, "", Options{},
		want{valid: Valid}},
}

func TestRWRegisterAnomalies(t *testing.T) {
	for _, c := range rwRegisterCases {
		t.Run(c.name, func(t *testing.T) {
			expect(t, AnalyzeRWRegister, c.txs, c.order, c.o, c.want)
		})
	}
}

func TestRWRegisterLinearizableKeys(t *testing.T) {
	// T0 writes 1 and completes; T1 then writes 2; T2 reads 1 afterwards.
	// Only realtime says 1 < 2, which makes T2's read stale.
	txs := []tx{ok(0, w(x, 1)), ok(1, w(x, 2)), ok(2, rv(x, 1))}
	h := build(t, txs, "")
	v, rep, err := AnalyzeRWRegister(context.Background(), h, Options{ConsistencyModels: []string{"serializable"}})
	if err != nil || v != checker.Valid {
		t.Fatalf("without linearizable keys: %v %v %v", v, rep.AnomalyTypes, err)
	}
	v, rep, err = AnalyzeRWRegister(context.Background(), h, Options{LinearizableKeys: true})
	if err != nil || v != checker.Invalid {
		t.Fatalf("with linearizable keys: %v %v %v", v, rep.AnomalyTypes, err)
	}
}

func TestRWRegisterMalformedInput(t *testing.T) {
	h := build(t, []tx{ok(0, ap(x, 1))}, "")
	_, _, err := AnalyzeRWRegister(context.Background(), h, Options{})
	if err == nil || !strings.Contains(err.Error(), "expected :w or :r as the function of [:append 1 1] (a rw-register history)") {
		t.Fatalf("err = %v", err)
	}
}
