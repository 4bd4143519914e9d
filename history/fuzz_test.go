package history

import (
	"errors"
	"reflect"
	"testing"

	"github.com/faultline/faultline/internal/hangcheck"
)

// FuzzPairing feeds arbitrary op sequences to every constructor that pairs
// invocations with completions (New, NewInvokingAtStart, the Builder) and to
// what derives histories from a paired one (Filter, ByKey). A sequence is
// either refused with a *PairError naming an op of it, or paired so that
// pairingHolds; the constructors agree with each other, and pairing is
// idempotent: the ops of a history, paired again, give the same history.
// The seed corpus is in testdata/fuzz/FuzzPairing; docs/fuzzing.md says how
// to run it longer.
func FuzzPairing(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		defer hangcheck.Within(hangcheck.Limit, data)()
		ops := fuzzOps(data)
		strict, strictErr := New(ops)
		lenient, lenientErr := NewInvokingAtStart(ops)
		checkPairErr(t, "New", strictErr, len(ops))
		checkPairErr(t, "NewInvokingAtStart", lenientErr, len(ops))

		var b Builder
		for _, op := range ops {
			b.Add(op)
		}
		built, builtErr := b.Build()
		sameOutcome(t, "Builder.Build vs New", built, builtErr, strict, strictErr)
		for _, op := range ops {
			b.Add(op)
		}
		built, builtErr = b.BuildInvokingAtStart()
		sameOutcome(t, "Builder.BuildInvokingAtStart vs NewInvokingAtStart", built, builtErr, lenient, lenientErr)

		if strictErr == nil {
			if lenientErr != nil || lenient.StartInvokes() != 0 {
				t.Fatalf("New paired the ops but NewInvokingAtStart made up %d invocations (error %v)", lenient.StartInvokes(), lenientErr)
			}
			sameHistory(t, "New vs NewInvokingAtStart of a strict history", strict, lenient)
		}
		if lenientErr != nil {
			return
		}
		pairingHolds(t, lenient)
		again, err := NewInvokingAtStart(lenient.Ops()[lenient.StartInvokes():])
		if err != nil {
			t.Fatalf("pairing the paired ops again failed: %v", err)
		}
		sameHistory(t, "pairing again", lenient, again)

		sameHistory(t, "Filter keeping everything", lenient, lenient.Filter(func(Op) bool { return true }))
		seed := byte(0)
		if len(data) > 0 {
			seed = data[0]
		}
		filtered := lenient.Filter(func(op Op) bool { return (int(seed)>>(op.Index%8))&1 == 1 })
		pairingHolds(t, filtered)
		pairingHolds(t, lenient.Clients())
		pairingHolds(t, lenient.Nemesis())

		n := 0
		for _, k := range lenient.ByKey(TupleKey) {
			pairingHolds(t, k.History)
			n += k.History.Len()
		}
		if n > lenient.Len() {
			t.Fatalf("ByKey's sub-histories hold %d ops, the history %d", n, lenient.Len())
		}
	})
}

// fuzzOps decodes three bytes per op: its type (now and then one that is
// never recorded) and process (some the nemesis), its f and value (a [key
// value] tuple, or nil as some Jepsen invocations are), and its time.
func fuzzOps(data []byte) []Op {
	fs := []string{"read", "write", "cas", ""}
	var ops []Op
	for i := 0; i+2 < len(data); i += 3 {
		a, b, c := data[i], data[i+1], data[i+2]
		op := Op{Index: len(ops), Time: int64(c), Type: Type(a & 3), Process: int(a>>2) & 3, F: fs[b&3]}
		switch {
		case a>>4 == 15:
			op.Type = Type(4 + a&1) // sleep or log: never recorded
		case (a>>2)&7 == 7:
			op.Process = NemesisProcess
		}
		if b&4 == 0 {
			op.Value = []any{int64(b>>3) & 3, int64(b >> 5)}
		}
		ops = append(ops, op)
	}
	return ops
}

func checkPairErr(t *testing.T, what string, err error, n int) {
	t.Helper()
	if err == nil {
		return
	}
	var pe *PairError
	if !errors.As(err, &pe) || pe.Pos < 0 || pe.Pos >= n {
		t.Fatalf("%s: error %v is not a PairError naming one of the %d ops", what, err, n)
	}
}

