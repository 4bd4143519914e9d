// Package consistency is the vocabulary of the Elle checker: the names of the
// anomalies it reports, which anomaly implies which (a G0 cycle is also a
// G1c cycle, a cycle without process edges is also one with them allowed),
// and the lattice of consistency models with the anomalies each forbids. From
// a set of found anomalies it tells which models are ruled out. It is data
// and set arithmetic only, so a reader can audit the claims in one place.
package consistency

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Anomaly names, as Elle prints them.
const (
	G0               = "G0"
	G1a              = "G1a" // aborted read
	G1b              = "G1b" // intermediate read
	G1c              = "G1c" // cycle of ww and wr edges
	G1               = "G1"  // any of G1a, G1b, G1c
	GSingle          = "G-single"
	GSingleItem      = "G-single-item"
	GNonadjacent     = "G-nonadjacent"
	GNonadjacentItem = "G-nonadjacent-item"
	G2Item           = "G2-item"
	G2               = "G2"

	Internal          = "internal"
	DirtyUpdate       = "dirty-update"
	DuplicateElements = "duplicate-elements"
	IncompatibleOrder = "incompatible-order"
	LostUpdate        = "lost-update"
	FutureRead        = "future-read"
	CyclicVersions    = "cyclic-versions"
	GarbageRead       = "garbage-read" // read a value nobody wrote

	// CycleSearchTimeout is not an anomaly but a verdict: a component's
	// cycle search ran out of budget, so the result is unknown.
	CycleSearchTimeout = "cycle-search-timeout"
)

// Cycle classes, weakest claim last. Each has -process and -realtime
// variants: the cycle needed process-order or realtime-order edges.
var CycleClasses = []string{G0, G1c, GSingleItem, GSingle, GNonadjacentItem, GNonadjacent, G2Item, G2}

// Process and Realtime name the variants of a cycle class.
func Process(class string) string  { return class + "-process" }
func Realtime(class string) string { return class + "-realtime" }

// direct implications between base anomalies: finding the key is finding
// each of its values.
var baseImplies = map[string][]string{
	G0:               {G1c},
	G1a:              {G1},
	G1b:              {G1},
	G1c:              {G1},
	GSingleItem:      {GSingle, GNonadjacentItem},
	GSingle:          {GNonadjacent},
	GNonadjacentItem: {GNonadjacent, G2Item},
	GNonadjacent:     {G2},
	G2Item:           {G2},
	LostUpdate:       {G2Item},
}

// implies is baseImplies extended to the variants: X => X-process =>
// X-realtime (a cycle found without an order is a cycle with it allowed),
// and X => Y gives X-process => Y-process and X-realtime => Y-realtime.
var implies = func() map[string][]string {
	m := map[string][]string{}
	for k, vs := range baseImplies {
		m[k] = append(m[k], vs...)
	}
	for _, c := range CycleClasses {
		m[c] = append(m[c], Process(c))
		m[Process(c)] = append(m[Process(c)], Realtime(c))
		for _, d := range baseImplies[c] {
			if slices.Contains(CycleClasses, d) {
				m[Process(c)] = append(m[Process(c)], Process(d))
				m[Realtime(c)] = append(m[Realtime(c)], Realtime(d))
			}
		}
	}
	return m
}()

// Implied returns a and everything a implies, transitively.
func Implied(a string) []string {
	seen := map[string]bool{a: true}
	out := []string{a}
	for i := 0; i < len(out); i++ {
		for _, b := range implies[out[i]] {
			if !seen[b] {
				seen[b] = true
				out = append(out, b)
			}
		}
	}
	return out
}

// model is one consistency model: the models directly weaker than it (it
// forbids everything they forbid) and the anomalies it forbids on top.
type model struct {
	weaker  []string
	forbids []string
}

