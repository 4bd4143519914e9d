package elle

import (
	"context"
	"slices"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/elle/consistency"
)

// modelHistories are small list-append histories, each made to show one
// anomaly (or none), named after it. Every one has at least one dependency
// edge, so none is unknown for want of a graph.
var modelHistories = map[string]struct {
	txs   []tx
	order string
}{
	"serial":          {[]tx{ok(0, ap(x, 1)), ok(1, r(x, 1), ap(x, 2)), ok(0, r(x, 1, 2), r(y))}, ""},
	"G0":              {[]tx{ok(0, ap(x, 1), ap(y, 1)), ok(1, ap(x, 2), ap(y, 2)), ok(2, r(x, 1, 2), r(y, 2, 1))}, "i0 i1 c0 c1 i2 c2"},
	"G1a":             {[]tx{fail(0, ap(x, 1)), ok(1, ap(y, 1)), ok(2, r(x, 1), r(y, 1))}, ""},
	"G1b":             {[]tx{ok(0, ap(x, 1), ap(x, 2)), ok(1, r(x, 1)), ok(2, r(x, 1, 2))}, "i0 i1 c0 c1 i2 c2"},
	"G1c":             {[]tx{ok(0, ap(x, 1), r(y, 1)), ok(1, ap(y, 1), r(x, 1))}, "i0 i1 c0 c1"},
	"future-read":     {[]tx{ok(0, r(x, 1), ap(x, 1)), ok(1, r(x, 1))}, ""},
	"incompatible":    {[]tx{ok(0, ap(x, 1)), ok(1, ap(x, 2)), ok(2, r(x, 1, 2)), ok(3, r(x, 2))}, ""},
	"duplicates":      {[]tx{ok(0, ap(x, 1)), ok(1, r(x, 1, 1))}, ""},
	"internal":        {[]tx{ok(0, ap(x, 1)), ok(1, r(x, 1), ap(x, 2), r(x, 1)), ok(2, r(x, 1, 2))}, ""},
	"read-skew":       {[]tx{ok(0, r(x), r(y, 1)), ok(1, ap(x, 1), ap(y, 1)), ok(2, r(x, 1), r(y, 1))}, "i0 i1 c0 c1 i2 c2"},
	"lost-update":     {[]tx{ok(0, r(x), ap(x, 1)), ok(1, r(x), ap(x, 2)), ok(2, r(x, 1, 2))}, "i0 i1 c0 c1 i2 c2"},
	"write-skew":      {[]tx{ok(0, r(x), ap(y, 1)), ok(1, r(y), ap(x, 1)), ok(2, r(x, 1), r(y, 1))}, "i0 i1 c0 c1 i2 c2"},
	"long-fork":       {[]tx{ok(0, r(x), r(y, 1)), ok(1, ap(x, 1)), ok(2, r(x, 1), r(y)), ok(3, ap(y, 1))}, "i0 i1 i2 i3 c0 c1 c2 c3"},
	"G0-process":      {[]tx{ok(0, ap(x, 2)), ok(0, ap(x, 1)), ok(1, r(x, 1, 2))}, ""},
	"G0-realtime":     {[]tx{ok(0, ap(x, 1)), ok(1, ap(x, 2)), ok(2, r(x, 2, 1))}, ""},
	"G1c-process":     {[]tx{ok(0, r(x, 1)), ok(0, ap(x, 1))}, ""},
	"G1c-realtime":    {[]tx{ok(0, r(x, 1)), ok(1, ap(x, 1))}, ""},
	"single-process":  {[]tx{ok(0, ap(x, 1)), ok(0, r(x)), ok(1, r(x, 1))}, ""},
	"single-realtime": {[]tx{ok(0, ap(x, 1)), ok(1, r(x)), ok(2, r(x, 1))}, ""},
}

