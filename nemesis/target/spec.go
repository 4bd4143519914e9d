// Package target says which nodes a fault hits. A Spec is what a user or a
// fault package writes ("one", "minority", "majority", "minority-third",
// "primaries", "all", "random", or an explicit list such as "n1+n3"); Resolve
// turns it into node names with randomness the caller owns, so a seed
// reproduces the choice; Picker resolves specs against a running test's
// nodes and DB (which alone knows the primaries).
package target

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Kind is the shape of a target spec.
type Kind string

const (
	One           Kind = "one"            // one random node
	Minority      Kind = "minority"       // a random minority: majority(n)-1 nodes
	Majority      Kind = "majority"       // a random majority: n/2+1 nodes
	MinorityThird Kind = "minority-third" // the largest random group smaller than n/3
	Primaries     Kind = "primaries"      // the nodes the DB reports as primaries
	All           Kind = "all"            // every node
	Random        Kind = "random"         // a random non-empty subset
	List          Kind = "list"           // the nodes named in Spec.Nodes
)

// Kinds lists the kinds a spec can name by word (List is written as names).
var Kinds = []Kind{One, Minority, Majority, MinorityThird, Primaries, All, Random}

// Spec is one target spec.
type Spec struct {
	Kind  Kind
	Nodes []string // only for List
}

// Parse reads a spec: one of the Kinds by name, or node names joined by "+"
// (a single node name is a list of one). Commas are left to the caller, who
// uses them to separate several specs.
func Parse(s string) (Spec, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Spec{}, fmt.Errorf("empty target spec: expected one of %s, or node names joined by +", kindNames())
	}
	if slices.Contains(Kinds, Kind(s)) {
		return Spec{Kind: Kind(s)}, nil
	}
	var nodes []string
	for i, n := range strings.Split(s, "+") {
		n = strings.TrimSpace(n)
		if n == "" || strings.ContainsAny(n, " \t,") {
			return Spec{}, fmt.Errorf("target spec %q: node %d of the list is %q: expected one of %s, or node names joined by +", s, i+1, n, kindNames())
		}
		nodes = append(nodes, n)
	}
	return Spec{Kind: List, Nodes: nodes}, nil
}

// ParseList reads several specs separated by commas, as --nemesis-targets
// takes them.
func ParseList(s string) ([]Spec, error) {
	var out []Spec
	for i, part := range strings.Split(s, ",") {
		sp, err := Parse(part)
		if err != nil {
			return nil, fmt.Errorf("target %d of %q: %w", i+1, s, err)
		}
		out = append(out, sp)
	}
	return out, nil
}

// MustParse is Parse for specs written in code; it panics on a bad spec.
func MustParse(s string) Spec {
	sp, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return sp
}

// String writes the spec back in the form Parse reads.
func (s Spec) String() string {
	if s.Kind == List {
		return strings.Join(s.Nodes, "+")
	}
	return string(s.Kind)
}

// Resolve picks the spec's nodes from nodes, returned in the order of nodes.
// primaries is used only by Primaries; r supplies every random choice.
// A list naming a node that is not in nodes is an error, and so is a spec
// that comes out empty (no primaries, no nodes).
func (s Spec) Resolve(nodes, primaries []string, r *rand.Rand) ([]string, error) {
	if len(nodes) == 0 {
		return nil, fmt.Errorf("target %s: no nodes to choose from", s)
	}
	var pick []string
	switch s.Kind {
	case One:
		pick = randomK(nodes, 1, r)
	case Minority:
		pick = randomK(nodes, len(nodes)/2+1-1, r)
	case Majority:
		pick = randomK(nodes, len(nodes)/2+1, r)
	case MinorityThird:
		pick = randomK(nodes, (len(nodes)-1)/3, r)
	case All:
		pick = slices.Clone(nodes)
	case Random:
		pick = randomK(nodes, 1+r.IntN(len(nodes)), r)
	case Primaries:
		for _, p := range primaries {
			if !slices.Contains(nodes, p) {
				return nil, fmt.Errorf("target primaries: the database named %q as a primary, which is not one of the nodes %s", p, strings.Join(nodes, ","))
			}
		}
		pick = slices.Clone(primaries)
	case List:
		for _, n := range s.Nodes {
			if !slices.Contains(nodes, n) {
				return nil, fmt.Errorf("target %s: %q is not one of the nodes %s", s, n, strings.Join(nodes, ","))
			}
		}
		pick = slices.Clone(s.Nodes)
	default:
		return nil, fmt.Errorf("target spec of unknown kind %q: expected one of %s, or a list", s.Kind, kindNames())
	}
	if len(pick) == 0 {
		return nil, fmt.Errorf("target %s of %d nodes is empty", s, len(nodes))
	}
	return inOrder(pick, nodes), nil
}

// randomK returns k distinct random nodes.
func randomK(nodes []string, k int, r *rand.Rand) []string {
	perm := r.Perm(len(nodes))
	out := make([]string, k)
	for i := range k {
		out[i] = nodes[perm[i]]
	}
	return out
}

// inOrder sorts pick by position in nodes and drops repeats.
func inOrder(pick, nodes []string) []string {
	var out []string
	for _, n := range nodes {
		if slices.Contains(pick, n) {
			out = append(out, n)
		}
	}
	return out
}

func kindNames() string {
	s := make([]string, len(Kinds))
	for i, k := range Kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}
