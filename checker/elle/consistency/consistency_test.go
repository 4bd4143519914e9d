package consistency

import (
	"slices"
	"strings"
	"testing"
)

// The ruled-out sets below are Elle's (elle.consistency-model's boundary
// for the same anomalies), so a change to the lattice that departs from
// Elle fails here with the model named.
func TestRuledOutAsElle(t *testing.T) {
	strongSI := []string{"snapshot-isolation", "serializable", "strict-serializable", "strong-session-serializable", "strong-session-snapshot-isolation", "strong-snapshot-isolation"}
	cases := []struct {
		found        []string
		not, alsoNot []string
	}{
		{nil, nil, nil},
		{[]string{GSingle}, []string{"consistent-view"},
			append([]string{"forward-consistent-view", "update-serializable"}, strongSI...)},
		// G-single-item is a G-single and a G2-item: repeatable-read falls too.
		{[]string{GSingleItem}, []string{"consistent-view", "repeatable-read"},
			append([]string{"forward-consistent-view", "update-serializable"}, strongSI...)},
		{[]string{G1a}, []string{"read-committed"}, []string{
			"causal-cerone", "consistent-view", "cursor-stability", "forward-consistent-view", "monotonic-atomic-view",
			"monotonic-snapshot-read", "monotonic-view", "parallel-snapshot-isolation", "prefix", "read-atomic", "repeatable-read",
			"serializable", "snapshot-isolation", "strict-serializable", "strong-read-committed", "strong-session-read-committed",
			"strong-session-serializable", "strong-session-snapshot-isolation", "strong-snapshot-isolation", "update-atomic", "update-serializable"}},
		{[]string{Internal}, []string{"read-atomic"},
			append([]string{"causal-cerone", "parallel-snapshot-isolation", "prefix", "update-atomic"}, strongSI...)},
		{[]string{G2, Internal}, []string{"read-atomic"},
			append([]string{"causal-cerone", "parallel-snapshot-isolation", "prefix", "update-atomic"}, strongSI...)},
		{[]string{LostUpdate}, []string{"cursor-stability", "update-atomic"}, []string{
			"consistent-view", "forward-consistent-view", "parallel-snapshot-isolation", "repeatable-read", "serializable",
			"snapshot-isolation", "strict-serializable", "strong-session-serializable", "strong-session-snapshot-isolation",
			"strong-snapshot-isolation", "update-serializable"}},
		{[]string{CyclicVersions}, []string{"read-uncommitted"}, []string{
			"causal-cerone", "consistent-view", "cursor-stability", "forward-consistent-view", "monotonic-atomic-view",
			"monotonic-snapshot-read", "monotonic-view", "parallel-snapshot-isolation", "prefix", "read-atomic", "read-committed",
			"repeatable-read", "serializable", "snapshot-isolation", "strict-serializable", "strong-read-committed",
			"strong-read-uncommitted", "strong-session-read-committed", "strong-session-read-uncommitted",
			"strong-session-serializable", "strong-session-snapshot-isolation", "strong-snapshot-isolation", "update-atomic",
			"update-serializable"}},
		{[]string{GSI}, []string{"snapshot-isolation"}, strongSI[1:]},
		{[]string{Realtime(GSingle)}, []string{"strong-snapshot-isolation"}, []string{"strict-serializable"}},
		// Elle's list-append test: a process missing its own write.
		{[]string{Process(GSingleItem)}, []string{"strong-session-snapshot-isolation"},
			[]string{"strict-serializable", "strong-session-serializable", "strong-snapshot-isolation"}},
		{[]string{Realtime(G2Item)}, []string{"strict-serializable"}, nil},
		// A future read is a G1c: read-committed falls, as for any G1.
		{[]string{FutureRead}, []string{"read-committed"}, nil},
		// Verdict names rule nothing out.
		{[]string{EmptyTransactionGraph, CycleSearchTimeout}, nil, nil},
	}
	for _, c := range cases {
		not, also := RuledOut(c.found)
		if !slices.Equal(not, c.not) {
			t.Errorf("%v: not = %v, want %v", c.found, not, c.not)
		}
		if c.alsoNot == nil && len(c.not) > 0 {
			continue // only Not is pinned down
		}
		want := slices.Sorted(slices.Values(c.alsoNot))
		if !slices.Equal(also, want) {
			t.Errorf("%v: also-not = %v, want %v", c.found, also, want)
		}
	}
}