// For every model whose verdict differs from its neighbours' in the
// lattice, histories that fail under it (an anomaly it forbids and a
// weaker neighbour allows) and histories that pass (an anomaly it allows
// and a stronger neighbour forbids). Names are given as people type them,
// Elle's canonical names included.
var modelCases = []struct {
	model      string
	fails      []string
	passes     []string
	notChecked []string // what a pass leaves unclaimed
	// undecided: histories with an anomaly the model allows that may also
	// be one it forbids but that shows only as the allowed one (a
	// G-single-item may be a G-cursor): unknown, never valid.
	undecided []string
}{
	{model: "read-uncommitted", fails: []string{"G0", "duplicates"}, passes: []string{"G1a", "G1c", "incompatible", "read-skew"}},
	{model: "strong-session-read-uncommitted", fails: []string{"G0-process"}, passes: []string{"G0-realtime", "G1c"}},
	{model: "strong-PL-1", fails: []string{"G0-realtime", "G0-process"}, passes: []string{"G1c-process"}},
	// A future read is a G1c and an incompatible order a G1a (Elle's
	// implications), so both rule out read-committed.
	{model: "PL-2", fails: []string{"G1a", "G1b", "G1c", "future-read", "incompatible"}, passes: []string{"read-skew", "G0-process", "lost-update"}},
	{model: "strong-session-read-committed", fails: []string{"G1c-process", "G0-process"}, passes: []string{"G1c-realtime", "single-process"}},
	{model: "strong-read-committed", fails: []string{"G1c-realtime"}, passes: []string{"single-realtime"}},
	{model: "monotonic-atomic-view", fails: []string{"G1c"}, passes: []string{"lost-update"}, notChecked: []string{"monotonic-atomic-view"}},
	{model: "read-atomic", fails: []string{"internal", "future-read", "G1a"}, passes: []string{"lost-update", "write-skew"}, notChecked: []string{"read-atomic"}},
	{model: "ROLA", fails: []string{"lost-update"}, passes: []string{"write-skew"}, notChecked: []string{"update-atomic"}},
	{model: "causal-cerone", fails: []string{"internal"}, passes: []string{"lost-update"}, notChecked: []string{"causal-cerone"}},
	{model: "prefix", fails: []string{"internal", "G1c"}, passes: []string{"lost-update", "long-fork"}, notChecked: []string{"prefix"}},
	{model: "parallel-snapshot-isolation", fails: []string{"lost-update", "internal"}, passes: []string{"long-fork", "write-skew"}, notChecked: []string{"parallel-snapshot-isolation"}},
	{model: "cursor-stability", fails: []string{"lost-update", "G1c"}, passes: []string{"write-skew"}, undecided: []string{"read-skew"}, notChecked: []string{consistency.GCursor}},
	{model: "monotonic-view", fails: []string{"G1c"}, undecided: []string{"read-skew"}, notChecked: []string{consistency.GMonotonic}},
	{model: "monotonic-snapshot-read", fails: []string{"G1a"}, undecided: []string{"read-skew"}, notChecked: []string{consistency.GMSR}},
	// consistent-view is PL-2+: it forbids G-single, unlike prefix.
	{model: "consistent-view", fails: []string{"read-skew", "lost-update"}, passes: []string{"long-fork", "write-skew"}},
	{model: "forward-consistent-view", fails: []string{"read-skew"}, undecided: []string{"long-fork"}, notChecked: []string{consistency.GSIb}},
	// update-serializable is PL-3U, not serializable. A write skew between
	// two updates is a G-update, which Faultline cannot name; a long fork
	// (two read-only transactions) is not one, but it shows as the same
	// kind of cycle: both are unknown, and the report says G-update was not
	// checked.
	{model: "PL-3U", fails: []string{"read-skew"}, undecided: []string{"long-fork", "write-skew"}, notChecked: []string{consistency.GSIb, consistency.GUpdate}},
	{model: "repeatable-read", fails: []string{"write-skew", "lost-update", "long-fork"}, passes: []string{"single-process", "internal"}},
	{model: "snapshot-isolation", fails: []string{"read-skew", "lost-update", "long-fork", "internal"}, passes: []string{"write-skew"}},
	{model: "strong-session-snapshot-isolation", fails: []string{"single-process"}, passes: []string{"single-realtime", "write-skew"}},
	{model: "strong-snapshot-isolation", fails: []string{"single-realtime"}, passes: []string{"write-skew"}},
	{model: "conflict-serializable", fails: []string{"write-skew"}, passes: []string{"single-process", "G1c-process"}, notChecked: []string{consistency.PredicateReadMiss}},
	{model: "strong-session-serializable", fails: []string{"single-process", "G1c-process"}, passes: []string{"single-realtime"}, notChecked: []string{consistency.PredicateReadMiss}},
	{model: "strict-serializable", fails: []string{"single-realtime", "G1c-realtime", "G0-realtime"}, passes: []string{"serial"}, notChecked: []string{consistency.PredicateReadMiss}},
}

