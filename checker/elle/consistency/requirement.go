package consistency

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Requirement is what a check asks of a history, resolved: the models it
// must satisfy and every anomaly that makes it invalid, with what of that
// the analysis cannot check.
type Requirement struct {
	// Models are the canonical names of the models asked for, in the order
	// given, without repeats; empty for no model.
	Models []string
	// Forbidden holds the anomalies the models proscribe (their own and
	// their weaker models') and those asked for on their own. A found
	// anomaly makes the history invalid when it, or anything it implies,
	// is forbidden.
	Forbidden map[string]bool
	// NotChecked lists, sorted, what the requirement demands but the
	// analysis cannot check: forbidden anomalies that can occur unseen (a
	// G-cursor under cursor-stability, which reports it only as a
	// G-single-item that cursor-stability allows; predicate-read-miss),
	// and asked-for models whose definition goes beyond the anomalies Elle
	// lists for them (read-atomic's fractured reads; linearizable, which
	// no anomaly defines), unless a stronger complete model asked for
	// implies them.
	NotChecked []string
	// Undefined lists the asked-for models that forbid no anomaly at all
	// (linearizable, causal, ...): nothing in a history can show that they
	// hold, so a history that is not invalid is unknown under them.
	Undefined []string
}

// Require resolves model and anomaly names (any accepted spelling) into a
// Requirement. models is taken as given: an empty list, or the single name
// none, asks for no model, so only the anomalies count (the caller decides
// what an absent list means; Elle's default is Default). An unknown or
// empty name, none beside other models, or a verdict name among the
// anomalies is an error.
func Require(modelNames, anomalyNames []string) (*Requirement, error) {
	r := &Requirement{Models: []string{}, Forbidden: map[string]bool{}}
	for i, name := range modelNames {
		if strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("consistency model %d is empty: expected a model name, or %s for no model", i+1, None)
		}
		if IsNone(name) {
			if len(modelNames) > 1 {
				return nil, fmt.Errorf("consistency model %s asks for no model, so it cannot be combined with others (%s)", None, strings.Join(modelNames, ", "))
			}
			continue
		}
		m, err := Canonical(name)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(r.Models, m) {
			r.Models = append(r.Models, m)
		}
	}
	for _, m := range r.Models {
		for _, a := range Forbids(m) {
			r.Forbidden[a] = true
		}
		if len(Forbids(m)) == 0 {
			r.Undefined = append(r.Undefined, m)
		}
	}
	for _, name := range anomalyNames {
		a, err := CanonicalAnomaly(name)
		if err != nil {
			return nil, err
		}
		if seen, _, _ := How(a); seen == Verdict {
			return nil, fmt.Errorf("%s is not an anomaly but a reason for an unknown verdict, so it cannot be forbidden", a)
		}
		r.Forbidden[a] = true
	}
	r.NotChecked = r.notChecked()
	return r, nil
}

// Violates reports whether finding anomaly a makes a history invalid.
func (r *Requirement) Violates(a string) bool { return violates(r.Forbidden, a) }

// Checked reports whether the analysis would find forbidden anomaly a
// wherever it occurs: it is reported, or every name it is caught as
// violates the requirement.
func (r *Requirement) Checked(a string) bool {
	seen, caught, _ := How(a)
	switch seen {
	case Reported:
		return true
	case CaughtAs:
		for _, c := range caught {
			if !r.Violates(c) {
				return false
			}
		}
		return true
	}
	return false
}

// Undecided returns, sorted, the forbidden anomalies the analysis sees only
// as other names (CaughtAs) that do not violate the requirement, one of
// which was found (found lists anomaly types): the forbidden anomaly may
// be in the history, so a verdict that would otherwise be valid is
// unknown. (A G-cursor shows only as a G-single-item; under
// cursor-stability, which allows G-single-item, finding one leaves open
// whether it is a G-cursor.)
func (r *Requirement) Undecided(found []string) []string {
	var out []string
	for a := range r.Forbidden {
		seen, caught, _ := How(a)
		if seen != CaughtAs || r.Checked(a) {
			continue
		}
		for _, c := range caught {
			if !r.Violates(c) && slices.ContainsFunc(found, func(f string) bool { return slices.Contains(Implied(f), c) }) {
				out = append(out, a)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// DependsOnWriteOrder reports whether the verdict can hang on the order of
// two writes to a key that nothing in the history orders: the requirement
// forbids some cycles with one rw edge (or no two adjacent) but allows
// cycles in general (snapshot isolation, consistent view). Where every
// cycle is forbidden, or none with an rw edge, the writes can be ordered
// along the rest of the graph without closing a forbidden cycle, so their
// order does not matter.
func (r *Requirement) DependsOnWriteOrder() bool {
	for _, v := range []func(string) string{func(c string) string { return c }, Process, Realtime} {
		if (r.Violates(v(GSingleItem)) || r.Violates(v(GNonadjacentItem))) && !r.Violates(v(G2Item)) {
			return true
		}
	}
	return false
}

// NeedsOrder reports which order relations the dependency graph needs for
// the forbidden anomalies: process order, realtime order (which implies
// process order, as Elle's realtime graph does).
func (r *Requirement) NeedsOrder() (process, realtime bool) {
	for a := range r.Forbidden {
		_, caught, _ := How(a)
		for _, n := range append(caught, a) {
			if strings.HasSuffix(n, "-realtime") {
				return true, true
			}
			if strings.HasSuffix(n, "-process") {
				process = true
			}
		}
	}
	return process, false
}

func (r *Requirement) notChecked() []string {
	out := map[string]bool{}
	for a := range r.Forbidden {
		if !r.Checked(a) {
			out[a] = true
		}
	}
	for _, m := range r.Models {
		if !Complete(m) && !r.impliedByComplete(m) {
			out[m] = true
		}
	}
	return slices.Sorted(maps.Keys(out))
}

// impliedByComplete reports whether a complete model at or below one asked
// for is stronger than m, so that m holds wherever that one does.
func (r *Requirement) impliedByComplete(m string) bool {
	for _, asked := range r.Models {
		for _, v := range Weaker(asked) {
			if v != m && Complete(v) && slices.Contains(Weaker(v), m) {
				return true
			}
		}
	}
	return false
}

// Why says in words why a name in NotChecked is not checked: an anomaly's
// reason (How), or why a model's definition goes beyond what is checked.
func Why(name string) string {
	if _, ok := models[name]; ok {
		if len(Forbids(name)) == 0 {
			return "Elle defines it by no anomaly, so nothing in a history can show that it holds"
		}
		return "only the anomalies Elle lists for it are checked, and they do not define it (Elle marks its lists for Cerone's models incomplete: read atomic's fractured reads are not among them)"
	}
	_, _, why := How(name)
	return why
}
