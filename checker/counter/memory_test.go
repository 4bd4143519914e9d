package counter

import (
	"runtime"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
)

// heapAfterStreaming feeds a simulated history of n operations to a counter
// stream, op by op as `faultline check` reads a file, and returns the live
// heap (after a collection) while the stream still holds its state, and the
// stream's verdict.
func heapAfterStreaming(t *testing.T, n int) (uint64, checker.Validity) {
	t.Helper()
	st := Checker().NewStream()
	var p checker.Pairer
	simulation(1, n).Emit(func(op history.Op) {
		e, err := p.Pair(op)
		if err != nil {
			t.Fatal(err)
		}
		st.Add(e)
	})
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	v := st.Result().Valid
	runtime.KeepAlive(st)
	return m.HeapAlloc, v
}

// A streamed counter check holds the bounds and the ops in flight, not the
// history: a history a hundred times longer leaves no more on the heap
// (the batch check would hold every op, about 100 bytes each).
func TestCounterStreamMemoryStaysFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates a million operations")
	}
	small, v1 := heapAfterStreaming(t, 10_000)
	large, v2 := heapAfterStreaming(t, 1_000_000)
	t.Logf("live heap after streaming 10k operations: %d KB; 1M operations: %d KB", small/1024, large/1024)
	if v1 != checker.Valid || v2 != checker.Valid {
		t.Fatalf("verdicts %v and %v on correct counters", v1, v2)
	}
	if large > small+512*1024 {
		t.Fatalf("the live heap grew from %d KB to %d KB with the history", small/1024, large/1024)
	}
}
