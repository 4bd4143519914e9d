package consistency

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Default is the model checked when none is named.
const Default = "strict-serializable"

// None, given as the only model, asks for no model at all: only the
// anomalies named on their own count, as Elle's :consistency-models nil.
const None = "none"

// model is one consistency model of Elle's lattice: the models directly
// weaker than it (every history it allows, they allow) and the anomalies
// it proscribes on top of theirs.
type model struct {
	// elle is Elle's canonical name when it differs from ours (Elle names
	// Adya's levels PL-*; we use the names people type, as Elle prints).
	elle    string
	aliases []string
	weaker  []string
	forbids []string
	// complete: the anomalies it and its weaker models forbid define it.
	// Elle marks its lists for Cerone's models "incomplete" (read atomic's
	// fractured reads are not among them), and the single-object models
	// and view serializability forbid no anomaly at all.
	complete bool
}

// models is Elle's lattice (elle.consistency-model: models and
// direct-proscribed-anomalies), under the names Elle prints. Two additions
// of Faultline's: read-uncommitted also forbids garbage-read, and Elle's
// older name ROLA stays an alias of update-atomic.
var models = map[string]model{
	"read-uncommitted":        {elle: "PL-1", forbids: []string{G0, DuplicateElements, CyclicVersions, CycleExists("PL-1"), GarbageRead}, complete: true},
	"read-committed":          {elle: "PL-2", weaker: []string{"read-uncommitted"}, forbids: []string{G1, CycleExists("PL-2")}, complete: true},
	"cursor-stability":        {elle: "PL-CS", weaker: []string{"read-committed"}, forbids: []string{G1, GCursor, LostUpdate}, complete: true},
	"monotonic-view":          {elle: "PL-2L", weaker: []string{"read-committed"}, forbids: []string{G1, GMonotonic}, complete: true},
	"monotonic-snapshot-read": {elle: "PL-MSR", weaker: []string{"read-committed"}, forbids: []string{G1, GMSR}, complete: true},
	"consistent-view":         {elle: "PL-2+", weaker: []string{"cursor-stability", "monotonic-view"}, forbids: []string{G1, GSingle}, complete: true},
	"forward-consistent-view": {elle: "PL-FCV", weaker: []string{"consistent-view"}, forbids: []string{G1, GSIb}, complete: true},
	"update-serializable":     {elle: "PL-3U", weaker: []string{"forward-consistent-view"}, forbids: []string{G1, GUpdate}, complete: true},
	"repeatable-read":         {elle: "PL-2.99", weaker: []string{"cursor-stability", "monotonic-atomic-view"}, forbids: []string{G1, G2Item, CycleExists("PL-2.99"), LostUpdate}, complete: true},
	"snapshot-isolation": {elle: "PL-SI", aliases: []string{"si", "snapshot"},
		weaker:  []string{"forward-consistent-view", "monotonic-atomic-view", "monotonic-snapshot-read", "parallel-snapshot-isolation", "prefix"},
		forbids: []string{Internal, G1, GSI, GNonadjacent, CycleExists("PL-SI")}, complete: true},
	"serializable": {elle: "PL-3", aliases: []string{"conflict-serializable"},
		weaker:  []string{"repeatable-read", "update-serializable", "snapshot-isolation", "view-serializable"},
		forbids: []string{G1, G2, PredicateReadMiss, CycleExists("PL-3"), Internal}, complete: true},
	"strict-serializable": {elle: "PL-SS", aliases: []string{"strong-serializable"},
		weaker:  []string{"serializable", "linearizable", "snapshot-isolation", "strong-snapshot-isolation", "strong-session-serializable", "session-serializable"},
		forbids: []string{G1, Realtime(G1c), Realtime(G2), CycleExists("PL-SS")}, complete: true},

	"monotonic-atomic-view":       {aliases: []string{"mav"}, weaker: []string{"read-committed"}},
	"read-atomic":                 {weaker: []string{"monotonic-atomic-view"}, forbids: []string{Internal, G1a, FutureRead}},
	"update-atomic":               {aliases: []string{"ROLA"}, weaker: []string{"read-atomic"}, forbids: []string{LostUpdate}},
	"causal-cerone":               {weaker: []string{"read-atomic"}, forbids: []string{Internal, G1a}},
	"prefix":                      {weaker: []string{"causal-cerone"}, forbids: []string{Internal, G1a}},
	"parallel-snapshot-isolation": {aliases: []string{"parallel-si"}, weaker: []string{"causal-cerone", "update-atomic"}, forbids: []string{Internal, G1a}},

	"strong-session-read-uncommitted": {elle: "strong-session-PL-1", weaker: []string{"read-uncommitted"},
		forbids: []string{CycleExists("strong-session-PL-1"), Process(G0)}, complete: true},
	"strong-session-read-committed": {elle: "strong-session-PL-2", weaker: []string{"read-committed", "strong-session-read-uncommitted"},
		forbids: []string{CycleExists("strong-session-PL-2"), Process(G1c)}, complete: true},
	"strong-read-uncommitted": {elle: "strong-PL-1", weaker: []string{"strong-session-read-uncommitted"},
		forbids: []string{CycleExists("strong-PL-1"), Realtime(G0)}, complete: true},
	"strong-read-committed": {elle: "strong-PL-2", weaker: []string{"strong-session-read-committed", "strong-read-uncommitted"},
		forbids: []string{CycleExists("strong-PL-2"), Realtime(G1c)}, complete: true},
	"strong-session-snapshot-isolation": {aliases: []string{"strong-session-si"}, weaker: []string{"snapshot-isolation", "strong-session-read-committed"},
		forbids: []string{Internal, Process(G1), Process(GNonadjacent), CycleExists("strong-session-snapshot-isolation")}, complete: true},
	"strong-snapshot-isolation": {aliases: []string{"strong-si"}, weaker: []string{"strong-session-snapshot-isolation", "strong-read-committed"},
		forbids: []string{Internal, Realtime(G1), Realtime(GNonadjacent), CycleExists("strong-snapshot-isolation")}, complete: true},
	"strong-session-serializable": {weaker: []string{"serializable", "strong-session-snapshot-isolation"},
		forbids: []string{Process(G1), Process(G2), CycleExists("strong-session-serializable")}, complete: true},

	// Models Elle relates to the others but defines by no anomaly.
	"view-serializable":    {},
	"1SR":                  {},
	"session-serializable": {weaker: []string{"1SR"}},
	"linearizable":         {weaker: []string{"sequential"}},
	"sequential":           {weaker: []string{"causal"}},
	"causal":               {weaker: []string{"writes-follow-reads", "PRAM"}},
	"PRAM":                 {weaker: []string{"monotonic-reads", "monotonic-writes", "read-your-writes"}},
	"writes-follow-reads":  {},
	"monotonic-reads":      {},
	"monotonic-writes":     {},
	"read-your-writes":     {},
}

