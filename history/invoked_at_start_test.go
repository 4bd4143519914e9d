package history

import (
	"reflect"
	"strings"
	"testing"
)

// Completions without an invocation (histories of completions alone):
// NewInvokingAtStart makes an invocation up for each, at the start, and the
// one-op-at-a-time rule is relaxed for those alone.
func completionsAlone() []Op {
	ops := []Op{
		op(0, OK, 0, "txn", []any{int64(1), int64(10)}),   // made up
		op(1, Invoke, 1, "txn", []any{int64(2), nil}),     //
		op(2, OK, 0, "txn", []any{int64(1), int64(11)}),   // made up: process 0 has two at once
		op(3, Invoke, 0, "txn", []any{int64(2), nil}),     // a recorded invoke beside them
		op(4, OK, 1, "txn", []any{int64(2), int64(12)}),   // completes op 1
		op(5, OK, 0, "txn", []any{int64(2), int64(13)}),   // completes op 3
		op(6, Info, NemesisProcess, "kill", nil),          // bare nemesis info: stays bare
		op(7, Fail, 2, "txn", []any{int64(1), int64(14)}), // made up
		{Index: 8, Time: -5, Type: OK, Process: 0, F: "txn", Value: []any{int64(1), int64(15)}, Extra: []Field{{"node", "n1"}}}, // made up, earliest time
	}
	for i := range ops[:8] {
		ops[i].Time = int64(10 * i)
	}
	return ops
}

func TestNewInvokingAtStartMakesUpInvocationsAtTheStart(t *testing.T) {
	ops := completionsAlone()
	if _, err := New(ops); err == nil || !strings.Contains(err.Error(), "op 0 (index 0, process 0): completes an operation that was never invoked") {
		t.Fatalf("New must stay strict: %v", err)
	}
	h, err := NewInvokingAtStart(ops)
	if err != nil {
		t.Fatal(err)
	}
	if h.StartInvokes() != 4 || h.Len() != len(ops)+4 {
		t.Fatalf("%d made up, %d ops", h.StartInvokes(), h.Len())
	}
	for k, done := range []int{0, 2, 7, 8} {
		want := ops[done]
		want.Type, want.Time = Invoke, -5
		if got := h.At(k); !reflect.DeepEqual(got, want) {
			t.Errorf("made-up %d = %v, want %v", k, got, want)
		}
		if h.Completion(k) != done+4 || h.Invocation(done+4) != k {
			t.Errorf("made-up %d completes at %d, want %d", k, h.Completion(k), done+4)
		}
	}
	if &h.ops[3].Extra[0] == &h.ops[12].Extra[0] {
		t.Fatal("the made-up invocation shares Extra with its completion")
	}
	for inv, done := range map[int]int{5: 8, 7: 9} { // the recorded invokes
		if h.Completion(inv) != done {
			t.Errorf("invoke at %d completes at %d, want %d", inv, h.Completion(inv), done)
		}
	}
	if h.Invocation(10) != -1 {
		t.Fatal("the bare nemesis info got an invocation")
	}
	var order []int
	for o := range h.Operations() {
		order = append(order, o.Complete.Index)
	}
	if want := []int{0, 2, 7, 8, 4, 5}; !reflect.DeepEqual(order, want) {
		t.Fatalf("operations complete at %v, want %v (made-up first, in completion order)", order, want)
	}
}

func TestMadeUpInvocationsSurviveFilterAndByKey(t *testing.T) {
	h, err := NewInvokingAtStart(completionsAlone())
	if err != nil {
		t.Fatal(err)
	}
	c := h.Clients()
	if c.StartInvokes() != 4 || c.Len() != h.Len()-1 || c.At(c.Completion(1)).Index != 2 {
		t.Fatalf("clients: %d made up, %v", c.StartInvokes(), c.Ops())
	}
	f := h.Filter(func(o Op) bool { return o.Index != 2 && o.IsClient() })
	if f.StartInvokes() != 3 || f.Completion(1) < 0 || f.At(f.Completion(1)).Index != 7 {
		t.Fatalf("filtered: %d made up, %v", f.StartInvokes(), f.Ops())
	}
	for _, kh := range h.ByKey(TupleKey) {
		sub := kh.History
		want := map[int64]int{1: 4, 2: 0}[kh.Key.(int64)]
		if sub.StartInvokes() != want {
			t.Errorf("key %v: %d made up, want %d", kh.Key, sub.StartInvokes(), want)
		}
		again, _, err := pairOps(sub.ops, sub.start, false)
		if err != nil || !reflect.DeepEqual(again, sub.pair) {
			t.Errorf("key %v: pairing anew gives %v (%v), ByKey %v", kh.Key, again, err, sub.pair)
		}
	}
}

func TestHistoriesWithoutBareCompletionsAreUnchanged(t *testing.T) {
	ops := []Op{op(0, Invoke, 0, "read", nil), op(1, OK, 0, "read", int64(1))}
	h, err := NewInvokingAtStart(ops)
	if err != nil || h.StartInvokes() != 0 || !reflect.DeepEqual(h.Ops(), ops) {
		t.Fatalf("%v %v", h, err)
	}
	// The other rules hold as in New.
	for want, bad := range map[string][]Op{
		"still outstanding": {op(0, Invoke, 0, "read", nil), op(1, Invoke, 0, "read", nil)},
		"has f":             {op(0, OK, 0, "read", nil), op(1, Invoke, 1, "read", nil), op(2, OK, 1, "write", nil)},
	} {
		if _, err := NewInvokingAtStart(bad); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", want, err)
		}
	}
}