func sameOutcome(t *testing.T, what string, a *History, aErr error, b *History, bErr error) {
	t.Helper()
	if (aErr == nil) != (bErr == nil) || (aErr != nil && aErr.Error() != bErr.Error()) {
		t.Fatalf("%s: errors differ: %v / %v", what, aErr, bErr)
	}
	if aErr == nil {
		sameHistory(t, what, a, b)
	}
}

// sameHistory compares ops and pairing.
func sameHistory(t *testing.T, what string, a, b *History) {
	t.Helper()
	if a.Len() != b.Len() || a.StartInvokes() != b.StartInvokes() {
		t.Fatalf("%s: %d ops (%d made-up invocations) vs %d (%d)", what, a.Len(), a.StartInvokes(), b.Len(), b.StartInvokes())
	}
	for i := range a.Len() {
		if !reflect.DeepEqual(a.At(i), b.At(i)) || a.Completion(i) != b.Completion(i) || a.Invocation(i) != b.Invocation(i) {
			t.Fatalf("%s: op %d differs: %+v paired %d/%d vs %+v paired %d/%d", what, i,
				a.At(i), a.Completion(i), a.Invocation(i), b.At(i), b.Completion(i), b.Invocation(i))
		}
	}
}

// pairingHolds checks what every History promises: pairs link both ways
// between an invoke and a later completion of the same process and f; only
// a nemesis info goes without an invocation; a process runs one op at a
// time after the made-up invocations; Operations yields every invoke once.
func pairingHolds(t *testing.T, h *History) {
	t.Helper()
	outstanding := map[int]bool{}
	invokes, operations := 0, 0
	for i, op := range h.All() {
		if op.Type == Invoke {
			invokes++
			c := h.Completion(i)
			if h.Invocation(i) != -1 || (c >= 0 && (c <= i || !h.At(c).Type.IsCompletion() || h.Invocation(c) != i ||
				h.At(c).Process != op.Process || h.At(c).F != op.F)) {
				t.Fatalf("invoke %d is paired with %d, which does not pair back as its completion", i, c)
			}
			if i < h.StartInvokes() {
				if c < h.StartInvokes() {
					t.Fatalf("made-up invocation %d has no completion after the start (%d)", i, c)
				}
				continue
			}
			if outstanding[op.Process] {
				t.Fatalf("op %d: process %d invoked twice at once", i, op.Process)
			}
			outstanding[op.Process] = c >= 0
			continue
		}
		if !op.Type.IsCompletion() || i < h.StartInvokes() {
			t.Fatalf("op %d: type %v at position %d (made-up invocations: %d)", i, op.Type, i, h.StartInvokes())
		}
		inv := h.Invocation(i)
		switch {
		case inv < 0 && !(op.Type == Info && op.IsNemesis()):
			t.Fatalf("completion %d has no invocation and is not a nemesis info", i)
		case inv >= 0 && (inv >= i || h.Completion(inv) != i):
			t.Fatalf("completion %d is paired with %d, which does not pair back", i, inv)
		case inv >= h.StartInvokes():
			outstanding[op.Process] = false
		}
	}
	for range h.Operations() {
		operations++
	}
	if operations != invokes {
		t.Fatalf("Operations yields %d, the history has %d invokes", operations, invokes)
	}
}

// Found by FuzzPairing (testdata/fuzz/FuzzPairing/0e1e20348625f2f0): a bare
// nemesis info followed by a nemesis completion that has no invocation. The
// made-up invocation of the second was taken by the info when the ops were
// paired again, and NewInvokingAtStart panicked. The info stays bare.
func TestBareNemesisInfoBesideAMadeUpNemesisInvocation(t *testing.T) {
	ops := []Op{
		{Index: 0, Type: Info, Process: NemesisProcess, F: "start"},
		{Index: 1, Type: OK, Process: NemesisProcess, F: "stop"},
		{Index: 2, Type: Info, Process: NemesisProcess, F: "start"},
	}
	h, err := NewInvokingAtStart(ops)
	if err != nil {
		t.Fatal(err)
	}
	pairingHolds(t, h)
	if h.StartInvokes() != 1 || h.Len() != 4 || h.Completion(0) != 2 || h.Invocation(1) != -1 || h.Invocation(3) != -1 {
		t.Fatalf("want one made-up invocation paired with the :ok stop and both infos bare, got %d made up, completion of 0 is %d", h.StartInvokes(), h.Completion(0))
	}
	pairingHolds(t, h.Filter(func(op Op) bool { return op.F == "stop" }))
}
