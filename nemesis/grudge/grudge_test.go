package grudge

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
)

func nodesN(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("n%d", i+1)
	}
	return out
}

// reach returns, for each node, the set of nodes it accepts traffic from,
// itself included.
func reach(g Grudge, nodes []string) map[string][]string {
	out := make(map[string][]string)
	for _, a := range nodes {
		for _, b := range nodes {
			if !g.Blocks(a, b) {
				out[a] = append(out[a], b)
			}
		}
	}
	return out
}

// checkWellFormed asserts no node holds a grudge against itself or names a
// node outside the cluster.
func checkWellFormed(t *testing.T, g Grudge, nodes []string) {
	t.Helper()
	for to, froms := range g {
		if !slices.Contains(nodes, to) {
			t.Fatalf("grudge names unknown node %s", to)
		}
		for _, f := range froms {
			if f == to || !slices.Contains(nodes, f) {
				t.Fatalf("%s drops %s: self or unknown", to, f)
			}
		}
	}
}

// components asserts g is a complete grudge (symmetric, transitive
// connectivity) and returns the sizes of its components, sorted.
func components(t *testing.T, g Grudge, nodes []string) []int {
	t.Helper()
	r := reach(g, nodes)
	seen := map[string]bool{}
	var sizes []int
	for _, n := range nodes {
		if seen[n] {
			continue
		}
		comp := r[n]
		for _, m := range comp {
			if !slices.Equal(r[m], comp) {
				t.Fatalf("not a complete grudge: %s sees %v but %s sees %v", n, comp, m, r[m])
			}
			seen[m] = true
		}
		sizes = append(sizes, len(comp))
	}
	sort.Ints(sizes)
	return sizes
}

func TestHalvesCutEveryCrossPairBothWays(t *testing.T) {
	for n := 1; n <= 7; n++ {
		nodes := nodesN(n)
		g := Halves(nodes)
		checkWellFormed(t, g, nodes)
		sizes := components(t, g, nodes)
		want := []int{n / 2, n - n/2}
		if n/2 == 0 {
			want = []int{n}
		}
		if !slices.Equal(sizes, want) {
			t.Errorf("n=%d: component sizes %v, want %v", n, sizes, want)
		}
		small, _ := Bisect(nodes)
		for _, a := range nodes {
			for _, b := range nodes {
				cross := slices.Contains(small, a) != slices.Contains(small, b)
				if g.Blocks(a, b) != cross {
					t.Errorf("n=%d: %s blocks %s = %v, want %v", n, a, b, g.Blocks(a, b), cross)
				}
			}
		}
	}
}

func TestRandomShapesHaveTheRightComponentsForEverySeed(t *testing.T) {
	for n := 1; n <= 7; n++ {
		nodes := nodesN(n)
		for seed := uint64(0); seed < 50; seed++ {
			r := rand.New(rand.NewPCG(seed, 1))
			g := RandomHalves(nodes, r)
			checkWellFormed(t, g, nodes)
			if s := components(t, g, nodes); n > 1 && !slices.Equal(s, []int{n / 2, n - n/2}) {
				t.Fatalf("random halves n=%d: %v", n, s)
			}
			g = IsolateOne(nodes, r)
			checkWellFormed(t, g, nodes)
			if s := components(t, g, nodes); n > 1 && !slices.Equal(s, []int{1, n - 1}) {
				t.Fatalf("isolate one n=%d: %v", n, s)
			}
			g = MinorityThird(nodes, r)
			checkWellFormed(t, g, nodes)
			k := MinorityThirdSize(n)
			if s := components(t, g, nodes); k > 0 && !slices.Equal(s, []int{k, n - k}) {
				t.Fatalf("minority third n=%d: %v", n, s)
			}
		}
	}
}

func TestMinorityThirdIsStrictlyLessThanAThird(t *testing.T) {
	for n, want := range map[int]int{1: 0, 3: 0, 4: 1, 5: 1, 6: 1, 7: 2, 9: 2, 10: 3} {
		if got := MinorityThirdSize(n); got != want {
			t.Errorf("MinorityThirdSize(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestMajoritiesRingGivesEveryNodeADistinctMajority(t *testing.T) {
	for n := 3; n <= 7; n++ {
		nodes := nodesN(n)
		for seed := uint64(0); seed < 50; seed++ {
			g := MajoritiesRing(nodes, rand.New(rand.NewPCG(seed, 2)))
			checkWellFormed(t, g, nodes)
			seen := map[string]string{}
			for node, sees := range reach(g, nodes) {
				if len(sees) != Majority(n) {
					t.Fatalf("n=%d seed=%d: %s sees %v, not a majority of exactly %d", n, seed, node, sees, Majority(n))
				}
				key := strings.Join(sees, ",")
				if other, dup := seen[key]; dup && n >= 5 {
					t.Fatalf("n=%d: %s and %s see the same majority %s", n, node, other, key)
				}
				seen[key] = node
			}
		}
	}
}

func TestBridgeNodeSeesBothHalvesAndNobodyBlocksIt(t *testing.T) {
	for n := 3; n <= 7; n++ {
		nodes := nodesN(n)
		g := Bridge(nodes)
		checkWellFormed(t, g, nodes)
		small, large := Bisect(nodes)
		bridge := large[0]
		for _, a := range nodes {
			if g.Blocks(a, bridge) || g.Blocks(bridge, a) {
				t.Fatalf("n=%d: bridge %s cut from %s", n, bridge, a)
			}
			for _, b := range nodes {
				if a == bridge || b == bridge {
					continue
				}
				cross := slices.Contains(small, a) != slices.Contains(small, b)
				if g.Blocks(a, b) != cross {
					t.Fatalf("n=%d: %s blocks %s = %v, want %v", n, a, b, g.Blocks(a, b), cross)
				}
			}
		}
	}
}

func TestPrimariesAreEachIsolatedAndTheRestStayTogether(t *testing.T) {
	nodes := nodesN(5)
	g, err := Of(ShapePrimaries, nodes, []string{"n2", "n4"}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if s := components(t, g, nodes); !slices.Equal(s, []int{1, 1, 3}) {
		t.Fatalf("components %v", s)
	}
	if !g.Blocks("n2", "n4") || g.Blocks("n1", "n3") {
		t.Fatalf("grudge %s", g)
	}
	if _, err := Of(ShapePrimaries, nodes, nil, nil); err == nil {
		t.Fatal("primaries without primaries must fail")
	}
	if _, err := Of("sideways", nodes, nil, nil); err == nil || !strings.Contains(err.Error(), "expected one of") {
		t.Fatalf("unknown shape: %v", err)
	}
}

func TestInvertIsTheComplementOfReachability(t *testing.T) {
	nodes := nodesN(4)
	g := Invert(nodes, map[string][]string{"n1": {"n2"}, "n2": {"n1", "n3", "n4"}})
	if !slices.Equal(g["n1"], []string{"n3", "n4"}) || len(g["n2"]) != 0 || !slices.Equal(g["n3"], []string{"n1", "n2", "n4"}) {
		t.Fatalf("invert = %v", g)
	}
	if got := g.String(); got != "n1 drops n3,n4; n3 drops n1,n2,n4; n4 drops n1,n2,n3" {
		t.Fatalf("string = %q", got)
	}
	if len(g.Pairs()) != 8 {
		t.Fatalf("pairs = %v", g.Pairs())
	}
}