// modelNames maps every accepted spelling of a model, lower-cased, to its
// name: the name itself, Elle's canonical name, and the aliases.
var modelNames = func() map[string]string {
	m := map[string]string{}
	for name, md := range models {
		m[strings.ToLower(name)] = name
		if md.elle != "" {
			m[strings.ToLower(md.elle)] = name
		}
		for _, a := range md.aliases {
			m[strings.ToLower(a)] = name
		}
	}
	return m
}()

// Models lists every model name, sorted.
func Models() []string { return slices.Sorted(maps.Keys(models)) }

// Canonical returns the model's name, accepting any case, a leading ':',
// Elle's canonical names (PL-2, strong-session-PL-1, ...) and the aliases,
// or an error that lists the names it knows.
func Canonical(name string) (string, error) {
	n := strings.TrimPrefix(strings.TrimSpace(name), ":")
	if c, ok := modelNames[strings.ToLower(n)]; ok {
		return c, nil
	}
	return "", fmt.Errorf("unknown consistency model %q: expected one of %s, or %s for no model", name, strings.Join(Models(), ", "), None)
}

// IsNone reports whether name asks for no model.
func IsNone(name string) bool {
	return strings.EqualFold(strings.TrimPrefix(strings.TrimSpace(name), ":"), None)
}

// Names returns the other names accepted for model m: Elle's canonical
// name first if it differs, then the aliases.
func Names(m string) []string {
	md := models[m]
	var out []string
	if md.elle != "" {
		out = append(out, md.elle)
	}
	return append(out, md.aliases...)
}

// Weaker returns m and every model weaker than m, transitively.
func Weaker(m string) []string {
	return reach(m, func(x string) []string { return models[x].weaker })
}

// Proscribes returns the anomalies model m forbids on top of its weaker
// models, as Elle lists them.
func Proscribes(m string) []string { return append([]string(nil), models[m].forbids...) }

// Forbids returns the anomalies model m forbids, its own and its weaker
// models', sorted. m must be canonical.
func Forbids(m string) []string {
	set := map[string]bool{}
	for _, w := range Weaker(m) {
		for _, a := range models[w].forbids {
			set[a] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// Complete reports whether the anomalies model m forbids define it, so
// that checking them is checking the model.
func Complete(m string) bool { return models[m].complete }

// Violates reports whether finding anomaly a rules model m out: a, or
// something a implies, is forbidden by m.
func Violates(m, a string) bool {
	forbidden := map[string]bool{}
	for _, b := range Forbids(m) {
		forbidden[b] = true
	}
	return violates(forbidden, a)
}

// violates reports whether a, or something a implies, is in forbidden.
func violates(forbidden map[string]bool, a string) bool {
	for _, b := range Implied(a) {
		if forbidden[b] {
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
	slices.Sort(not)
	slices.Sort(alsoNot)
	return not, alsoNot
}
