package txnsim

import (
	"slices"
	"testing"

	"github.com/faultline/faultline/history"
)

// listRead is one ok read of a list: when it was invoked and completed,
// and what it returned.
type listRead struct {
	invoke, complete int
	list             []any
}

// readsOf returns the ok reads of key k in h, and the values ok
// transactions appended to it.
func readsOf(t *testing.T, h *history.History, k int64) (reads []listRead, acked []any) {
	t.Helper()
	for pos, op := range h.All() {
		if op.Type != history.OK {
			continue
		}
		for _, m := range op.Value.([]any) {
			mop := m.([]any)
			if mop[1] != any(k) {
				continue
			}
			if mop[0] == any(history.Keyword("append")) {
				acked = append(acked, mop[2])
			} else {
				reads = append(reads, listRead{h.Invocation(pos), pos, mop[2].([]any)})
			}
		}
	}
	return reads, acked
}

func TestFinalReads(t *testing.T) {
	h, err := Generate(Config{Seed: 3, Txns: 30, Processes: 3, ActiveKeys: 3, FinalReads: true, InfoFraction: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	if h.Len() != 62 {
		t.Fatalf("%d ops, want 62: the 30 transactions and the final read", h.Len())
	}
	last := h.At(h.Len() - 1)
	inv := h.Invocation(h.Len() - 1)
	if inv != h.Len()-2 || last.Type != history.OK {
		t.Fatalf("the final read should be invoked after every other op and complete ok: invoked at %d, %s", inv, last)
	}
	var keys []any
	for _, op := range h.Ops()[:inv] {
		if op.Process == last.Process {
			t.Fatalf("the final read's process %d also ran %s", last.Process, op)
		}
		for _, m := range op.Value.([]any) {
			if k := m.([]any)[1]; !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	mops := last.Value.([]any)
	if len(mops) != len(keys) {
		t.Fatalf("final read %v, want a read of each of the %d keys used", mops, len(keys))
	}
	for _, m := range mops {
		if mop := m.([]any); mop[0] != any(history.Keyword("r")) || !slices.Contains(keys, mop[1]) {
			t.Errorf("final micro-op %v is not a read of a used key", mop)
		}
	}
}

func TestLostAppends(t *testing.T) {
	missing, middle := 0, 0
	for seed := uint64(1); seed <= 5; seed++ {
		h, err := Generate(Config{Seed: seed, Txns: 100, Processes: 4, ActiveKeys: 1, Behaviour: LostAppends, LossFraction: 0.3, FinalReads: true})
		if err != nil {
			t.Fatal(err)
		}
		reads, acked := readsOf(t, h, 0)
		final := reads[len(reads)-1].list
		for _, v := range acked {
			if !slices.Contains(final, v) {
				missing++
			}
		}
		// A write lost in the middle: some earlier read shows elements
		// that a later one lacks, while that later one shows more after.
		for _, a := range reads {
			for _, b := range reads {
				if a.complete < b.invoke && len(b.list) > len(a.list) && !slices.Equal(a.list, b.list[:len(a.list)]) {
					middle++
				}
			}
		}
	}
	if missing == 0 || middle == 0 {
		t.Fatalf("%d acknowledged appends missing from final reads, %d reads that lost a middle element: want both", missing, middle)
	}
	h, _ := Generate(Config{Seed: 1, Txns: 100, Processes: 4, ActiveKeys: 1, Behaviour: LostAppends, LossFraction: 1e-12, FinalReads: true})
	reads, acked := readsOf(t, h, 0)
	if final := reads[len(reads)-1].list; len(final) != len(acked) {
		t.Errorf("without losses the final read %v should show all %d acknowledged appends", final, len(acked))
	}
}

func TestStaleReads(t *testing.T) {
	stale := func(frac float64) int {
		n := 0
		for seed := uint64(1); seed <= 5; seed++ {
			h, err := Generate(Config{Seed: seed, Txns: 100, Processes: 4, ActiveKeys: 1, Behaviour: StaleReads, StaleFraction: frac})
			if err != nil {
				t.Fatal(err)
			}
			reads, _ := readsOf(t, h, 0)
			for _, a := range reads {
				for _, b := range reads {
					if a.complete < b.invoke && len(b.list) < len(a.list) {
						n++
					}
				}
			}
		}
		return n
	}
	if n := stale(0.3); n == 0 {
		t.Error("no read, begun after another completed, showed less than it: reads are not stale")
	}
	if n := stale(1e-12); n != 0 {
		t.Errorf("%d reads went back in time with (almost) no stale reads asked for", n)
	}
}
