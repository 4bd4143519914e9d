package elle

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
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

// A G1c-realtime cycle over three keys, beside an unrelated G0 cycle, is
// found whatever ids the transactions get (and so whatever order the
// strongly connected components and their nodes come in).
func TestG1cRealtimeAcrossKeysInEveryOrder(t *testing.T) {
	const a, b = 3, 4
	base := []tx{
		ok(0, ap(x, 1)),           // T0, invoked after T2 completed
		ok(1, r(x, 1), ap(y, 1)),  // T1 reads T0's append, appends y
		ok(2, r(y, 1)),            // T2 reads T1's append, completes first
		ok(3, ap(a, 1), ap(b, 1)), // T3, T4: a G0 pair on keys a and b
		ok(4, ap(a, 2), ap(b, 2)),
		ok(5, r(a, 1, 2), r(b, 2, 1)),
	}
	events := "i1 i2 c2 i0 c0 c1 i3 i4 c3 c4 i5 c5"
	perm := []int{0, 1, 2, 3, 4, 5}
	var permute func(k int)
	permute = func(k int) {
		if k == len(perm) {
			txs := make([]tx, len(base))
			inv := make([]int, len(base))
			for i, p := range perm {
				txs[p] = base[i]
				inv[i] = p
			}
			var order []string
			for _, ev := range strings.Fields(events) {
				var i int
				fmt.Sscanf(ev[1:], "%d", &i)
				order = append(order, fmt.Sprintf("%c%d", ev[0], inv[i]))
			}
			_, rep, err := AnalyzeListAppend(context.Background(), build(t, txs, strings.Join(order, " ")), Options{})
			if err != nil || !slices.Contains(rep.AnomalyTypes, consistency.Realtime(consistency.G1c)) || !slices.Contains(rep.AnomalyTypes, consistency.G0) {
				t.Fatalf("ids %v: %v %v, want G0 and G1c-realtime", perm, rep.AnomalyTypes, err)
			}
			return
		}
		for i := k; i < len(perm); i++ {
			perm[k], perm[i] = perm[i], perm[k]
			permute(k + 1)
			perm[k], perm[i] = perm[i], perm[k]
		}
	}
	permute(0)
}
