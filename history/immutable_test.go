package history

import (
	"reflect"
	"strings"
	"sync"
	"testing"
)

// sample is a small history with every kind of op: a made-up invocation, a
// crashed invoke, a bare nemesis info, extra fields and vector values.
func sample(t *testing.T) ([]Op, *History) {
	t.Helper()
	ops := []Op{
		{Index: 0, Time: 5, Type: OK, Process: 3, F: "read", Value: []any{int64(1), int64(0)}}, // invoked at the start
		{Index: 1, Time: 10, Type: Invoke, Process: 0, F: "write", Value: []any{int64(1), int64(7)}, Extra: []Field{{"node", "n1"}}},
		{Index: 2, Time: 20, Type: Info, Process: NemesisProcess, F: "kill", Value: "n2"},
		{Index: 3, Time: 30, Type: OK, Process: 0, F: "write", Value: []any{int64(1), int64(7)}, Extra: []Field{{"node", "n1"}}},
		{Index: 4, Time: 40, Type: Invoke, Process: 1, F: "read", Value: []any{int64(2), nil}}, // never completes
	}
	h, err := NewInvokingAtStart(ops)
	if err != nil {
		t.Fatal(err)
	}
	return ops, h
}

// snapshot is everything a History says, deep-copied where it could alias:
// any change to the History after it was taken shows as a difference.
type snapshot struct {
	ops       []string
	pairs     []int
	start     int
	processes []int
	byProcess map[int][]int
}

func snap(h *History) snapshot {
	var s snapshot
	for i, op := range h.All() {
		s.ops = append(s.ops, op.String())
		s.pairs = append(s.pairs, h.pair[i])
	}
	s.start, s.processes, s.byProcess = h.StartInvokes(), h.Processes(), h.ByProcess()
	return s
}

// mutate changes every field of an op, the way a careless caller might.
func mutate(op *Op) {
	op.Index, op.Time, op.Type, op.Process, op.F = 99, 99, Fail, 42, "changed"
	op.Value, op.Error = "changed", "changed"
	op.Set("node", "changed") // replaces a field the op shares with the History's copy
	op.Set("added", true)
}

func TestWhatTheAccessorsReturnCannotChangeTheHistory(t *testing.T) {
	cases := map[string]func(h *History){
		"At": func(h *History) {
			for i := range h.Len() {
				op := h.At(i)
				mutate(&op)
			}
		},
		"All": func(h *History) {
			for _, op := range h.All() {
				mutate(&op)
			}
		},
		"Ops, its elements and its length": func(h *History) {
			ops := h.Ops()
			for i := range ops {
				mutate(&ops[i])
			}
			ops = append(ops[:1], ops[2:]...)
			_ = append(ops, Op{Type: Invoke})
		},
		"Operations": func(h *History) {
			for o := range h.Operations() {
				mutate(&o.Invoke)
				mutate(&o.Complete)
				o.Completed = !o.Completed
			}
		},
		"Filter, Clients, Nemesis and ByKey": func(h *History) {
			for _, sub := range []*History{h.Filter(func(Op) bool { return true }), h.Clients(), h.Nemesis()} {
				ops := sub.Ops()
				for i := range ops {
					mutate(&ops[i])
				}
			}
			for _, kh := range h.ByKey(TupleKey) {
				for _, op := range kh.History.All() {
					mutate(&op)
				}
			}
		},
		"Processes and ByProcess": func(h *History) {
			h.Processes()[0] = 77
			byProcess := h.ByProcess()
			for p := range byProcess {
				byProcess[p][0] = 77
			}
		},
	}
	for name, use := range cases {
		t.Run(name, func(t *testing.T) {
			_, h := sample(t)
			before := snap(h)
			use(h)
			if after := snap(h); !reflect.DeepEqual(before, after) {
				t.Fatalf("the history changed:\nbefore %+v\nafter  %+v", before, after)
			}
		})
	}
}

