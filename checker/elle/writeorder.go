package elle

import (
	"context"
	"fmt"
	"slices"

	"github.com/faultline/faultline/checker/elle/consistency"
	"github.com/faultline/faultline/checker/elle/graph"
)

// unorderedKey is a key whose writes by several transactions nothing in
// the history orders (list-append: appends no read shows), and those
// transactions, each once.
type unorderedKey struct {
	key  int32
	txns []int32
}

// maxOrders bounds the orders tried one by one (a cycle search each): the
// product, over unordered keys, of the ways to order their transactions;
// maxOrderWork bounds that count times the graph's size.
const (
	maxOrders    = 5040
	maxOrderWork = 50_000_000
)

// orderCount is how many orders orderings would try, or -1 past maxOrders.
func orderCount(keys []unorderedKey) int {
	n := 1
	for _, k := range keys {
		for i := 2; i <= len(k.txns); i++ {
			if n *= i; n > maxOrders {
				return -1
			}
		}
	}
	return n
}

// orderings tries every order of the unordered keys' writes: each is the
// graph plus a chain of ww edges per key, searched for cycles as the
// history's own graph was. It returns nil if some order leaves no anomaly
// the requirement forbids (as far as cycles go, the history is explained:
// the real order is one of these), else the forbidden cycles of the first
// order, whose added ww edges say what they are; decided is false when a
// search gave up.
func orderings(ctx context.Context, cs *cycleSearch, keys []unorderedKey, req *consistency.Requirement) (forbidden []Anomaly, decided bool) {
	orders := make([][][]int32, len(keys))
	for i, k := range keys {
		orders[i] = permutations(k.txns)
	}
	pick := make([]int, len(keys))
	for {
		bad, ok := tryOrder(ctx, cs, keys, orders, pick, req)
		switch {
		case !ok:
			return nil, false
		case len(bad) == 0:
			return nil, true
		case forbidden == nil:
			forbidden = bad
		}
		i := 0
		for ; i < len(pick); i++ {
			if pick[i]++; pick[i] < len(orders[i]) {
				break
			}
			pick[i] = 0
		}
		if i == len(pick) {
			return forbidden, true
		}
	}
}

// tryOrder searches the graph with one order per key (orders[i][pick[i]])
// and returns the forbidden cycles found; ok is false if the search gave
// up.
func tryOrder(ctx context.Context, cs *cycleSearch, keys []unorderedKey, orders [][][]int32, pick []int, req *consistency.Requirement) ([]Anomaly, bool) {
	b := graph.NewBuilder(cs.g.N(), cs.g.EdgeCount()+len(keys)*2)
	for v := range int32(cs.g.N()) {
		to, rels := cs.g.Out(v)
		for i, w := range to {
			b.Add(v, w, rels[i])
		}
	}
	ex := &orderedExplainer{a: cs.a, inner: cs.ex, keys: map[[2]int32]int32{}}
	for i, k := range keys {
		chain := orders[i][pick[i]]
		for j := 1; j < len(chain); j++ {
			b.Add(chain[j-1], chain[j], graph.WW)
			ex.keys[[2]int32{chain[j-1], chain[j]}] = k.key
		}
	}
	try := *cs
	try.g, try.ex, try.timeouts, try.sub, try.subs, try.subMask = b.Build(), ex, nil, nil, nil, 0
	cycles, err := try.run(ctx)
	if err != nil || len(try.timeouts) > 0 {
		return nil, false
	}
	var bad []Anomaly
	for _, c := range cycles {
		if req.Violates(c.Type) {
			bad = append(bad, c)
		}
	}
	return bad, true
}

// permutations lists every order of xs.
func permutations(xs []int32) [][]int32 {
	if len(xs) <= 1 {
		return [][]int32{slices.Clone(xs)}
	}
	var out [][]int32
	for i := range xs {
		rest := append(slices.Clone(xs[:i]), xs[i+1:]...)
		for _, p := range permutations(rest) {
			out = append(out, append([]int32{xs[i]}, p...))
		}
	}
	return out
}

// orderedExplainer explains the ww edges orderings adds between appends
// no read shows, and leaves every other edge to the workload's explainer.
type orderedExplainer struct {
	a     *analysis
	inner explainer
	keys  map[[2]int32]int32 // added edge -> its key
}

func (e *orderedExplainer) explain(from, to int32, rel graph.Rel, f, t string) string {
	if k, ok := e.keys[[2]int32{from, to}]; ok && rel == graph.WW {
		return fmt.Sprintf("%s and %s both appended to key %s and no read shows either append, so nothing orders them; take %s's first (every other order closes a forbidden cycle too)", f, t, edn(e.a.keyValue(k)), f)
	}
	return e.inner.explain(from, to, rel, f, t)
}
