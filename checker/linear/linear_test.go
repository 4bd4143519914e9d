package linear

import (
	"context"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/linear/linearsim"
	"github.com/faultline/faultline/checker/linear/model"
	"github.com/faultline/faultline/history"
)

// ev is one event of a hand-built history: type, process, f, value.
type ev struct {
	t history.Type
	p int
	f string
	v any
}

const (
	inv  = history.Invoke
	ok   = history.OK
	fail = history.Fail
	info = history.Info
)

func hist(t *testing.T, evs ...ev) *history.History {
	t.Helper()
	ops := make([]history.Op, len(evs))
	for i, e := range evs {
		ops[i] = history.Op{Index: i, Time: int64(i), Type: e.t, Process: e.p, F: e.f, Value: e.v}
	}
	h, err := history.New(ops)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func i64(x int) any { return int64(x) }

func pair(a, b any) any { return []any{a, b} }

func check(t *testing.T, m model.Model, h *history.History) checker.Result {
	t.Helper()
	return New(m, Options{}).Check(context.Background(), h)
}

// expectValid and expectInvalid assert the verdict; expectInvalid returns the
// counterexample and checks it names the op that cannot be placed.
func expectValid(t *testing.T, m model.Model, h *history.History) {
	t.Helper()
	if r := check(t, m, h); r.Valid != checker.Valid {
		t.Fatalf("want valid, got %s: %s %s", r.Valid, r.Summary, r.Error)
	}
}

func expectInvalid(t *testing.T, m model.Model, h *history.History, blockedIndex int) *Counterexample {
	t.Helper()
	r := check(t, m, h)
	if r.Valid != checker.Invalid {
		t.Fatalf("want invalid, got %s: %s", r.Valid, r.Error)
	}
	ce := r.Details.(*Details).Counterexample
	if ce == nil || len(ce.Blocked) != 1 || ce.Blocked[0].Index != blockedIndex {
		t.Fatalf("want op %d blocked, got %+v", blockedIndex, ce)
	}
	if !strings.Contains(r.Summary, "cannot be linearized") {
		t.Fatalf("summary %q", r.Summary)
	}
	return ce
}

func statesAre(t *testing.T, ce *Counterexample, want ...any) {
	t.Helper()
	if len(ce.States) != len(want) {
		t.Fatalf("states %v, want %v", ce.States, want)
	}
	for _, w := range want {
		found := false
		for _, s := range ce.States {
			found = found || history.Equal(s, w)
		}
		if !found {
			t.Fatalf("states %v, want %v", ce.States, want)
		}
	}
}

func TestConcurrentWritesMayLinearizeInEitherOrder(t *testing.T) {
	reg := model.Register(nil)
	h := hist(t,
		ev{inv, 0, "write", i64(1)}, ev{inv, 1, "write", i64(2)},
		ev{ok, 0, "write", i64(1)}, ev{ok, 1, "write", i64(2)},
		ev{inv, 2, "read", nil}, ev{ok, 2, "read", i64(1)},
		ev{inv, 3, "read", nil}, ev{ok, 3, "read", i64(1)},
	)
	expectValid(t, reg, h)
}

func TestReadOfAValueOverwrittenBeforeItBeganIsAStaleRead(t *testing.T) {
	h := hist(t,
		ev{inv, 0, "write", i64(1)}, ev{ok, 0, "write", i64(1)},
		ev{inv, 0, "write", i64(2)}, ev{ok, 0, "write", i64(2)},
		ev{inv, 1, "read", nil}, ev{ok, 1, "read", i64(1)},
	)
	ce := expectInvalid(t, model.Register(nil), h, 4)
	statesAre(t, ce, i64(2))
	if ce.PrefixLength != 2 || !history.Equal(ce.Prefix[1].State, i64(2)) {
		t.Fatalf("prefix %+v", ce.Prefix)
	}
}

func TestReadOfAValueNeverWrittenIsNotLinearizable(t *testing.T) {
	h := hist(t, ev{inv, 0, "read", nil}, ev{ok, 0, "read", i64(7)})
	statesAre(t, expectInvalid(t, model.Register(nil), h, 0), nil)
}

func TestInitialValueIsConfigurable(t *testing.T) {
	h := hist(t, ev{inv, 0, "read", nil}, ev{ok, 0, "read", i64(7)})
	expectValid(t, model.Register(i64(7)), h)
}

func TestCrashedCASMayTakeEffectLongAfterItsClientGaveUp(t *testing.T) {
	h := hist(t,
		ev{inv, 0, "cas", pair(nil, i64(3))}, ev{info, 0, "cas", pair(nil, i64(3))},
		ev{inv, 1, "read", nil}, ev{ok, 1, "read", nil},
		ev{inv, 1, "read", nil}, ev{ok, 1, "read", i64(3)},
	)
	expectValid(t, model.CASRegister(nil), h)
}

func TestCrashedCASMayNeverTakeEffect(t *testing.T) {
	h := hist(t,
		ev{inv, 0, "write", i64(1)}, ev{ok, 0, "write", i64(1)},
		ev{inv, 1, "cas", pair(i64(1), i64(3))}, // never completes
		ev{inv, 2, "read", nil}, ev{ok, 2, "read", i64(1)},
		ev{inv, 2, "cas", pair(i64(1), i64(4))}, ev{ok, 2, "cas", pair(i64(1), i64(4))},
	)
	expectValid(t, model.CASRegister(nil), h)
}

func TestCrashedCASCannotTakeEffectBeforeItsInvocation(t *testing.T) {
	h := hist(t,
		ev{inv, 1, "read", nil}, ev{ok, 1, "read", i64(3)},
		ev{inv, 0, "cas", pair(nil, i64(3))}, ev{info, 0, "cas", pair(nil, i64(3))},
	)
	expectInvalid(t, model.CASRegister(nil), h, 0)
}

func TestInfoWriteMustBeLinearizedBetweenTheReadsThatSawBothValues(t *testing.T) {
	h := hist(t,
		ev{inv, 0, "write", i64(5)}, ev{info, 0, "write", i64(5)},
		ev{inv, 1, "read", nil}, ev{ok, 1, "read", nil},
		ev{inv, 1, "read", nil}, ev{ok, 1, "read", i64(5)},
		ev{inv, 1, "read", nil}, ev{ok, 1, "read", i64(5)},
	)
	expectValid(t, model.Register(nil), h)
}

func TestInfoWriteTakesEffectOnceSoItsValueCannotComeBack(t *testing.T) {
	h := hist(t,
		ev{inv, 0, "write", i64(5)}, ev{info, 0, "write", i64(5)},
		ev{inv, 1, "read", nil}, ev{ok, 1, "read", i64(5)},
		ev{inv, 1, "write", i64(6)}, ev{ok, 1, "write", i64(6)},
		ev{inv, 1, "read", nil}, ev{ok, 1, "read", i64(5)},
	)
	ce := expectInvalid(t, model.Register(nil), h, 6)
	statesAre(t, ce, i64(6))
}

func TestFailedWriteNeverTakesEffect(t *testing.T) {
	h := hist(t,
		ev{inv, 0, "write", i64(5)}, ev{fail, 0, "write", i64(5)},
		ev{inv, 1, "read", nil}, ev{ok, 1, "read", i64(5)},
	)
	expectInvalid(t, model.Register(nil), h, 2)
}

func TestNemesisOpsAreIgnored(t *testing.T) {
	h := hist(t,
		ev{inv, history.NemesisProcess, "start-partition", nil}, ev{info, history.NemesisProcess, "start-partition", nil},
		ev{inv, 0, "write", i64(5)}, ev{ok, 0, "write", i64(5)},
	)
	expectValid(t, model.Register(nil), h)
}

func TestMutexDoubleGrantIsNotLinearizable(t *testing.T) {
	h := hist(t,
		ev{inv, 0, "acquire", nil}, ev{ok, 0, "acquire", nil},
		ev{inv, 1, "acquire", nil}, ev{ok, 1, "acquire", nil},
	)
	statesAre(t, expectInvalid(t, model.Mutex(), h, 2), "held")
}

func TestMutexHandoverThroughAnUnacknowledgedReleaseIsLinearizable(t *testing.T) {
	h := hist(t,
		ev{inv, 0, "acquire", nil}, ev{ok, 0, "acquire", nil},
		ev{inv, 0, "release", nil}, ev{info, 0, "release", nil},
		ev{inv, 1, "acquire", nil}, ev{ok, 1, "acquire", nil},
	)
	expectValid(t, model.Mutex(), h)
}

func TestQueueLossIsNotLinearizable(t *testing.T) {
	for _, m := range []model.Model{model.FIFOQueue(), model.UnorderedQueue()} {
		h := hist(t,
			ev{inv, 0, "enqueue", i64(1)}, ev{ok, 0, "enqueue", i64(1)},
			ev{inv, 1, "dequeue", nil}, ev{ok, 1, "dequeue", nil},
		)
		expectInvalid(t, m, h, 2)
	}
}

func TestQueueDuplicateDeliveryIsNotLinearizable(t *testing.T) {
	for _, m := range []model.Model{model.FIFOQueue(), model.UnorderedQueue()} {
		h := hist(t,
			ev{inv, 0, "enqueue", i64(1)}, ev{ok, 0, "enqueue", i64(1)},
			ev{inv, 1, "dequeue", nil}, ev{ok, 1, "dequeue", i64(1)},
			ev{inv, 2, "dequeue", nil}, ev{ok, 2, "dequeue", i64(1)},
		)
		expectInvalid(t, m, h, 4)
	}
}

func TestFIFOQueueReorderIsNotLinearizableButUnorderedQueueAllowsIt(t *testing.T) {
	h := hist(t,
		ev{inv, 0, "enqueue", i64(1)}, ev{ok, 0, "enqueue", i64(1)},
		ev{inv, 0, "enqueue", i64(2)}, ev{ok, 0, "enqueue", i64(2)},
		ev{inv, 1, "dequeue", nil}, ev{ok, 1, "dequeue", i64(2)},
	)
	expectInvalid(t, model.FIFOQueue(), h, 4)
	expectValid(t, model.UnorderedQueue(), h)
}

func TestUnacknowledgedDequeueMayHaveTakenAnyElement(t *testing.T) {
	h := hist(t,
		ev{inv, 0, "enqueue", i64(1)}, ev{ok, 0, "enqueue", i64(1)},
		ev{inv, 0, "enqueue", i64(2)}, ev{ok, 0, "enqueue", i64(2)},
		ev{inv, 1, "dequeue", nil}, ev{info, 1, "dequeue", nil},
		ev{inv, 2, "dequeue", nil}, ev{ok, 2, "dequeue", i64(1)},
		ev{inv, 2, "dequeue", nil}, ev{ok, 2, "dequeue", nil},
	)
	expectValid(t, model.UnorderedQueue(), h)
	// Without the unacknowledged dequeue, element 2 is lost.
	lost := hist(t,
		ev{inv, 0, "enqueue", i64(1)}, ev{ok, 0, "enqueue", i64(1)},
		ev{inv, 0, "enqueue", i64(2)}, ev{ok, 0, "enqueue", i64(2)},
		ev{inv, 2, "dequeue", nil}, ev{ok, 2, "dequeue", i64(1)},
		ev{inv, 2, "dequeue", nil}, ev{ok, 2, "dequeue", nil},
	)
	statesAre(t, expectInvalid(t, model.UnorderedQueue(), lost, 6), history.Set{i64(2)})
}

func TestSetReadMissingACompletedAddIsNotLinearizable(t *testing.T) {
	h := hist(t,
		ev{inv, 0, "add", i64(1)}, ev{ok, 0, "add", i64(1)},
		ev{inv, 0, "add", i64(2)},
		ev{inv, 1, "read", nil}, ev{ok, 1, "read", []any{i64(1), i64(2)}},
		ev{ok, 0, "add", i64(2)},
		ev{inv, 1, "read", nil}, ev{ok, 1, "read", history.Set{i64(2)}},
	)
	ce := expectInvalid(t, model.Set(), h, 6)
	statesAre(t, ce, history.Set{i64(1), i64(2)})
}

func TestMultiRegisterTxnsAreAtomic(t *testing.T) {
	w := func(k string, v int) any { return []any{history.Keyword("w"), k, i64(v)} }
	r := func(k string, v any) any { return []any{history.Keyword("r"), k, v} }
	good := hist(t,
		ev{inv, 0, "txn", []any{w("x", 1), w("y", 1)}},
		ev{inv, 1, "txn", []any{r("x", nil), r("y", nil)}},
		ev{ok, 1, "txn", []any{r("x", nil), r("y", nil)}},
		ev{ok, 0, "txn", []any{w("x", 1), w("y", 1)}},
	)
	expectValid(t, model.MultiRegister(nil), good)
	torn := hist(t,
		ev{inv, 0, "txn", []any{w("x", 1), w("y", 1)}},
		ev{inv, 1, "txn", []any{r("x", nil), r("y", nil)}},
		ev{ok, 1, "txn", []any{r("x", i64(1)), r("y", nil)}},
		ev{ok, 0, "txn", []any{w("x", 1), w("y", 1)}},
	)
	expectInvalid(t, model.MultiRegister(nil), torn, 1)
}

func TestKVChecksEachKeyAloneAndNamesTheBadKey(t *testing.T) {
	h := hist(t,
		ev{inv, 0, "write", pair(i64(1), i64(5))}, ev{ok, 0, "write", pair(i64(1), i64(5))},
		ev{inv, 1, "write", pair(i64(2), i64(6))}, ev{ok, 1, "write", pair(i64(2), i64(6))},
		ev{inv, 0, "read", pair(i64(1), nil)}, ev{ok, 0, "read", pair(i64(1), i64(5))},
		ev{inv, 1, "read", pair(i64(2), nil)}, ev{ok, 1, "read", pair(i64(2), i64(5))},
	)
	ce := expectInvalid(t, model.KV(nil), h, 6)
	if !ce.Keyed || !history.Equal(ce.Key, i64(2)) {
		t.Fatalf("key %v", ce.Key)
	}
	r := check(t, model.KV(nil), h)
	if d := r.Details.(*Details); d.Keys != 2 || !strings.HasPrefix(r.Summary, "key 2:") {
		t.Fatalf("keys %d summary %q", d.Keys, r.Summary)
	}
}

func TestMalformedOpIsAnErrorNamingItsIndex(t *testing.T) {
	h := hist(t, ev{inv, 0, "write", i64(1)}, ev{ok, 0, "write", i64(1)}, ev{inv, 0, "cas", i64(3)}, ev{ok, 0, "cas", i64(3)})
	r := check(t, model.CASRegister(nil), h)
	if r.Valid != checker.Unknown || !strings.Contains(r.Error, "op 2") || !strings.Contains(r.Error, "[old new]") {
		t.Fatalf("got %s %q", r.Valid, r.Error)
	}
	r = check(t, model.Register(nil), hist(t, ev{inv, 0, "cas", pair(nil, i64(1))}, ev{ok, 0, "cas", pair(nil, i64(1))}))
	if r.Valid != checker.Unknown || !strings.Contains(r.Error, "cas-register") {
		t.Fatalf("got %s %q", r.Valid, r.Error)
	}
}

func TestLongKeyedHistoriesSplitInParallelChunksGiveTheSameVerdicts(t *testing.T) {
	// 80k events: long enough for prepare to read it in GOMAXPROCS chunks.
	// No info ops: proving a key with crashed writes invalid can take the
	// search exponential time (see BENCHMARKS.md).
	h := linearsim.Run(linearsim.Config{Seed: 9, Ops: 40_000, Processes: 20}, linearsim.KV(50, 5))
	r := check(t, model.KV(nil), h)
	if r.Valid != checker.Valid || r.Details.(*Details).Keys != 50 {
		t.Fatalf("simulated history: %s %s %+v", r.Valid, r.Error, r.Details)
	}
	// Corrupt the last ok read: it now returns a value never written.
	ops := h.Ops()
	var key any
	for i := len(ops) - 1; i >= 0; i-- {
		if ops[i].Type == history.OK && ops[i].F == "read" {
			kv := ops[i].Value.([]any)
			key, ops[i].Value = kv[0], []any{kv[0], i64(99)}
			break
		}
	}
	ce := check(t, model.KV(nil), history.MustNew(ops...)).Details.(*Details).Counterexample
	if ce == nil || !history.Equal(ce.Key, key) || !history.Equal(ce.Blocked[0].Value, i64(99)) {
		t.Fatalf("counterexample %+v, want key %v blocked at the read of 99", ce, key)
	}
}

func TestResultWithCounterexampleMarshalsToJSON(t *testing.T) {
	h := hist(t,
		ev{inv, 0, "write", pair(i64(1), history.Keyword("a"))}, ev{ok, 0, "write", pair(i64(1), history.Keyword("a"))},
		ev{inv, 1, "read", pair(i64(1), nil)}, ev{ok, 1, "read", pair(i64(1), history.Keyword("b"))},
	)
	r := check(t, model.KV(nil), h)
	b, err := checker.MarshalIndent(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"valid": false`, `"blocked"`, `"prefix-length": 1`, `"states": [`, `"f": "read"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b)
		}
	}
}

func TestEmptyHistoriesAreValid(t *testing.T) {
	for _, m := range []model.Model{model.CASRegister(nil), model.KV(nil)} {
		r := check(t, m, hist(t, ev{inv, history.NemesisProcess, "kill", nil}, ev{info, history.NemesisProcess, "kill", nil}))
		if r.Valid != checker.Valid || r.Details.(*Details).Ops != 0 {
			t.Fatalf("%s: %s %+v", m.Name(), r.Valid, r.Details)
		}
	}
}
