package elle

import (
	"context"
	"slices"
	"testing"

	"github.com/faultline/faultline/checker/elle/consistency"
	"github.com/faultline/faultline/checker/elle/graph"
	"github.com/faultline/faultline/checker/elle/txnsim"
	"github.com/faultline/faultline/history"
)

// TestCycleClassesAgainstBruteForce checks the cycle search, and the
// naming of what it finds, against an enumeration of every simple cycle of
// small dependency graphs (list-append and rw-register) with real-time order written out edge by edge
// (not through the time-point chain the checker uses). For each history the
// anomaly classes the checker reports, closed under implication, must be
// exactly those of the enumerated cycles: a class the enumeration finds and
// the checker misses is a false "valid"; one the checker reports that no
// simple cycle has is a misnamed cycle.
func TestCycleClassesAgainstBruteForce(t *testing.T) {
	behaviours := []txnsim.Behaviour{txnsim.Serializable, txnsim.SnapshotIsolation, txnsim.ReadCommitted, txnsim.PrefixConsistent, txnsim.LostUpdate, txnsim.StrictSerializable}
	// Seed 496 of the larger shape once made the search return a walk
	// through one transaction twice, named as a cycle no simple one has.
	seeds := 500
	if testing.Short() {
		seeds = 100
	}
	shapes := []struct{ txns, processes, keys int }{{7, 3, 2}, {8, 4, 3}}
	for _, w := range []txnsim.Workload{txnsim.ListAppend, txnsim.RWRegister} {
		for _, b := range behaviours {
			for _, sh := range shapes {
				for seed := 0; seed < seeds; seed++ {
					c := txnsim.Config{Seed: uint64(seed), Txns: sh.txns, Processes: sh.processes, ActiveKeys: sh.keys, Workload: w, Behaviour: b, InfoFraction: 0.15, Latency: 1_000_000, Lag: 6_000_000}
					checkCycleClasses(t, c)
				}
			}
		}
	}
}

// checkCycleClasses compares the checker with the enumeration on one
// simulated history.
func checkCycleClasses(t *testing.T, c txnsim.Config) {
	t.Helper()
	h := simulate(t, c)
	o := Options{}
	if c.Workload == txnsim.RWRegister {
		o = registerOptions
	}
	want := bruteForceClasses(t, h, c.Workload, o)
	_, rep, err := analyzerFor(c.Workload)(context.Background(), h, o)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, typ := range rep.AnomalyTypes {
		if isCycleClass(typ) {
			got = append(got, typ)
		}
	}
	if g := closure(got); !slices.Equal(g, want) {
		t.Fatalf("%s %s seed %d: checker's cycle classes (closed) %v, enumeration %v\n%s\n%s", c.Workload, c.Behaviour, c.Seed, g, want, dumpHistory(h), dump(rep))
	}
}

func isCycleClass(typ string) bool {
	for _, c := range consistency.CycleClasses {
		if typ == c || typ == consistency.Process(c) || typ == consistency.Realtime(c) {
			return true
		}
	}
	return false
}

// closure is every class implied by classes, sorted.
func closure(classes []string) []string {
	var out []string
	for _, c := range classes {
		for _, d := range consistency.Implied(c) {
			if !slices.Contains(out, d) && isCycleClass(d) {
				out = append(out, d)
			}
		}
	}
	slices.Sort(out)
	return out
}

// bruteForceClasses builds the checker's dependency graph of a small
// list-append history, replaces its real-time chain with explicit edges
// (a completed ok before b was invoked), enumerates every simple cycle
// with every choice of relation per edge, and returns the classes found,
// closed under implication.
func bruteForceClasses(t *testing.T, h *history.History, w txnsim.Workload, o Options) []string {
	t.Helper()
	spec := listAppendSpec
	if w == txnsim.RWRegister {
		spec = rwRegisterSpec
	}
	a, err := parse(h, spec, &o)
	if err != nil {
		t.Fatal(err)
	}
	a.b = graph.NewBuilder(len(a.txns), 16)
	if w == txnsim.RWRegister {
		analyzeRWRegister(a)
	} else {
		analyzeListAppend(a)
	}
	a.addOrders(graph.Data | graph.Process)
	g := a.b.Build()
	n := int32(len(a.txns))
	rel := make([][]graph.Rel, n)
	for i := range rel {
		rel[i] = make([]graph.Rel, n)
	}
	for u := int32(0); u < n; u++ {
		to, rs := g.Out(u)
		for i, v := range to {
			if v < n {
				rel[u][v] |= rs[i]
			}
		}
	}
	for u := int32(0); u < n; u++ {
		for v := int32(0); v < n; v++ {
			tu, tv := a.txns[u], a.txns[v]
			if u != v && tu.status == committed && tv.status != aborted && tu.complete < tv.invoke {
				rel[u][v] |= graph.Realtime
			}
		}
	}
	var classes []string
	var path []int32
	var walk func(start, u int32)
	walk = func(start, u int32) {
		for v := start; v < n; v++ {
			if rel[u][v] == 0 {
				continue
			}
			if v == start {
				labelCycles(rel, append(path, u), func(c string) {
					if !slices.Contains(classes, c) {
						classes = append(classes, c)
					}
				})
				continue
			}
			if v > start && !slices.Contains(path, v) && v != u {
				path = append(path, u)
				walk(start, v)
				path = path[:len(path)-1]
			}
		}
	}
	for s := int32(0); s < n; s++ {
		walk(s, s)
	}
	return closure(classes)
}

// labelCycles calls found with the class of the cycle through nodes (in
// order, closing back to the first) for every choice of one relation per
// edge.
func labelCycles(rel [][]graph.Rel, nodes []int32, found func(string)) {
	steps := make([]graph.Step, len(nodes))
	var choose func(i int)
	choose = func(i int) {
		if i == len(nodes) {
			found(classify(steps))
			return
		}
		u, v := nodes[i], nodes[(i+1)%len(nodes)]
		for _, r := range graph.Rels {
			if rel[u][v]&r != 0 {
				steps[i] = graph.Step{From: u, To: v, Rel: r}
				choose(i + 1)
			}
		}
	}
	choose(0)
}

// dumpHistory renders a history as Jepsen EDN, one op per line.
func dumpHistory(h *history.History) string {
	var b []byte
	for _, op := range h.All() {
		b = append(b, op.String()...)
		b = append(b, '\n')
	}
	return string(b)
}