// The slice given to New or NewInvokingAtStart stays the caller's: changing it
// afterwards changes nothing in the History built from it.
func TestTheConstructorsKeepNothingOfTheCallersSlice(t *testing.T) {
	for name, build := range map[string]func([]Op) (*History, error){"New": New, "NewInvokingAtStart": NewInvokingAtStart} {
		t.Run(name, func(t *testing.T) {
			ops := []Op{
				{Index: 0, Type: Invoke, Process: 0, F: "write", Value: int64(1), Extra: []Field{{"node", "n1"}}},
				{Index: 1, Type: OK, Process: 0, F: "write", Value: int64(1)},
			}
			h, err := build(ops)
			if err != nil {
				t.Fatal(err)
			}
			before := snap(h)
			for i := range ops {
				mutate(&ops[i])
			}
			ops[1].Type = Invoke // would make the pairing wrong, were it shared
			if after := snap(h); !reflect.DeepEqual(before, after) {
				t.Fatalf("the history changed:\nbefore %+v\nafter  %+v", before, after)
			}
		})
	}
}

func TestBuilderHandsItsOpsOverAndStartsAfresh(t *testing.T) {
	ops, want := sample(t)
	var b Builder
	for _, op := range ops {
		b.Add(op)
		mutate(&op) // Add took a copy
	}
	if b.Len() != len(ops) {
		t.Fatalf("Len %d, want %d", b.Len(), len(ops))
	}
	h, err := b.BuildInvokingAtStart()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(snap(h), snap(want)) {
		t.Fatalf("built %v, want %v", h.Ops(), want.Ops())
	}
	if b.Len() != 0 {
		t.Fatalf("the builder kept %d ops after Build", b.Len())
	}
	before := snap(h)
	b.Add(Op{Index: 9, Type: Invoke, Process: 0, F: "read"}) // reusing the builder
	if after := snap(h); !reflect.DeepEqual(before, after) {
		t.Fatalf("the history changed when its builder was reused:\nbefore %+v\nafter  %+v", before, after)
	}
	if next, err := b.Build(); err != nil || next.Len() != 1 || next.Completion(0) != -1 {
		t.Fatalf("the reused builder built %v (%v), want the one op added since", next.Ops(), err)
	}
}

// A Builder grows in chunks: a history of many chunks comes out whole, in
// order, and a pairing error counts positions across chunks.
func TestBuilderAcrossChunks(t *testing.T) {
	var b Builder
	n := 300_000 // several chunks of up to 64k ops
	for i := range n {
		typ := Invoke
		if i%2 == 1 {
			typ = OK
		}
		b.Add(Op{Index: i, Type: typ, Process: i / 2 % 7, F: "read"})
	}
	h, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	for i, op := range h.All() {
		if op.Index != i {
			t.Fatalf("op %d has index %d", i, op.Index)
		}
	}
	if h.Len() != n || h.Completion(n-2) != n-1 {
		t.Fatalf("%d ops, last completion %d", h.Len(), h.Completion(n-2))
	}
	var bad Builder
	for i := range 100_000 {
		bad.Add(Op{Index: i, Type: Invoke, Process: i, F: "read"})
	}
	bad.Add(Op{Index: 100_000, Type: Invoke, Process: 5, F: "read"})
	if _, err := bad.Build(); err == nil || !strings.HasPrefix(err.Error(), "op 100000 (index 100000, process 5): invoked while op 5") {
		t.Fatalf("err = %v, want the second invoke of process 5 named at position 100000", err)
	}
}

func TestAnEmptyBuilderBuildsAnEmptyHistory(t *testing.T) {
	var b Builder
	h, err := b.Build()
	if err != nil || h.Len() != 0 {
		t.Fatalf("%v %v", h, err)
	}
}

// Every read method at once from many goroutines: under go test -race, a
// method that wrote to the History (as a lazily built index once did) fails
// this test.
func TestAHistoryIsReadByManyGoroutinesAtOnce(t *testing.T) {
	_, h := sample(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range h.Len() {
				_, _ = h.Completion(i), h.Invocation(i)
				_ = h.At(i)
			}
			for range h.All() {
			}
			for range h.Operations() {
			}
			_, _, _ = h.Clients(), h.Nemesis(), h.ByKey(TupleKey)
			_, _ = h.Processes(), h.ByProcess()
		})
	}
	wg.Wait()
}