func TestImplications(t *testing.T) {
	cases := []struct {
		a          string
		implies    []string
		notImplies []string
	}{
		// Elle's implied-anomalies, edge by edge.
		{G0, []string{G1c, Process(G0)}, []string{G2}},
		{Process(G0), []string{Process(G1c), Realtime(G0)}, []string{G0}},
		{Realtime(G0), []string{Realtime(G1c)}, []string{Process(G0)}},
		{G1a, []string{G1}, []string{G1c}},
		{G1b, []string{G1}, nil},
		{G1c, []string{G1, Process(G1c)}, []string{G2, G0}},
		{Process(G1c), []string{Realtime(G1c), Process(G1)}, []string{G1}},
		{Realtime(G1c), []string{Realtime(G1)}, nil},
		{G1, []string{Process(G1)}, []string{G1a}},
		{Process(G1), []string{Realtime(G1)}, nil},
		{GSingleItem, []string{GSingle, Process(GSingleItem), GNonadjacentItem}, nil},
		{Process(GSingleItem), []string{Process(GSingle), Realtime(GSingleItem), Process(GNonadjacentItem)}, []string{GSingle}},
		{Realtime(GSingleItem), []string{Realtime(GSingle), Realtime(GNonadjacentItem)}, nil},
		{GSingle, []string{GNonadjacent, GSIb, Process(GSingle)}, []string{GSingleItem, G2Item}},
		{Process(GSingle), []string{Process(GNonadjacent), Realtime(GSingle)}, []string{GSIb}},
		{Realtime(GSingle), []string{Realtime(GNonadjacent)}, nil},
		{GNonadjacentItem, []string{GNonadjacent, G2Item, Process(GNonadjacentItem)}, nil},
		{Process(GNonadjacentItem), []string{Process(GNonadjacent), Process(G2Item), Realtime(GNonadjacentItem)}, nil},
		{Realtime(GNonadjacentItem), []string{Realtime(G2Item), Realtime(GNonadjacent)}, nil},
		{GNonadjacent, []string{G2, Process(GNonadjacent)}, []string{G2Item}},
		{Process(GNonadjacent), []string{Process(G2), Realtime(GNonadjacent)}, nil},
		{Realtime(GNonadjacent), []string{Realtime(G2)}, nil},
		{G2, []string{Process(G2)}, []string{G2Item}},
		{G2Item, []string{G2, Process(G2Item)}, []string{GSingle}},
		{Process(G2Item), []string{Process(G2), Realtime(G2Item)}, nil},
		{Realtime(G2Item), []string{Realtime(G2)}, nil},
		{Process(G2), []string{Realtime(G2)}, nil},
		{GSIa, []string{GSI}, nil},
		{GSIb, []string{GSI}, []string{GSingle}},
		{IncompatibleOrder, []string{G1a, G1}, nil},
		{FutureRead, []string{G1c, G1}, nil},
		{DirtyUpdate, []string{G1a}, nil},
		{LostUpdate, []string{WriteSkew, G2Item, G2}, []string{GSingle}},
		{WriteSkew, []string{G2}, []string{G2Item}},
		// Faultline's links from cycle classes to Elle's cycle-exists names.
		{G0, []string{CycleExists("PL-1"), CycleExists("PL-2"), CycleExists("PL-3")}, nil},
		{GSingleItem, []string{CycleExists("PL-SI"), CycleExists("PL-2.99")}, nil},
		{Process(G2Item), []string{CycleExists("strong-session-serializable")}, []string{CycleExists("strong-session-snapshot-isolation")}},
		{Realtime(G1c), []string{CycleExists("PL-SS"), CycleExists("strong-PL-2")}, []string{CycleExists("strong-PL-1")}},
	}
	for _, c := range cases {
		got := Implied(c.a)
		for _, b := range c.implies {
			if !slices.Contains(got, b) {
				t.Errorf("%s should imply %s; implies %v", c.a, b, got)
			}
		}
		for _, b := range c.notImplies {
			if slices.Contains(got, b) {
				t.Errorf("%s must not imply %s", c.a, b)
			}
		}
	}
}