// checkModel checks one of modelHistories under o.
func checkModel(t *testing.T, history string, o Options) (checker.Validity, *Report) {
	t.Helper()
	hc, found := modelHistories[history]
	if !found {
		t.Fatalf("no history %q", history)
	}
	v, rep, err := AnalyzeListAppend(context.Background(), build(t, hc.txs, hc.order), o)
	if err != nil {
		t.Fatalf("%s: %v", history, err)
	}
	return v, rep
}

func TestModelVerdicts(t *testing.T) {
	for _, c := range modelCases {
		t.Run(c.model, func(t *testing.T) {
			o := Options{ConsistencyModels: []string{c.model}}
			verdict := func(history string, want checker.Validity) {
				t.Helper()
				v, rep := checkModel(t, history, o)
				if v != want {
					t.Errorf("%s under %s: %v (anomalies %v), want %v", history, c.model, v, rep.AnomalyTypes, want)
				}
				if !slices.Equal(rep.NotChecked, c.notChecked) && len(rep.NotChecked)+len(c.notChecked) > 0 {
					t.Errorf("%s under %s: not checked %v, want %v", history, c.model, rep.NotChecked, c.notChecked)
				}
			}
			for _, h := range c.fails {
				verdict(h, checker.Invalid)
			}
			for _, h := range append(c.passes, "serial") {
				verdict(h, checker.Valid)
			}
			for _, h := range c.undecided {
				verdict(h, checker.Unknown)
			}
		})
	}
}

// Models that Elle defines by no anomaly can never be shown to hold: a
// history is unknown under them, never valid, and the report says why.
func TestModelsWithoutAnomaliesAreUnknown(t *testing.T) {
	for _, m := range []string{"linearizable", "sequential", "causal", "PRAM", "writes-follow-reads", "monotonic-reads",
		"monotonic-writes", "read-your-writes", "view-serializable", "1SR", "session-serializable"} {
		for _, h := range []string{"serial", "G0"} {
			v, rep := checkModel(t, h, Options{ConsistencyModels: []string{m}})
			if v != checker.Unknown || !slices.Contains(rep.NotChecked, rep.Models[0]) {
				t.Errorf("%s under %s: %v, not checked %v; want unknown with the model not checked", h, m, v, rep.NotChecked)
			}
		}
	}
	// With a model that does forbid something, an anomaly is still invalid.
	if v, _ := checkModel(t, "G0", Options{ConsistencyModels: []string{"causal", "read-uncommitted"}}); v != checker.Invalid {
		t.Errorf("G0 under causal and read-uncommitted: %v, want invalid", v)
	}
}

