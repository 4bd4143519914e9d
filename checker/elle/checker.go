// Package elle checks transactional histories for isolation anomalies in
// the manner of Jepsen's Elle: it recovers version orders from what
// transactions read, builds the dependency graph (ww, wr, rw, plus process
// and realtime orders), finds strongly connected components and searches
// each for cycles of every anomaly class, and reports which consistency
// models the anomalies rule out. Two workloads are understood: list-append
// ([:append k v], [:r k [v ...]]) and rw-register ([:w k v], [:r k v]).
//
// Reads in these workloads are of single items, never predicates, so every
// anti-dependency is an item anti-dependency and cycles with rw edges are
// reported as G-single-item, G-nonadjacent-item or G2-item; the plain
// G-single, G-nonadjacent and G2 are what those imply (package consistency)
// and what models are stated in terms of.
//
// Only what the history proves is reported: a read's dependencies come from
// the version orders it establishes, transactions that failed are not in
// the graph, and an info transaction is in it only as a possible writer:
// of what others read, and after what they read (its reads are unknown, so
// nothing follows it but what read its writes). A search that runs out of budget says so
// (cycle-search-timeout) and leaves the verdict unknown.
//
// Results are data (a checker.Result whose Details is a *Report); rendering
// lives in report/elle. The package is pure: no I/O.
//
// Not streamed: the analysis needs the whole history (a key's version order
// comes from its longest read, real-time and process orders span it), so it
// takes a History and holds, beside it, one record per transaction and
// micro-op, the dependency graph (CSR, int32 nodes) and its components.
package elle

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/elle/consistency"
	"github.com/faultline/faultline/checker/elle/graph"
	"github.com/faultline/faultline/history"
)

// Options configure a check. The zero value checks strict-serializable.
type Options struct {
	// ConsistencyModels the history must satisfy, by any name or alias
	// Elle accepts (consistency.Models; PL-2, conflict-serializable, ...),
	// in any case, with or without a leading ':'. nil means
	// consistency.Default, strict-serializable. An empty non-nil list, or
	// the single name consistency.None ("none"), means no model: only
	// Anomalies make a history invalid, as Elle's :consistency-models nil.
	ConsistencyModels []string
	// Anomalies to treat as invalid on top of those the models forbid, by
	// Elle's names (GSIb and G-SIb alike); an anomaly that implies one of
	// them counts too (a lost-update, when write-skew is named).
	Anomalies []string
	// CycleSearchBudget bounds the edges visited while searching one
	// strongly connected component; 0 means DefaultCycleSearchBudget.
	CycleSearchBudget int64
	// CycleSearchTimeout bounds the wall-clock time spent searching one
	// strongly connected component (Elle's :cycle-search-timeout); 0 means
	// no limit. Either limit ends that search with cycle-search-timeout and
	// an unknown verdict; the budget is the one that gives the same answer
	// on every machine.
	CycleSearchTimeout time.Duration
	// MaxPerType bounds the anomalies listed per type (the rest are
	// counted); 0 means 8.
	MaxPerType int

	// Version-order inference of rw-register (list-append needs none); the
	// doc of rwRegister in rwregister.go says exactly what each infers and
	// where Faultline differs from Elle.
	// InitialNil: every key starts at nil, before any write (Elle always
	// assumes it; faultline check sets it by default).
	InitialNil bool
	// WritesFollowReads: a transaction that read version a of a key and then
	// wrote b installed b after a (Elle's :wfr-keys?, off by default).
	WritesFollowReads bool
	// SequentialKeys: each process sees each key's versions in order, from
	// one of its transactions to the next (Elle's :sequential-keys?).
	SequentialKeys bool
	// LinearizableKeys: a version observed by a transaction that completed
	// before another began precedes what that other one observes (Elle's
	// :linearizable-keys?).
	LinearizableKeys bool
	// GarbageReads makes a read of a value no transaction wrote an anomaly,
	// garbage-read, which every model forbids. Elle has no such check for
	// registers: there such a value is a version after the initial state,
	// and histories written for Elle use that. Either way the read stays in
	// the graph. Turn it on where keys start empty and only the history's
	// writes can put values there, as in Faultline's own workloads.
	GarbageReads bool
}