func TestNamesResolve(t *testing.T) {
	for _, m := range Models() {
		for _, spelling := range append([]string{m, strings.ToUpper(m), ":" + m, " " + m + " "}, Names(m)...) {
			if got, err := Canonical(spelling); err != nil || got != m {
				t.Errorf("Canonical(%q) = %q, %v; want %s", spelling, got, err, m)
			}
		}
	}
	elle := map[string]string{
		"PL-1": "read-uncommitted", "PL-2": "read-committed", "PL-2+": "consistent-view", "PL-2L": "monotonic-view",
		"PL-2.99": "repeatable-read", "PL-3": "serializable", "PL-3U": "update-serializable", "PL-CS": "cursor-stability",
		"PL-FCV": "forward-consistent-view", "PL-MSR": "monotonic-snapshot-read", "PL-SI": "snapshot-isolation",
		"PL-SS": "strict-serializable", ":strong-serializable": "strict-serializable", "conflict-serializable": "serializable",
		"strong-session-PL-1": "strong-session-read-uncommitted", "strong-session-PL-2": "strong-session-read-committed",
		"strong-PL-1": "strong-read-uncommitted", "strong-PL-2": "strong-read-committed", "ROLA": "update-atomic",
		"1sr": "1SR", "pram": "PRAM", "SI": "snapshot-isolation", "mav": "monotonic-atomic-view",
	}
	for name, want := range elle {
		if got, err := Canonical(name); err != nil || got != want {
			t.Errorf("Canonical(%q) = %q, %v; want %s", name, got, err, want)
		}
	}
	if _, err := Canonical("serialisable"); err == nil || !strings.Contains(err.Error(), "strict-serializable") || !strings.Contains(err.Error(), None) {
		t.Errorf("an unknown model's error should list the known ones and none: %v", err)
	}
	if !IsNone(":NONE") || IsNone("serializable") {
		t.Error("IsNone misclassifies")
	}

	for _, a := range Anomalies() {
		for _, spelling := range append([]string{a, strings.ToLower(a), ":" + a}, Spellings(a)...) {
			if got, err := CanonicalAnomaly(spelling); err != nil || got != a {
				t.Errorf("CanonicalAnomaly(%q) = %q, %v; want %s", spelling, got, err, a)
			}
		}
	}
	for spelling, want := range map[string]string{"GSIb": GSIb, "G-SIb": GSIb, "gsia": GSIa, "GSI": GSI, ":write-skew": WriteSkew, "g2-item-REALTIME": Realtime(G2Item)} {
		if got, err := CanonicalAnomaly(spelling); err != nil || got != want {
			t.Errorf("CanonicalAnomaly(%q) = %q, %v; want %s", spelling, got, err, want)
		}
	}
	if KnownAnomaly("G3") || KnownAnomaly("G1a-process") || !KnownAnomaly(G1) {
		t.Error("KnownAnomaly misclassifies")
	}
}