// No model (an empty list, or none) counts only the anomalies named, and
// whatever implies them; nil keeps the default, strict-serializable.
func TestNoModel(t *testing.T) {
	cases := []struct {
		o       Options
		history string
		want    checker.Validity
	}{
		{Options{ConsistencyModels: []string{}}, "G0", checker.Valid},
		{Options{ConsistencyModels: []string{"none"}}, "single-realtime", checker.Valid},
		{Options{ConsistencyModels: []string{":NONE"}, Anomalies: []string{"G1c"}}, "G1c", checker.Invalid},
		{Options{ConsistencyModels: []string{}, Anomalies: []string{"G1c"}}, "G0", checker.Invalid}, // G0 implies G1c
		{Options{ConsistencyModels: []string{}, Anomalies: []string{"G1c"}}, "read-skew", checker.Valid},
		{Options{ConsistencyModels: []string{}, Anomalies: []string{"write-skew"}}, "lost-update", checker.Invalid},
		// write-skew shows only as G2-item: one found may be one.
		{Options{ConsistencyModels: []string{}, Anomalies: []string{"write-skew"}}, "write-skew", checker.Unknown},
		{Options{ConsistencyModels: []string{}, Anomalies: []string{"G-single"}}, "read-skew", checker.Invalid},
		{Options{}, "single-realtime", checker.Invalid},
		{Options{ConsistencyModels: nil}, "serial", checker.Valid},
	}
	for _, c := range cases {
		v, rep := checkModel(t, c.history, c.o)
		if v != c.want {
			t.Errorf("%s with models %q, anomalies %v: %v (anomalies %v), want %v", c.history, c.o.ConsistencyModels, c.o.Anomalies, v, rep.AnomalyTypes, c.want)
		}
	}
	_, rep := checkModel(t, "write-skew", Options{ConsistencyModels: []string{}, Anomalies: []string{"write-skew"}})
	if len(rep.Models) != 0 || !slices.Equal(rep.NotChecked, []string{consistency.WriteSkew}) {
		t.Errorf("models %v, not checked %v: want none, and write-skew not checked (it is reported as G2-item)", rep.Models, rep.NotChecked)
	}
	for _, bad := range []Options{{ConsistencyModels: []string{"none", "serializable"}}, {ConsistencyModels: []string{""}}, {Anomalies: []string{"empty-transaction-graph"}}} {
		if _, _, err := AnalyzeListAppend(context.Background(), build(t, modelHistories["serial"].txs, ""), bad); err == nil {
			t.Errorf("%+v: want an error", bad)
		}
	}
}

// A graph with no edge at all is unknown, as Elle says: nothing depends on
// anything, so no model can be judged. What counts as an edge depends on
// the models: real time orders two sequential transactions under
// strict-serializable, but nothing does under serializable.
func TestEmptyTransactionGraph(t *testing.T) {
	twoWrites := []tx{ok(0, ap(x, 1)), ok(1, ap(y, 1))}
	cases := []struct {
		txs   []tx
		order string
		o     Options
		want  checker.Validity
		empty bool
	}{
		{[]tx{ok(0, ap(x, 1))}, "", Options{}, checker.Unknown, true},
		{twoWrites, "", Options{ConsistencyModels: []string{"serializable"}}, checker.Unknown, true},
		{twoWrites, "", Options{}, checker.Valid, false},
		{twoWrites, "i0 i1 c0 c1", Options{}, checker.Unknown, true}, // concurrent: no realtime order
		{[]tx{ok(0, ap(x, 1)), ok(0, ap(y, 1))}, "", Options{ConsistencyModels: []string{"strong-session-serializable"}}, checker.Valid, false},
		{[]tx{ok(0, ap(x, 1)), ok(1, r(x, 1))}, "i0 i1 c0 c1", Options{ConsistencyModels: []string{"serializable"}}, checker.Valid, false},
		{[]tx{info(0, ap(x, 1)), info(1, ap(x, 2))}, "", Options{}, checker.Unknown, true},
		// An anomaly outside the graph is still invalid.
		{[]tx{ok(0, r(x, 1), ap(x, 1))}, "", Options{}, checker.Invalid, true},
	}
	for i, c := range cases {
		v, rep, err := AnalyzeListAppend(context.Background(), build(t, c.txs, c.order), c.o)
		if err != nil {
			t.Fatal(err)
		}
		if v != c.want || slices.Contains(rep.AnomalyTypes, consistency.EmptyTransactionGraph) != c.empty {
			t.Errorf("case %d: %v with anomalies %v; want %v, empty-transaction-graph %v", i, v, rep.AnomalyTypes, c.want, c.empty)
		}
	}
	res := ListAppend(Options{}).Check(context.Background(), build(t, []tx{ok(0, ap(x, 1))}, ""))
	if res.Summary != "empty-transaction-graph; not checked: predicate-read-miss" {
		t.Errorf("summary %q", res.Summary)
	}
}
