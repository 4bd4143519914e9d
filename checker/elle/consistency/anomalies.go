package consistency

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Anomaly names, as Elle prints them.
const (
	G0               = "G0"
	G1a              = "G1a" // aborted read
	G1b              = "G1b" // intermediate read
	G1c              = "G1c" // cycle of ww and wr edges
	G1               = "G1"  // any of G1a, G1b, G1c
	GSingleItem      = "G-single-item"
	GSingle          = "G-single"
	GNonadjacentItem = "G-nonadjacent-item"
	GNonadjacent     = "G-nonadjacent"
	G2Item           = "G2-item"
	G2               = "G2"

	Internal          = "internal"
	DirtyUpdate       = "dirty-update"
	DuplicateElements = "duplicate-elements"
	IncompatibleOrder = "incompatible-order"
	LostUpdate        = "lost-update"
	FutureRead        = "future-read"
	CyclicVersions    = "cyclic-versions"
	GarbageRead       = "garbage-read" // read a value nobody wrote (Faultline's own)

	// Adya's anomalies that no client observation names directly: they are
	// stated over start and commit points, a transaction's individual
	// reads, or predicates (see How).
	WriteSkew         = "write-skew"
	GCursor           = "G-cursor"
	GMonotonic        = "G-monotonic"
	GUpdate           = "G-update"
	GMSR              = "G-MSR"
	GSIa              = "G-SIa"
	GSIb              = "G-SIb"
	GSI               = "G-SI"
	PredicateReadMiss = "predicate-read-miss"

	// CycleSearchTimeout and EmptyTransactionGraph are not anomalies but
	// reasons for an unknown verdict: a component's cycle search ran out
	// of budget, or the dependency graph has no edge at all, so nothing in
	// the history could be judged.
	CycleSearchTimeout    = "cycle-search-timeout"
	EmptyTransactionGraph = "empty-transaction-graph"
)

// Process and Realtime name the variants of a cycle class: the cycle
// needed process-order or realtime-order edges.
func Process(class string) string  { return class + "-process" }
func Realtime(class string) string { return class + "-realtime" }

// CycleExists names Elle's fallback anomaly for a model: some cycle exists
// in the part of the dependency graph the model must keep acyclic. The
// argument is Elle's canonical model name (PL-2, strong-PL-1, ...).
func CycleExists(model string) string { return model + "-cycle-exists" }

// CycleClasses are the anomalies that are dependency cycles, weakest
// claim last. Each has -process and -realtime variants: the cycle needed
// process-order or realtime-order edges.
var CycleClasses = []string{G0, G1c, GSingleItem, GSingle, GNonadjacentItem, GNonadjacent, G2Item, G2}

// families are the anomalies with -process and -realtime variants: the
// cycle classes and G1, which a G1c-process implies as G1-process.
var families = append(slices.Clone(CycleClasses), G1)

// Seen says how Faultline's list-append and rw-register analysis sees an
// anomaly.
type Seen uint8

const (
	// Reported: the analysis finds it and reports it under this name.
	Reported Seen = iota
	// CaughtAs: never reported under this name, but every instance of it
	// in these histories shows up as at least one of its Caught names. It
	// is checked when the history is judged against all of those.
	CaughtAs
	// Unobservable: nothing in these histories can show it.
	Unobservable
	// Verdict: not an anomaly; a reason for an unknown verdict.
	Verdict
)

// anomalyInfo is what this package knows of one anomaly name.
type anomalyInfo struct {
	implies []string // direct implications: finding it is finding these
	seen    Seen
	caught  []string // for CaughtAs
	why     string   // for CaughtAs and Unobservable, in words
}

// siCaught are the reported anomalies that every history breaking Adya's
// start-ordered snapshot properties shows when judged from the clients'
// side, where start and commit points are not seen and only have to exist
// (Cerone and Gotsman's characterisation, which Elle's snapshot isolation
// follows): G1, or a cycle whose anti-dependencies are never adjacent.
var siCaught = []string{G1a, G1b, G1c, GSingleItem, GNonadjacentItem}

const siWhy = "Adya states it over start and commit points, which clients do not see; judged as Elle judges snapshot isolation from clients, a history shows it only through G1 or a cycle whose rw edges are never adjacent, so it is seen only where all of those are forbidden too"

