package elle

import (
	"reflect"
	"testing"

	"github.com/faultline/faultline/checker/elle/consistency"
	"github.com/faultline/faultline/checker/elle/graph"
)

// A G-single cycle whose two ends are strongly connected only through its
// rw edge: the search must not prune its start edge away. Here T4 read y
// before T1's append (rw), T2 read T1's append (wr), and process 2 ran T2,
// T3 and T4 in that order. T2 also read z before T3's append, so the same
// ring with two rw edges (a G-nonadjacent cycle) is found first by a search
// that allows them; the checker once reported only that weaker anomaly,
// which a model forbidding G-single but not G-nonadjacent would let pass.
func TestGSingleWhoseEndsConnectOnlyThroughItsRWEdge(t *testing.T) {
	txs := []tx{ok(0, ap(y, 1)), ok(2, r(y, 1), r(x)), ok(2, ap(x, 1)), ok(2, r(y))}
	order := "i0 i1 c1 i2 c2 i3 c3 c0"
	expect(t, AnalyzeListAppend, txs, order, models("strong-session-serializable"),
		want{Invalid, []string{consistency.Process(consistency.GSingleItem)}, []int{0, 1, 2, 3}, []string{"T4 read key 2 = [], which does not yet have 1, which T1 appended next", "process 2 ran T3 and then T4"}, "", false})
	// The twin: T4 sees T1's append, and no cycle remains.
	txs[3] = ok(2, r(y, 1))
	expect(t, AnalyzeListAppend, txs, order, models("strong-session-serializable"), want{valid: Valid})
}

func TestSimpleCyclesSplitsAClosedWalk(t *testing.T) {
	st := func(from, to int32) graph.Step { return graph.Step{From: from, To: to, Rel: graph.WW} }
	// 0 -> 1 -> 2 -> 1 -> 0: the loop through 2, then the rest.
	got := simpleCycles([]graph.Step{st(0, 1), st(1, 2), st(2, 1), st(1, 0)})
	want := [][]graph.Step{{st(1, 2), st(2, 1)}, {st(0, 1), st(1, 0)}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("simpleCycles = %v, want %v", got, want)
	}
	// A simple cycle comes back whole.
	ring := []graph.Step{st(0, 1), st(1, 2), st(2, 0)}
	if got := simpleCycles(ring); !reflect.DeepEqual(got, [][]graph.Step{ring}) {
		t.Fatalf("simpleCycles(ring) = %v", got)
	}
}