// Every name the tables use must be one they define, and every name an
// anomaly is caught as must be one the analysis reports, or the claim
// that it is checked would rest on nothing.
func TestTablesAreClosed(t *testing.T) {
	for name, info := range anomalies {
		for _, b := range info.implies {
			if _, ok := anomalies[b]; !ok {
				t.Errorf("%s implies unknown %s", name, b)
			}
		}
		for _, c := range info.caught {
			if seen, _, _ := How(c); seen != Reported {
				t.Errorf("%s is caught as %s, which is not reported", name, c)
			}
		}
		if (info.seen == CaughtAs) != (len(info.caught) > 0) {
			t.Errorf("%s: caught names %v do not match how it is seen (%d)", name, info.caught, info.seen)
		}
		if info.seen != Reported && info.why == "" {
			t.Errorf("%s: no reason given for how it is seen", name)
		}
	}
	for name, md := range models {
		for _, w := range md.weaker {
			if _, ok := models[w]; !ok {
				t.Errorf("%s is stronger than unknown %s", name, w)
			}
		}
		for _, a := range md.forbids {
			if _, ok := anomalies[a]; !ok {
				t.Errorf("%s forbids unknown %s", name, a)
			}
		}
		if len(Forbids(name)) == 0 && md.complete {
			t.Errorf("%s forbids nothing, so it cannot be complete", name)
		}
	}
}

func TestStrongerModelsForbidMore(t *testing.T) {
	for _, m := range Models() {
		f := Forbids(m)
		for _, w := range Weaker(m) {
			for _, a := range Forbids(w) {
				if !slices.Contains(f, a) {
					t.Errorf("%s is stronger than %s but does not forbid %s", m, w, a)
				}
			}
		}
	}
}

func TestRequireNotChecked(t *testing.T) {
	cases := []struct {
		models, anomalies []string
		notChecked        []string
		undefined         []string
	}{
		// Predicates are never exercised: serializability's predicate
		// guarantees are not checked, all else is.
		{[]string{"strict-serializable"}, nil, []string{PredicateReadMiss}, nil},
		{[]string{"serializable"}, nil, []string{PredicateReadMiss}, nil},
		{[]string{"strong-session-serializable"}, nil, []string{PredicateReadMiss}, nil},
		// Snapshot isolation is checked as Elle checks it: G1 and cycles
		// with nonadjacent rw edges cover Adya's start-ordered anomalies.
		{[]string{"snapshot-isolation"}, nil, nil, nil},
		{[]string{"strong-snapshot-isolation"}, nil, nil, nil},
		{[]string{"repeatable-read"}, nil, nil, nil},
		{[]string{"read-committed"}, nil, nil, nil},
		{[]string{"read-uncommitted"}, nil, nil, nil},
		{[]string{"strong-read-committed"}, nil, nil, nil},
		// consistent-view forbids G-single, which covers G-cursor and
		// G-monotonic; the models below it do not.
		{[]string{"consistent-view"}, nil, nil, nil},
		{[]string{"cursor-stability"}, nil, []string{GCursor}, nil},
		{[]string{"monotonic-view"}, nil, []string{GMonotonic}, nil},
		{[]string{"monotonic-snapshot-read"}, nil, []string{GMSR}, nil},
		{[]string{"forward-consistent-view"}, nil, []string{GSIb}, nil},
		{[]string{"update-serializable"}, nil, []string{GSIb, GUpdate}, nil},
		// Cerone's models are checked only through Elle's partial lists.
		{[]string{"read-atomic"}, nil, []string{"read-atomic"}, nil},
		{[]string{"monotonic-atomic-view"}, nil, []string{"monotonic-atomic-view"}, nil},
		{[]string{"parallel-snapshot-isolation"}, nil, []string{"parallel-snapshot-isolation"}, nil},
		// ... unless a complete model asked for implies them.
		{[]string{"read-atomic", "serializable"}, nil, []string{PredicateReadMiss}, nil},
		{[]string{"linearizable"}, nil, []string{"linearizable"}, []string{"linearizable"}},
		{[]string{"causal", "snapshot-isolation"}, nil, []string{"causal"}, []string{"causal"}},
		// Anomalies on their own: checked when what they are caught as is
		// forbidden too.
		{[]string{None}, []string{GCursor}, []string{GCursor}, nil},
		{[]string{}, []string{GCursor, G2Item}, nil, nil},
		{[]string{}, []string{WriteSkew}, []string{WriteSkew}, nil},
		{[]string{}, []string{"strong-PL-2-cycle-exists", "GSIb"}, []string{GSIb}, nil},
		{[]string{"cursor-stability"}, []string{"G-single"}, nil, nil},
	}
	for _, c := range cases {
		r, err := Require(c.models, c.anomalies)
		if err != nil {
			t.Errorf("%v %v: %v", c.models, c.anomalies, err)
			continue
		}
		if !slices.Equal(r.NotChecked, c.notChecked) && len(r.NotChecked)+len(c.notChecked) > 0 {
			t.Errorf("%v %v: not checked = %v, want %v", c.models, c.anomalies, r.NotChecked, c.notChecked)
		}
		if !slices.Equal(r.Undefined, c.undefined) {
			t.Errorf("%v %v: undefined = %v, want %v", c.models, c.anomalies, r.Undefined, c.undefined)
		}
		for _, n := range r.NotChecked {
			if Why(n) == "" {
				t.Errorf("no reason why %s is not checked", n)
			}
		}
	}
}