// base is the table of plain anomaly names: Elle's implications between
// anomalies (elle.consistency-model's implied-anomalies), plus Faultline's
// links from each cycle class to the cycle-exists anomalies of the
// subgraphs it lies in, and how the analysis sees each. Variants of the
// families are derived from it in build.
var base = map[string]anomalyInfo{
	G0:  {implies: []string{G1c, CycleExists("PL-1")}},
	G1a: {implies: []string{G1}},
	G1b: {implies: []string{G1}},
	G1c: {implies: []string{G1, CycleExists("PL-2"), CycleExists("PL-SI"), CycleExists("PL-2.99"), CycleExists("PL-3")}},
	G1: {seen: CaughtAs, caught: []string{G1a, G1b, G1c},
		why: "G1 is G1a, G1b or G1c"},
	GSingleItem:      {implies: []string{GSingle, GNonadjacentItem}},
	GNonadjacentItem: {implies: []string{GNonadjacent, G2Item}},
	G2Item:           {implies: []string{G2, CycleExists("PL-2.99")}},
	GSingle: {implies: []string{GNonadjacent, GSIb}, seen: CaughtAs, caught: []string{GSingleItem},
		why: "these histories have no predicate reads, so every anti-dependency is an item anti-dependency"},
	GNonadjacent: {implies: []string{G2, CycleExists("PL-SI")}, seen: CaughtAs, caught: []string{GSingleItem, GNonadjacentItem},
		why: "these histories have no predicate reads, so every anti-dependency is an item anti-dependency"},
	G2: {implies: []string{CycleExists("PL-3")}, seen: CaughtAs, caught: []string{GSingleItem, GNonadjacentItem, G2Item},
		why: "these histories have no predicate reads, so every anti-dependency is an item anti-dependency"},

	Internal:          {},
	DirtyUpdate:       {implies: []string{G1a}},
	DuplicateElements: {},
	IncompatibleOrder: {implies: []string{G1a}},
	LostUpdate:        {implies: []string{WriteSkew, G2Item}},
	FutureRead:        {implies: []string{G1c}},
	CyclicVersions:    {},
	GarbageRead:       {},

	WriteSkew: {implies: []string{G2}, seen: CaughtAs, caught: []string{G2Item},
		why: "a write skew is a G2-item cycle of two transactions, reported as G2-item, so it is seen only where G2-item is forbidden too"},
	GCursor: {seen: CaughtAs, caught: []string{GSingleItem},
		why: "a G-cursor cycle (one rw edge and ww edges, all on one key) is reported as G-single-item, so it is seen only where G-single-item is forbidden too"},
	GMonotonic: {seen: CaughtAs, caught: []string{GSingleItem},
		why: "Adya states it over a transaction's individual reads; a G-monotonic cycle folds into a cycle with one rw edge, reported as G-single-item, so it is seen only where G-single-item is forbidden too"},
	GUpdate: {seen: CaughtAs, caught: []string{GSingleItem, GNonadjacentItem, G2Item},
		why: "a G-update cycle has rw edges and is reported as G-single-item, G-nonadjacent-item or G2-item, so it is seen only where all of those are forbidden too"},
	GMSR: {seen: CaughtAs, caught: siCaught, why: siWhy},
	GSIa: {implies: []string{GSI}, seen: CaughtAs, caught: siCaught, why: siWhy},
	GSIb: {implies: []string{GSI}, seen: CaughtAs, caught: siCaught, why: siWhy},
	GSI:  {seen: CaughtAs, caught: siCaught, why: siWhy},
	PredicateReadMiss: {seen: Unobservable,
		why: "needs predicate reads, and list-append and rw-register histories have none, so a database's predicate reads are not tested"},

	CycleSearchTimeout:    {seen: Verdict, why: "a cycle search ran out of budget; the verdict is unknown unless something else is invalid"},
	EmptyTransactionGraph: {seen: Verdict, why: "the dependency graph has no edge; the verdict is unknown unless something else is invalid"},
}

// variantImplies are the implications of variants beyond those derived
// from the plain names: the cycle-exists anomalies of the strong-session
// and strong models, whose subgraphs add process or realtime edges.
var variantImplies = map[string][]string{
	Process(G0):            {CycleExists("strong-session-PL-1")},
	Process(G1c):           {CycleExists("strong-session-PL-2"), CycleExists("strong-session-snapshot-isolation"), CycleExists("strong-session-serializable")},
	Process(GNonadjacent):  {CycleExists("strong-session-snapshot-isolation")},
	Process(G2):            {CycleExists("strong-session-serializable")},
	Realtime(G0):           {CycleExists("strong-PL-1")},
	Realtime(G1c):          {CycleExists("strong-PL-2"), CycleExists("strong-snapshot-isolation"), CycleExists("PL-SS")},
	Realtime(GNonadjacent): {CycleExists("strong-snapshot-isolation")},
	Realtime(G2):           {CycleExists("PL-SS")},
}

