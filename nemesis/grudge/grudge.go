// Package grudge computes network partitions as data. A Grudge maps each node
// to the set of nodes it refuses traffic from; the partition nemesis turns a
// grudge into firewall rules on each node. Shapes follow Jepsen's: halves,
// one node isolated, majorities ring, bridge, minority third, primaries
// isolated. Everything here is pure; randomness comes from the caller.
package grudge

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
)

// Grudge maps a node to the nodes it drops traffic from. A node absent from
// the map (or mapped to nothing) accepts traffic from everyone.
type Grudge map[string][]string

// Blocks reports whether to drops traffic coming from from.
func (g Grudge) Blocks(to, from string) bool { return slices.Contains(g[to], from) }

// Pairs returns every (to, from) pair the grudge blocks, sorted.
func (g Grudge) Pairs() [][2]string {
	var out [][2]string
	for to, froms := range g {
		for _, f := range froms {
			out = append(out, [2]string{to, f})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i][0] != out[j][0] {
			return out[i][0] < out[j][0]
		}
		return out[i][1] < out[j][1]
	})
	return out
}

// String renders the grudge deterministically, e.g. "n1 drops n3,n4; n2 drops n3,n4".
func (g Grudge) String() string {
	keys := make([]string, 0, len(g))
	for k, v := range g {
		if len(v) > 0 {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		froms := slices.Clone(g[k])
		sort.Strings(froms)
		parts[i] = k + " drops " + strings.Join(froms, ",")
	}
	if len(parts) == 0 {
		return "fully connected"
	}
	return strings.Join(parts, "; ")
}

// Complete returns the grudge in which no node talks to any node outside its
// own component. Nodes listed in no component are untouched.
func Complete(components ...[]string) Grudge {
	g := make(Grudge)
	for i, c := range components {
		for _, node := range c {
			var others []string
			for j, d := range components {
				if j != i {
					others = append(others, d...)
				}
			}
			sort.Strings(others)
			g[node] = others
		}
	}
	return g
}

// Invert turns a map of node -> nodes it CAN reach into the grudge of node ->
// every other node of nodes it cannot.
func Invert(nodes []string, reachable map[string][]string) Grudge {
	g := make(Grudge)
	for _, n := range nodes {
		var drop []string
		for _, m := range nodes {
			if m != n && !slices.Contains(reachable[n], m) {
				drop = append(drop, m)
			}
		}
		g[n] = drop
	}
	return g
}

// Bisect cuts nodes in two, the smaller half first.
func Bisect(nodes []string) (small, large []string) {
	k := len(nodes) / 2
	return slices.Clone(nodes[:k]), slices.Clone(nodes[k:])
}

// Halves partitions the nodes into two halves in the order given.
func Halves(nodes []string) Grudge {
	a, b := Bisect(nodes)
	return Complete(a, b)
}

// RandomHalves partitions a random permutation of the nodes into halves.
func RandomHalves(nodes []string, r *rand.Rand) Grudge { return Halves(shuffled(nodes, r)) }

// IsolateOne cuts one randomly chosen node off from all the others.
func IsolateOne(nodes []string, r *rand.Rand) Grudge {
	loner := nodes[r.IntN(len(nodes))]
	return IsolateNodes(nodes, loner)
}

// IsolateNodes puts each of the given nodes in a component of its own and
// keeps the rest together: used for one node, and for primaries.
func IsolateNodes(nodes []string, isolated ...string) Grudge {
	var comps [][]string
	var rest []string
	for _, n := range nodes {
		if slices.Contains(isolated, n) {
			comps = append(comps, []string{n})
		} else {
			rest = append(rest, n)
		}
	}
	if len(rest) > 0 {
		comps = append(comps, rest)
	}
	return Complete(comps...)
}

// MajoritiesRing arranges the nodes in a random ring and lets each node see
// the majority that starts at it: every node sees a majority, and no two
// nodes see the same one (for 5 nodes or more; with fewer there are not
// enough distinct majorities and some repeat).
func MajoritiesRing(nodes []string, r *rand.Rand) Grudge {
	ring := shuffled(nodes, r)
	n := len(ring)
	m := Majority(n)
	reach := make(map[string][]string, n)
	for i, node := range ring {
		for k := 1; k < m; k++ {
			reach[node] = append(reach[node], ring[(i+k)%n])
		}
	}
	return Invert(nodes, reach)
}

// Bridge cuts the nodes in half (in the order given) but keeps one node, the
// first of the larger half, connected to both halves.
func Bridge(nodes []string) Grudge {
	a, b := Bisect(nodes)
	if len(b) == 0 {
		return Grudge{}
	}
	bridge := b[0]
	g := Complete(a, b)
	delete(g, bridge)
	for n, froms := range g {
		g[n] = slices.DeleteFunc(froms, func(x string) bool { return x == bridge })
	}
	return g
}

// MinorityThird cuts off a random group of the largest size strictly less
// than a third of the nodes (useful for Byzantine fault-tolerant systems).
func MinorityThird(nodes []string, r *rand.Rand) Grudge {
	k := MinorityThirdSize(len(nodes))
	s := shuffled(nodes, r)
	return Complete(s[:k], s[k:])
}

// Majority is the smallest number of nodes that is more than half of n.
func Majority(n int) int { return n/2 + 1 }

// MinorityThirdSize is the largest integer strictly less than n/3.
func MinorityThirdSize(n int) int { return (n - 1) / 3 }

// Shape names a grudge computed from the node list, for fault packages and
// the CLI. Primaries needs the current primaries, which only the DB knows.
type Shape string

const (
	ShapeHalves         Shape = "halves"
	ShapeRandomHalves   Shape = "random-halves"
	ShapeOne            Shape = "one"
	ShapeMajoritiesRing Shape = "majorities-ring"
	ShapeBridge         Shape = "bridge"
	ShapeMinorityThird  Shape = "minority-third"
	ShapePrimaries      Shape = "primaries"
)

// Shapes lists every shape name.
var Shapes = []Shape{ShapeHalves, ShapeRandomHalves, ShapeOne, ShapeMajoritiesRing, ShapeBridge, ShapeMinorityThird, ShapePrimaries}

// Of computes the grudge of a shape. primaries is used only by ShapePrimaries.
func Of(shape Shape, nodes []string, primaries []string, r *rand.Rand) (Grudge, error) {
	if len(nodes) == 0 {
		return nil, fmt.Errorf("grudge %s: no nodes", shape)
	}
	switch shape {
	case ShapeHalves:
		return Halves(nodes), nil
	case ShapeRandomHalves:
		return RandomHalves(nodes, r), nil
	case ShapeOne:
		return IsolateOne(nodes, r), nil
	case ShapeMajoritiesRing:
		return MajoritiesRing(nodes, r), nil
	case ShapeBridge:
		return Bridge(shuffled(nodes, r)), nil
	case ShapeMinorityThird:
		return MinorityThird(nodes, r), nil
	case ShapePrimaries:
		if len(primaries) == 0 {
			return nil, fmt.Errorf("grudge primaries: the database reported no primaries")
		}
		return IsolateNodes(nodes, primaries...), nil
	}
	return nil, fmt.Errorf("unknown partition shape %q: expected one of %v", shape, Shapes)
}

func shuffled(nodes []string, r *rand.Rand) []string {
	s := slices.Clone(nodes)
	r.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
	return s
}
