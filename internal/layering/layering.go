// Package layering checks import rules over a package graph: each rule names
// the packages it is about, the imports they must not reach (directly or
// through other packages), and why. A breach is reported at the edge that
// makes it, the package that imports the forbidden one directly, with the
// chain that leads there from each package the rule is about, because that
// importer is where the fix goes.
//
// The rules of DESIGN.md themselves, and the test that runs them over
// `go list -deps`, are in layering_test.go: one table in one test. This file
// is the engine, pure (a graph in, breaches out), so its own tests can run
// it over small made-up graphs.
package layering

import (
	"fmt"
	"slices"
	"strings"
)

// Rule forbids the packages matching Packages (but not Except) to reach any
// package matching Forbid (but not Allow). Patterns are import paths; one
// ending in "/..." also matches every package below it.
type Rule struct {
	Packages, Except []string
	Forbid, Allow    []string
	Why              string
}

// Graph maps each package's import path to the import paths it imports
// directly. Packages missing from it import nothing.
type Graph map[string][]string

// Breach is one forbidden import: Importer imports Forbidden directly, and
// Chains lead to it from each package of the rule that reaches it (shortest
// chain first per package, packages sorted).
type Breach struct {
	Rule      *Rule
	Importer  string
	Forbidden string
	Chains    [][]string
}

// Match reports whether path matches pattern.
func Match(pattern, path string) bool {
	if dir, ok := strings.CutSuffix(pattern, "/..."); ok {
		return path == dir || strings.HasPrefix(path, dir+"/")
	}
	return path == pattern
}

func matchAny(patterns []string, path string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return Match(p, path) })
}

// Applies reports whether r is about pkg.
func (r *Rule) Applies(pkg string) bool {
	return matchAny(r.Packages, pkg) && !matchAny(r.Except, pkg)
}

func (r *Rule) forbids(pkg string) bool {
	return matchAny(r.Forbid, pkg) && !matchAny(r.Allow, pkg)
}

// Check runs every rule over every package in pkgs (those the rules may be
// about; the graph may hold more, such as the standard library) and returns
// the breaches, grouped by rule, importer and forbidden package, in the
// order of rules and then of first discovery. A walk does not go past a
// forbidden package: what it imports in turn is its own business.
func Check(g Graph, pkgs []string, rules []Rule) []Breach {
	var out []Breach
	for i := range rules {
		r := &rules[i]
		index := map[[2]string]int{} // importer, forbidden -> position in out
		for _, root := range slices.Sorted(slices.Values(pkgs)) {
			if !r.Applies(root) {
				continue
			}
			for _, chain := range forbiddenChains(g, root, r) {
				key := [2]string{chain[len(chain)-2], chain[len(chain)-1]}
				k, seen := index[key]
				if !seen {
					k = len(out)
					index[key] = k
					out = append(out, Breach{Rule: r, Importer: key[0], Forbidden: key[1]})
				}
				out[k].Chains = append(out[k].Chains, chain)
			}
		}
	}
	return out
}

// forbiddenChains walks g breadth first from root and returns, for each
// forbidden package it reaches, the shortest chain root -> ... -> forbidden.
func forbiddenChains(g Graph, root string, r *Rule) [][]string {
	parent := map[string]string{root: ""}
	queue := []string{root}
	var out [][]string
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, imp := range g[p] {
			if _, seen := parent[imp]; seen {
				continue
			}
			parent[imp] = p
			if r.forbids(imp) {
				var chain []string
				for q := imp; q != ""; q = parent[q] {
					chain = append(chain, q)
				}
				slices.Reverse(chain)
				out = append(out, chain)
				continue
			}
			queue = append(queue, imp)
		}
	}
	return out
}

// Format says who imports what, why that is forbidden, and from where the
// rule's packages reach it; trim shortens import paths (the module's prefix).
func (b Breach) Format(trim func(string) string) string {
	var s strings.Builder
	fmt.Fprintf(&s, "%s imports %s: %s", trim(b.Importer), trim(b.Forbidden), b.Rule.Why)
	const shown = 3
	for i, c := range b.Chains {
		if i == shown {
			fmt.Fprintf(&s, "\n\t... and %d more", len(b.Chains)-shown)
			break
		}
		names := make([]string, len(c))
		for j, p := range c {
			names[j] = trim(p)
		}
		fmt.Fprintf(&s, "\n\treached from %s: %s", names[0], strings.Join(names, " -> "))
	}
	return s.String()
}