// cycleExists maps each cycle-exists anomaly to the reported cycle classes
// that every cycle in its subgraph shows as (each of which implies it).
var cycleExists = map[string][]string{
	"PL-1":                              {G0},
	"PL-2":                              {G1c},
	"PL-SI":                             {G1c, GNonadjacentItem},
	"PL-2.99":                           {G1c, G2Item},
	"PL-3":                              {G1c, G2Item},
	"strong-session-PL-1":               {Process(G0)},
	"strong-session-PL-2":               {Process(G1c)},
	"strong-session-snapshot-isolation": {Process(G1c), Process(GNonadjacentItem)},
	"strong-session-serializable":       {Process(G1c), Process(G2Item)},
	"strong-PL-1":                       {Realtime(G0)},
	"strong-PL-2":                       {Realtime(G1c)},
	"strong-snapshot-isolation":         {Realtime(G1c), Realtime(GNonadjacentItem)},
	"PL-SS":                             {Realtime(G1c), Realtime(G2Item)},
}

// spellings are other names Elle uses for the same anomaly: Elle writes
// both GSIb and G-SIb, and GSI and G-SI.
var spellings = map[string]string{
	"GSIa": GSIa,
	"GSIb": GSIb,
	"GSI":  GSI,
}

// anomalies is the full table: base, every variant of the families, and
// the cycle-exists anomalies.
var anomalies = build()

func build() map[string]anomalyInfo {
	m := map[string]anomalyInfo{}
	for name, info := range base {
		m[name] = info
	}
	for _, f := range families {
		plain := m[f]
		plain.implies = append(slices.Clone(plain.implies), Process(f))
		m[f] = plain
		for _, v := range []func(string) string{Process, Realtime} {
			info := anomalyInfo{seen: plain.seen, why: plain.why}
			for _, c := range plain.caught {
				info.caught = append(info.caught, variantOf(c, v))
			}
			for _, d := range base[f].implies {
				if slices.Contains(families, d) {
					info.implies = append(info.implies, v(d))
				}
			}
			info.implies = append(info.implies, variantImplies[v(f)]...)
			m[v(f)] = info
		}
		p := m[Process(f)]
		p.implies = append(p.implies, Realtime(f))
		m[Process(f)] = p
	}
	for model, caught := range cycleExists {
		m[CycleExists(model)] = anomalyInfo{seen: CaughtAs, caught: caught,
			why: "every cycle in " + model + "'s subgraph is found by the cycle search and reported as one of these"}
	}
	return m
}

// variantOf is a family member's variant, or a non-cycle anomaly as it is
// (a G1a is no less a G1a with process edges allowed).
func variantOf(name string, v func(string) string) string {
	if slices.Contains(families, name) {
		return v(name)
	}
	return name
}

// lowerNames maps every accepted spelling, lower-cased, to its name.
var lowerNames = func() map[string]string {
	m := map[string]string{}
	for name := range anomalies {
		m[strings.ToLower(name)] = name
	}
	for alt, name := range spellings {
		m[strings.ToLower(alt)] = name
	}
	return m
}()

// CanonicalAnomaly returns the anomaly's name as this package spells it,
// accepting any case, a leading ':' and Elle's other spellings (GSIb for
// G-SIb), or an error that gives examples.
func CanonicalAnomaly(name string) (string, error) {
	n := strings.TrimPrefix(strings.TrimSpace(name), ":")
	if c, ok := lowerNames[strings.ToLower(n)]; ok {
		return c, nil
	}
	return "", fmt.Errorf("unknown anomaly %q: expected one of Elle's anomaly names, e.g. G0, G1a, G1c, G-single-item, G2-item, internal, lost-update, G-SIb, write-skew, or a cycle class with -process or -realtime", name)
}

// KnownAnomaly reports whether name is an anomaly name this package knows,
// in any accepted spelling.
func KnownAnomaly(name string) bool {
	_, err := CanonicalAnomaly(name)
	return err == nil
}

// Anomalies lists every anomaly name, sorted, including the two verdict
// names (cycle-search-timeout, empty-transaction-graph).
func Anomalies() []string { return slices.Sorted(maps.Keys(anomalies)) }

// Spellings returns the other spellings accepted for a canonical anomaly
// name, sorted.
func Spellings(name string) []string {
	var out []string
	for alt, n := range spellings {
		if n == name {
			out = append(out, alt)
		}
	}
	slices.Sort(out)
	return out
}

// How says how the analysis sees a canonical anomaly name: whether it is
// reported, caught as other names (listed), unobservable or a verdict,
// and why, in words (empty for reported anomalies).
func How(name string) (seen Seen, caught []string, why string) {
	info := anomalies[name]
	return info.seen, slices.Clone(info.caught), info.why
}

// Implied returns a and everything a implies, transitively.
func Implied(a string) []string {
	return reach(a, func(x string) []string { return anomalies[x].implies })
}

// reach returns start and everything reachable from it through next,
// breadth first.
func reach(start string, next func(string) []string) []string {
	seen := map[string]bool{start: true}
	out := []string{start}
	for i := 0; i < len(out); i++ {
		for _, b := range next(out[i]) {
			if !seen[b] {
				seen[b] = true
				out = append(out, b)
			}
		}
	}
	return out
}