func (o *Options) maxPerType() int {
	if o.MaxPerType <= 0 {
		return 8
	}
	return o.MaxPerType
}

// DefaultCycleSearchBudget is the default per-component search budget.
const DefaultCycleSearchBudget = 50_000_000

// Report is the Details of an Elle result.
type Report struct {
	Workload string   `json:"workload"`
	Models   []string `json:"consistency-models"`
	// AnomalyTypes lists every anomaly type found, sorted, whether or not
	// the models forbid it.
	AnomalyTypes []string `json:"anomaly-types"`
	// Anomalies lists found anomalies by type, at most MaxPerType each.
	Anomalies []Anomaly `json:"anomalies"`
	// Omitted counts anomalies per type beyond MaxPerType.
	Omitted map[string]int `json:"omitted,omitempty"`
	// Not lists the weakest models the anomalies rule out; AlsoNot the
	// stronger models that fall with them.
	Not     []string `json:"not"`
	AlsoNot []string `json:"also-not"`
	// NotChecked lists, sorted, what the models and Options.Anomalies
	// demand but this analysis cannot check (consistency.Requirement's
	// NotChecked): anomalies these histories cannot show, such as
	// predicate-read-miss, or G-cursor under cursor-stability; and models
	// defined beyond the anomalies Elle lists for them, such as read-atomic
	// or linearizable. The verdict never claims them: valid means that no
	// forbidden anomaly the analysis checks was found, and is unknown
	// instead when an asked-for model forbids no anomaly at all
	// (linearizable, causal, ...), since then nothing was judged.
	NotChecked []string `json:"not-checked"`
	// Undecided says, a sentence each, why a history in which no forbidden
	// anomaly was found is still unknown: a forbidden anomaly seen only as
	// another name that was found (a G-single-item may be a G-cursor), or
	// writes nothing orders where the models' verdict hangs on their order
	// (two unread appends to one key under snapshot isolation).
	Undecided []string `json:"undecided,omitempty"`
	// Counts of what was analysed.
	Txns       int `json:"txns"`
	Committed  int `json:"committed"`
	Edges      int `json:"edges"`
	Components int `json:"cycle-components"`
}

// Unclaimed lists what the verdict does not cover (NotChecked), for
// callers that explain a valid result only when it has caveats.
func (r *Report) Unclaimed() []string { return r.NotChecked }

// ListAppend returns the list-append checker.
func ListAppend(o Options) checker.Checker {
	return checker.Func(func(ctx context.Context, h *history.History) checker.Result {
		return result(AnalyzeListAppend(ctx, h, o))
	})
}

// RWRegister returns the rw-register checker.
func RWRegister(o Options) checker.Checker {
	return checker.Func(func(ctx context.Context, h *history.History) checker.Result {
		return result(AnalyzeRWRegister(ctx, h, o))
	})
}

// AnalyzeListAppend checks a list-append history and returns its verdict
// and report, or an error for malformed input or bad options.
func AnalyzeListAppend(ctx context.Context, h *history.History, o Options) (checker.Validity, *Report, error) {
	return analyze(ctx, h, o, listAppendSpec, func(a *analysis) explainer { return analyzeListAppend(a) })
}

// AnalyzeRWRegister checks an rw-register history.
func AnalyzeRWRegister(ctx context.Context, h *history.History, o Options) (checker.Validity, *Report, error) {
	return analyze(ctx, h, o, rwRegisterSpec, func(a *analysis) explainer { return analyzeRWRegister(a) })
}

