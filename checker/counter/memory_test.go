package counter

import (
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/histbuild"
)

// A streamed counter check holds the bounds and the ops in flight, not the
// history: a history thirty times longer leaves no more on the heap
// (the batch check would hold every op, about 100 bytes each).
func TestCounterStreamMemoryStaysFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 300k operations")
	}
	small, v1 := histbuild.StreamHeap(t, Checker(), simulation(1, 10_000))
	large, v2 := histbuild.StreamHeap(t, Checker(), simulation(1, 300_000))
	t.Logf("live heap after streaming 10k operations: %d KB; 300k operations: %d KB", small/1024, large/1024)
	if v1 != checker.Valid || v2 != checker.Valid {
		t.Fatalf("verdicts %v and %v on correct counters", v1, v2)
	}
	if large > small+512*1024 {
		t.Fatalf("the live heap grew from %d KB to %d KB with the history", small/1024, large/1024)
	}
}