func TestRequire(t *testing.T) {
	r, err := Require([]string{"PL-3", ":serializable", "SI"}, []string{"gsib"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Models, []string{"serializable", "snapshot-isolation"}) || !r.Forbidden[GSIb] || !r.Forbidden[G2] {
		t.Errorf("models %v, forbidden %v", r.Models, r.Forbidden)
	}
	if !r.Violates(LostUpdate) || !r.Violates(FutureRead) || r.Violates(Process(GSingleItem)) {
		t.Error("serializable: a lost update and a future read violate it, a process-order cycle does not")
	}
	none, err := Require([]string{"none"}, []string{WriteSkew})
	if err != nil || len(none.Models) != 0 || len(none.Forbidden) != 1 {
		t.Fatalf("none: %+v %v", none, err)
	}
	if !none.Violates(LostUpdate) || none.Violates(G2Item) || none.Violates(G0) {
		t.Error("with no model and write-skew named, a lost update (a write skew) counts and a G2-item or G0 does not")
	}
	orders := []struct {
		models, anomalies []string
		process, realtime bool
	}{
		{[]string{"strict-serializable"}, nil, true, true},
		{[]string{"serializable"}, nil, false, false},
		{[]string{"strong-session-serializable"}, nil, true, false},
		{[]string{"strong-read-uncommitted"}, nil, true, true},
		{nil, []string{"strong-session-PL-2-cycle-exists"}, true, false},
		{nil, []string{"PL-SS-cycle-exists"}, true, true},
		{nil, nil, false, false},
	}
	for _, o := range orders {
		r, err := Require(o.models, o.anomalies)
		if err != nil {
			t.Fatal(err)
		}
		if p, rt := r.NeedsOrder(); p != o.process || rt != o.realtime {
			t.Errorf("%v %v: needs process %v realtime %v, want %v %v", o.models, o.anomalies, p, rt, o.process, o.realtime)
		}
	}
	for _, bad := range []struct {
		models, anomalies []string
		want              string
	}{
		{[]string{"none", "serializable"}, nil, "cannot be combined"},
		{[]string{""}, nil, "consistency model 1 is empty"},
		{[]string{"serialisable"}, nil, `unknown consistency model "serialisable"`},
		{nil, []string{"G3"}, `unknown anomaly "G3"`},
		{nil, []string{"cycle-search-timeout"}, "not an anomaly"},
	} {
		if _, err := Require(bad.models, bad.anomalies); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%v %v: err = %v, want %q", bad.models, bad.anomalies, err, bad.want)
		}
	}
}