func result(v checker.Validity, r *Report, err error) checker.Result {
	if err != nil {
		return checker.Result{Valid: checker.Unknown, Error: err.Error()}
	}
	res := checker.Result{Valid: v, Details: r}
	var parts []string
	if len(r.AnomalyTypes) > 0 {
		parts = append(parts, strings.Join(r.AnomalyTypes, ", "))
	}
	if len(r.Not) > 0 {
		parts = append(parts, "not "+strings.Join(r.Not, ", "))
	}
	if r.Committed == 0 {
		parts = append(parts, "no committed transactions")
	}
	if len(r.NotChecked) > 0 {
		parts = append(parts, "not checked: "+strings.Join(r.NotChecked, ", "))
	}
	parts = append(parts, r.Undecided...)
	res.Summary = strings.Join(parts, "; ")
	return res
}

// forbidden resolves the options to what makes a history invalid, what
// of it cannot be checked, and the order relations the graph needs.
func (o *Options) forbidden() (*consistency.Requirement, graph.Rel, error) {
	ms := o.ConsistencyModels
	if ms == nil {
		ms = []string{consistency.Default}
	}
	req, err := consistency.Require(ms, o.Anomalies)
	if err != nil {
		return nil, 0, err
	}
	rels := graph.Data
	switch process, realtime := req.NeedsOrder(); {
	case realtime:
		rels |= graph.Process | graph.Realtime
	case process:
		rels |= graph.Process
	}
	return req, rels, nil
}

func analyze(ctx context.Context, h *history.History, o Options, wl workloadSpec, run func(*analysis) explainer) (checker.Validity, *Report, error) {
	if err := ctx.Err(); err != nil {
		return checker.Unknown, nil, err
	}
	req, rels, err := o.forbidden()
	if err != nil {
		return checker.Unknown, nil, err
	}
	checker.Phase(ctx, "analyse")
	a, err := parse(h, wl, &o)
	if err != nil {
		return checker.Unknown, nil, err
	}
	a.b = graph.NewBuilder(len(a.txns), 3*len(a.mops)+3*len(a.txns))
	ex := run(a)
	a.addOrders(rels)
	g := a.b.Build()
	a.b = nil
	budget := o.CycleSearchBudget
	if budget <= 0 {
		budget = DefaultCycleSearchBudget
	}
	r := &Report{Workload: wl.name, Models: req.Models, NotChecked: req.NotChecked, Txns: len(a.txns), Committed: a.committed, Edges: g.EdgeCount()}
	cs := &cycleSearch{a: a, g: g, ntxn: int32(len(a.txns)), rels: rels, budget: budget, timeout: o.CycleSearchTimeout, ex: ex}
	checker.Phase(ctx, "search cycles")
	cycles, err := cs.run(ctx)
	r.Components = cs.components
	if err != nil {
		return checker.Unknown, nil, fmt.Errorf("cycle search interrupted: %w", err)
	}
	all := append(a.found, cycles...)
	all = append(all, cs.timeouts...)
	empty := emptyGraph(g, int32(len(a.txns)))
	if empty {
		all = append(all, Anomaly{Type: consistency.EmptyTransactionGraph, Explanation: []string{
			"no transaction that committed (or might have) depends on another through ww, wr or rw edges" + orderWords(rels) +
				", so there is nothing to judge against the models: the verdict is unknown unless something else is invalid"}})
	}
	checker.Phase(ctx, "explain")
	r.fill(all, o.maxPerType(), a.counts)
	valid := checker.Valid
	if len(cs.timeouts) > 0 || empty || len(req.Undefined) > 0 {
		valid = checker.Unknown
	}
	for _, t := range r.AnomalyTypes {
		if req.Violates(t) {
			valid = checker.Invalid
		}
	}
	if valid == checker.Valid {
		var bad []Anomaly
		checker.Phase(ctx, "try write orders")
		r.Undecided, bad = undecided(ctx, cs, req, r.AnomalyTypes)
		switch {
		case len(bad) > 0:
			*r = Report{Workload: r.Workload, Models: r.Models, NotChecked: r.NotChecked, Txns: r.Txns, Committed: r.Committed, Edges: r.Edges, Components: r.Components}
			r.fill(append(all, bad...), o.maxPerType(), a.counts)
			valid = checker.Invalid
		case len(r.Undecided) > 0:
			valid = checker.Unknown
		}
	}
	return valid, r, nil
}

