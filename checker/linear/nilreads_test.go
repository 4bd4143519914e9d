package linear

import (
	"strings"
	"testing"

	"github.com/faultline/faultline/checker/linear/model"
	"github.com/faultline/faultline/history"
)

// byName builds a model as the CLI does, failing the test on an error.
func byName(t *testing.T, name string, o model.Options) model.Model {
	t.Helper()
	m, err := model.ByName(name, o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var knossos = model.Options{NilReadsMatchAny: true}

// A read that returned nil after a write completed is not linearizable when
// nil means "unset" (the default), and is when nil means "what was read is
// unknown" (Knossos's convention, NilReadsMatchAny).
func TestNilReadAfterAWriteIsValidOnlyWhenNilReadsMatchAny(t *testing.T) {
	for _, name := range []string{"register", "cas-register"} {
		h := hist(t,
			ev{inv, 0, "write", i64(1)}, ev{ok, 0, "write", i64(1)},
			ev{inv, 1, "read", nil}, ev{ok, 1, "read", nil},
			ev{inv, 1, "read", nil}, ev{ok, 1, "read", i64(1)},
		)
		statesAre(t, expectInvalid(t, byName(t, name, model.Options{}), h, 2), i64(1))
		expectValid(t, byName(t, name, knossos), h)
	}
}

func TestCounterexampleSummaryCountsInEnglish(t *testing.T) {
	h := hist(t,
		ev{inv, 0, "write", i64(1)}, ev{ok, 0, "write", i64(1)},
		ev{inv, 1, "read", nil}, ev{ok, 1, "read", nil},
	)
	if got, want := check(t, model.Register(nil), h).Summary, "op 2 (process 1: read nil, ok) cannot be linearized after 1 op; register state just before: 1"; got != want {
		t.Fatalf("summary %q, want %q", got, want)
	}
	h = hist(t,
		ev{inv, 0, "write", i64(1)}, ev{inv, 2, "write", i64(2)}, ev{ok, 0, "write", i64(1)}, ev{ok, 2, "write", i64(2)},
		ev{inv, 1, "read", nil}, ev{ok, 1, "read", i64(3)},
	)
	if got, want := check(t, model.Register(nil), h).Summary, "op 4 (process 1: read 3, ok) cannot be linearized after 2 ops; register states just before: "; !strings.HasPrefix(got, want) {
		t.Fatalf("summary %q, want it to start %q", got, want)
	}
}

// The option only forgives the nil reads: a read of a value nobody wrote
// (here after a nil read the option lets through) is invalid under both
// readings.
func TestReadOfAValueNeverWrittenIsInvalidUnderBothReadingsOfNil(t *testing.T) {
	for _, name := range []string{"register", "cas-register"} {
		h := hist(t,
			ev{inv, 0, "write", i64(1)}, ev{ok, 0, "write", i64(1)},
			ev{inv, 1, "read", nil}, ev{ok, 1, "read", nil},
			ev{inv, 1, "read", nil}, ev{ok, 1, "read", i64(2)},
		)
		expectInvalid(t, byName(t, name, model.Options{}), h, 2)
		statesAre(t, expectInvalid(t, byName(t, name, knossos), h, 4), i64(1))
	}
}

func TestKVNilReadsMatchAnyPerKey(t *testing.T) {
	h := hist(t,
		ev{inv, 0, "write", pair(i64(1), i64(5))}, ev{ok, 0, "write", pair(i64(1), i64(5))},
		ev{inv, 1, "read", pair(i64(1), nil)}, ev{ok, 1, "read", pair(i64(1), nil)},
		ev{inv, 1, "read", pair(i64(2), nil)}, ev{ok, 1, "read", pair(i64(2), i64(6))},
	)
	expectInvalid(t, byName(t, "kv", model.Options{}), h, 2)
	// Key 1's nil read is forgiven; key 2 read a value never written.
	ce := expectInvalid(t, byName(t, "kv", knossos), h, 4)
	if !history.Equal(ce.Key, i64(2)) {
		t.Fatalf("key %v, want 2", ce.Key)
	}
}

// A transaction that saw x written but y not is torn; with nil reads
// matching anything, the read of y says nothing, so Knossos's reading
// accepts it: the price of the convention, and why it is not the default.
func TestMultiRegisterNilReadsMatchAnyOnlyWhenAskedFor(t *testing.T) {
	torn := hist(t,
		ev{inv, 0, "txn", []any{mw("x", 1), mw("y", 1)}},
		ev{inv, 1, "txn", []any{mr("x", nil), mr("y", nil)}},
		ev{ok, 1, "txn", []any{mr("x", i64(1)), mr("y", nil)}},
		ev{ok, 0, "txn", []any{mw("x", 1), mw("y", 1)}},
	)
	expectInvalid(t, byName(t, "multi-register", model.Options{}), torn, 1)
	expectValid(t, byName(t, "multi-register", knossos), torn)
	stale := hist(t,
		ev{inv, 0, "txn", []any{mw("x", 1), mw("y", 1)}}, ev{ok, 0, "txn", []any{mw("x", 1), mw("y", 1)}},
		ev{inv, 1, "txn", []any{mr("x", nil), mr("y", nil)}}, ev{ok, 1, "txn", []any{mr("x", nil), mr("y", i64(0))}},
	)
	expectInvalid(t, byName(t, "multi-register", knossos), stale, 2)
}

// An initial map gives each register its own value (Knossos's
// multi-register takes one); registers it leaves out start nil; any other
// initial value is every register's.
func TestMultiRegisterInitialMapGivesEachKeyItsOwnValue(t *testing.T) {
	h := hist(t,
		ev{inv, 0, "txn", []any{mr("x", nil), mr("y", nil), mr("z", nil)}},
		ev{ok, 0, "txn", []any{mr("x", i64(0)), mr("y", i64(1)), mr("z", nil)}},
	)
	perKey := history.Map{{Key: history.Keyword("x"), Value: i64(0)}, {Key: history.Keyword("y"), Value: i64(1)}}
	expectValid(t, byName(t, "multi-register", model.Options{Initial: perKey}), h)
	ce := expectInvalid(t, byName(t, "multi-register", model.Options{Initial: i64(0)}), h, 0)
	statesAre(t, ce, history.Map{{Key: "x", Value: i64(0)}, {Key: "y", Value: i64(0)}, {Key: "z", Value: i64(0)}})
	ce = expectInvalid(t, byName(t, "multi-register", model.Options{Initial: history.Map{{Key: history.Keyword("x"), Value: i64(0)}, {Key: history.Keyword("y"), Value: i64(2)}}}), h, 0)
	statesAre(t, ce, history.Map{{Key: "x", Value: i64(0)}, {Key: "y", Value: i64(2)}, {Key: "z", Value: nil}})
}

// mw and mr are multi-register micro-ops: a write and a read.
func mw(k string, v int) any { return []any{history.Keyword("w"), k, i64(v)} }
func mr(k string, v any) any { return []any{history.Keyword("r"), k, v} }