// models is the lattice, after Adya, Cerone et al. and Elle. Only anomalies
// this checker can observe are listed; a model whose extra guarantee is not
// observable in these workloads (monotonic-atomic-view over read-committed,
// prefix over causal) forbids nothing on top of its weaker models. Causal's
// session order is not checked under causal itself: the lattice puts
// serializable above causal, and a serializable history may order a
// process's transactions against their session order, so the process-order
// cycles belong to the strong-session models only.
var models = map[string]model{
	"read-uncommitted":                  {nil, []string{G0, DuplicateElements, CyclicVersions, IncompatibleOrder, GarbageRead}},
	"read-committed":                    {[]string{"read-uncommitted"}, []string{G1a, G1b, G1c, DirtyUpdate}},
	"monotonic-atomic-view":             {[]string{"read-committed"}, nil},
	"read-atomic":                       {[]string{"monotonic-atomic-view"}, []string{Internal, FutureRead}},
	"causal":                            {[]string{"read-atomic"}, nil},
	"prefix":                            {[]string{"causal"}, nil},
	"parallel-snapshot-isolation":       {[]string{"causal"}, []string{LostUpdate}},
	"cursor-stability":                  {[]string{"read-committed"}, []string{LostUpdate}},
	"repeatable-read":                   {[]string{"cursor-stability"}, []string{G2Item, Internal}},
	"snapshot-isolation":                {[]string{"parallel-snapshot-isolation", "prefix"}, []string{Internal, GSingle, GNonadjacent, LostUpdate}},
	"serializable":                      {[]string{"repeatable-read", "snapshot-isolation"}, []string{G2}},
	"strong-session-snapshot-isolation": {[]string{"snapshot-isolation"}, []string{Process(G1c), Process(GNonadjacent)}},
	"strong-snapshot-isolation":         {[]string{"strong-session-snapshot-isolation"}, []string{Realtime(G1c), Realtime(GNonadjacent)}},
	"strong-session-serializable":       {[]string{"serializable", "strong-session-snapshot-isolation"}, []string{Process(G1c), Process(G2)}},
	"strict-serializable":               {[]string{"strong-session-serializable", "strong-snapshot-isolation"}, []string{Realtime(G1c), Realtime(G2)}},
}

// aliases accept the spellings people use on the command line.
var aliases = map[string]string{
	"snapshot":            "snapshot-isolation",
	"si":                  "snapshot-isolation",
	"strong-serializable": "strict-serializable",
	"strong-session-si":   "strong-session-snapshot-isolation",
	"strong-si":           "strong-snapshot-isolation",
	"parallel-si":         "parallel-snapshot-isolation",
	"mav":                 "monotonic-atomic-view",
	"causal-cerone":       "causal",
	"consistent-view":     "prefix",
	"update-serializable": "serializable",
}

// Models lists every model name, sorted.
func Models() []string {
	out := make([]string, 0, len(models))
	for m := range models {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// Canonical returns the model's canonical name, or an error that lists the
// names it knows.
func Canonical(name string) (string, error) {
	n := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(name)), ":")
	if a, ok := aliases[n]; ok {
		n = a
	}
	if _, ok := models[n]; !ok {
		return "", fmt.Errorf("unknown consistency model %q: expected one of %s", name, strings.Join(Models(), ", "))
	}
	return n, nil
}

// KnownAnomaly reports whether name is an anomaly this package knows (a base
// name, a cycle variant, or G1).
func KnownAnomaly(name string) bool {
	if _, ok := implies[name]; ok {
		return true
	}
	for _, fs := range models {
		if slices.Contains(fs.forbids, name) {
			return true
		}
	}
	return name == G1
}

// Weaker returns m and every model weaker than m, transitively.
func Weaker(m string) []string {
	seen := map[string]bool{m: true}
	out := []string{m}
	for i := 0; i < len(out); i++ {
		for _, w := range models[out[i]].weaker {
			if !seen[w] {
				seen[w] = true
				out = append(out, w)
			}
		}
	}
	return out
}

// Forbids returns the anomalies model m forbids, its own and its weaker
// models', sorted. m must be canonical.
func Forbids(m string) []string {
	set := map[string]bool{}
	for _, w := range Weaker(m) {
		for _, a := range models[w].forbids {
			set[a] = true
		}
	}
	return sortedKeys(set)
}

// Violates reports whether finding anomaly a rules model m out: a, or
// something a implies, is forbidden by m.
func Violates(m, a string) bool {
	forbidden := Forbids(m)
	for _, b := range Implied(a) {
		if slices.Contains(forbidden, b) {
			return true
		}
	}
	return false
}

// RuledOut splits the models that the found anomalies rule out into Not,
// the weakest of them (each has no ruled-out weaker model), and AlsoNot,
// the stronger ones that fall with them. Both are sorted.
func RuledOut(found []string) (not, alsoNot []string) {
	out := map[string]bool{}
	for m := range models {
		for _, a := range found {
			if Violates(m, a) {
				out[m] = true
				break
			}
		}
	}
	for m := range out {
		weakest := true
		for _, w := range Weaker(m)[1:] {
			if out[w] {
				weakest = false
				break
			}
		}
		if weakest {
			not = append(not, m)
		} else {
			alsoNot = append(alsoNot, m)
		}
	}
	sort.Strings(not)
	sort.Strings(alsoNot)
	return not, alsoNot
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