// undecided says why a history with no forbidden anomaly found is still
// not shown valid (Report.Undecided); or, when every order of the writes
// nothing orders closes a forbidden cycle, returns those cycles, which
// make it invalid.
func undecided(ctx context.Context, cs *cycleSearch, req *consistency.Requirement, found []string) ([]string, []Anomaly) {
	a := cs.a
	var out []string
	for _, an := range req.Undecided(found) {
		_, caught, _ := consistency.How(an)
		out = append(out, fmt.Sprintf("undecided: %s is forbidden and shows only as %s, and one of those was found", an, strings.Join(caught, " or ")))
	}
	if len(a.unordered) == 0 || !req.DependsOnWriteOrder() {
		return out, nil
	}
	if n := orderCount(a.unordered); n > 0 && n*(cs.g.N()+cs.g.EdgeCount()) <= maxOrderWork {
		bad, decided := orderings(ctx, cs, a.unordered, req)
		switch {
		case decided && bad == nil:
			return out, nil
		case decided:
			return out, bad
		}
	}
	names := make([]string, 0, 3)
	for _, k := range a.unordered[:min(len(a.unordered), 3)] {
		names = append(names, edn(a.keyValue(k.key)))
	}
	return append(out, fmt.Sprintf("undecided: %d keys (%s) have appends by several transactions that no read shows, so nothing orders them, too many orders to try one by one, and these models' verdict can hang on that order (e.g. snapshot isolation's first committer wins); a final read of every key settles it", len(a.unordered), strings.Join(names, ", "))), nil
}

// emptyGraph reports whether no transaction depends on another: no edge of
// any relation ends at a transaction node. (Realtime edges reach a
// transaction only from a time-point that some completed transaction
// leads to, so a point with no successor does not count.) This is Elle's
// empty-transaction-graph: its graph holds only transactions that have an
// edge.
func emptyGraph(g *graph.Graph, ntxn int32) bool {
	for v := range int32(g.N()) {
		to, _ := g.Out(v)
		for _, w := range to {
			if w < ntxn {
				return false
			}
		}
	}
	return true
}

// orderWords names the order relations the graph had, for explanations.
func orderWords(rels graph.Rel) string {
	switch {
	case rels&graph.Realtime != 0:
		return ", process order or real time"
	case rels&graph.Process != 0:
		return " or process order"
	}
	return ""
}

// fill sorts anomalies into the report, capping each type; counts holds
// the non-cycle anomalies found per type, including those never listed.
func (r *Report) fill(all []Anomaly, max int, counts map[string]int) {
	sort.SliceStable(all, func(i, j int) bool { return all[i].Type < all[j].Type })
	count := map[string]int{}
	for _, an := range all {
		if count[an.Type] == 0 && an.Type != consistency.CycleSearchTimeout {
			r.AnomalyTypes = append(r.AnomalyTypes, an.Type)
		}
		count[an.Type]++
		if count[an.Type] <= max {
			r.Anomalies = append(r.Anomalies, an)
		}
	}
	for typ, n := range count {
		if c := counts[typ]; c > n {
			n = c
		}
		if n > max {
			if r.Omitted == nil {
				r.Omitted = map[string]int{}
			}
			r.Omitted[typ] = n - max
		}
	}
	r.Not, r.AlsoNot = consistency.RuledOut(r.AnomalyTypes)
	if r.AnomalyTypes == nil {
		r.AnomalyTypes = []string{}
	}
}
