package history

import (
	"math/big"
	"slices"
	"strings"
	"testing"
)

func op(idx int, t Type, p int, f string, v any) Op {
	return Op{Index: idx, Type: t, Process: p, F: f, Value: v}
}

func TestPairingMatchesInvokesToTheSameProcessesNextOp(t *testing.T) {
	h := MustNew(
		op(0, Invoke, 0, "write", int64(1)),
		op(1, Invoke, 1, "read", nil),
		op(2, OK, 1, "read", int64(0)),
		op(3, Info, 0, "write", int64(1)),
		op(4, Invoke, 2, "read", nil), // never completes
	)
	if got := h.Completion(0); got != 3 {
		t.Fatalf("completion of 0 = %d, want 3", got)
	}
	if got := h.Invocation(2); got != 1 {
		t.Fatalf("invocation of 2 = %d, want 1", got)
	}
	if got := h.Completion(4); got != -1 {
		t.Fatalf("completion of a crashed invoke = %d, want -1", got)
	}
	ops := slices.Collect(h.Operations())
	if len(ops) != 3 || ops[2].Outcome() != Info || ops[0].Outcome() != Info || ops[1].Outcome() != OK {
		t.Fatalf("operations = %+v", ops)
	}
}

func TestMalformedHistoriesAreRejectedWithThePlace(t *testing.T) {
	cases := map[string][]Op{
		"never invoked":     {op(0, OK, 0, "read", nil)},
		"still outstanding": {op(0, Invoke, 0, "read", nil), op(1, Invoke, 0, "read", nil)},
		"has f":             {op(0, Invoke, 0, "read", nil), op(7, OK, 0, "write", nil)},
	}
	for want, ops := range cases {
		_, err := New(ops)
		if err == nil || !strings.Contains(err.Error(), strings.TrimSuffix(want, "re")) {
			t.Errorf("%s: err = %v", want, err)
		}
	}
}

func TestByKeySplitsTuplesAndKeepsPairsTogether(t *testing.T) {
	h := MustNew(
		op(0, Invoke, 0, "read", []any{int64(1), nil}),
		op(1, Invoke, 1, "write", []any{int64(2), int64(5)}),
		op(2, OK, 0, "read", []any{int64(1), int64(3)}),
		op(3, OK, 1, "write", []any{int64(2), int64(5)}),
	)
	ks := h.ByKey(TupleKey)
	if len(ks) != 2 {
		t.Fatalf("keys = %d", len(ks))
	}
	if !Equal(ks[0].Key, int64(1)) || ks[0].History.Len() != 2 || !Equal(ks[0].History.At(1).Value, int64(3)) {
		t.Fatalf("key 1 = %+v", ks[0].History.Ops())
	}
	if ks[1].History.At(1).Index != 3 {
		t.Fatalf("index not kept: %+v", ks[1].History.Ops())
	}
}

func TestEqualTreatsKeywordsAsStringsAndCollectionsStructurally(t *testing.T) {
	yes := [][2]any{
		{Keyword("x"), "x"},
		{[]any{int64(1), Keyword("a")}, List{int(1), "a"}},
		{Set{int64(1), int64(2)}, Set{int64(2), int64(1)}},
		{Map{{Keyword("a"), int64(1)}, {"b", nil}}, Map{{"b", nil}, {"a", int64(1)}}},
		{big.NewInt(7), int64(7)},
		{nil, nil},
	}
	no := [][2]any{
		{Symbol("x"), "x"},
		{int64(1), float64(1)},
		{[]any{int64(1)}, []any{int64(1), int64(2)}},
		{nil, false},
		{Set{int64(1)}, Set{int64(2)}},
	}
	for _, c := range yes {
		if !Equal(c[0], c[1]) || Key(c[0]) != Key(c[1]) {
			t.Errorf("want equal: %s %s (keys %s %s)", FormatEDN(c[0]), FormatEDN(c[1]), Key(c[0]), Key(c[1]))
		}
	}
	for _, c := range no {
		if Equal(c[0], c[1]) || Key(c[0]) == Key(c[1]) {
			t.Errorf("want different: %s %s", FormatEDN(c[0]), FormatEDN(c[1]))
		}
	}
}

func TestOpStringIsJepsenEDN(t *testing.T) {
	o := Op{Index: 3, Time: 81234567, Type: OK, Process: NemesisProcess, F: "start-partition",
		Value: Map{{Keyword("n1"), []any{"n2", "n3"}}}, Extra: []Field{{"node", "n1"}}}
	want := `{:index 3, :time 81234567, :type :ok, :process :nemesis, :f :start-partition, :value {:n1 ["n2" "n3"]}, :node "n1"}`
	if got := o.String(); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if got := FormatEDN([]any{1.5, float64(2), "a\"b\n", Char('x'), Tagged{"inst", "2020"}}); got != `[1.5 2.0 "a\"b\n" \x #inst "2020"]` {
		t.Fatalf("edn = %s", got)
	}
}

func TestByKeyPairsAgreeWithIndexingEachSubHistory(t *testing.T) {
	ops := keyedHistory(2000, 7).Ops()
	// Give some reads a bare nil invoke, as older Jepsen histories have.
	for i := 0; i < len(ops); i += 10 {
		ops[i].Value = nil
	}
	for _, kh := range MustNew(ops...).ByKey(TupleKey) {
		fresh, err := New(kh.History.ops)
		if err != nil {
			t.Fatalf("key %v: %v", kh.Key, err)
		}
		for i, got := range kh.History.pair {
			if got != fresh.pair[i] {
				t.Fatalf("key %v op %d: pair %d, pairing anew says %d", kh.Key, i, got, fresh.pair[i])
			}
		}
	}
}

func TestByKeyDropsPairsWhoseHalvesNameDifferentKeys(t *testing.T) {
	h := MustNew(
		op(0, Invoke, 0, "write", []any{int64(1), int64(5)}),
		op(1, OK, 0, "write", []any{int64(2), int64(5)}),
		op(2, Invoke, 1, "read", []any{int64(1), nil}),
		op(3, OK, 1, "read", []any{int64(1), int64(0)}),
	)
	ks := h.ByKey(TupleKey)
	if len(ks) != 2 || ks[0].History.Len() != 2 || ks[1].History.Len() != 0 {
		t.Fatalf("got %+v", ks)
	}
	if ks[0].History.At(0).Index != 2 {
		t.Fatalf("key 1 kept %+v", ks[0].History.Ops())
	}
}
