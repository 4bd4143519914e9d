package elle

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/faultline/faultline/checker/elle/consistency"
	"github.com/faultline/faultline/checker/elle/graph"
	"github.com/faultline/faultline/history"
)

// explainer says why one dependency edge holds, in the words of its
// workload ("T2 read key 5 = [1 2], which T1 appended 2 to").
type explainer interface {
	explain(from, to int32, rel graph.Rel, fromName, toName string) string
}

// Automaton states of the cycle searches: bits of what the path used.
const (
	stRW        uint8 = 1 // an rw edge
	stLastRW    uint8 = 2 // the last edge was rw
	stUsedOrder uint8 = 4 // the variant's order relation
)

// cycleSpec is one search: cycles that start with an edge of relation
// start and continue over mask, as constrained by the class.
type cycleSpec struct {
	class string // base class, e.g. G-single-item
	start graph.Rel
	data  graph.Rel // data relations allowed after the start edge
	// single: at most one rw edge in all (the start). nonadjacent: no two
	// rw edges in a row, counting the wrap-around.
	single, nonadjacent bool
}

var baseSpecs = []cycleSpec{
	{class: consistency.G0, start: graph.WW, data: graph.WW},
	{class: consistency.G1c, start: graph.WR, data: graph.WW | graph.WR},
	{class: consistency.GSingleItem, start: graph.RW, data: graph.WW | graph.WR, single: true},
	{class: consistency.GNonadjacentItem, start: graph.RW, data: graph.Data, nonadjacent: true},
	{class: consistency.G2Item, start: graph.RW, data: graph.Data},
}

// variant is a family of searches: plain, needing process order, or
// needing realtime order.
type variant struct {
	suffix string
	extra  graph.Rel // order relations allowed
	marker graph.Rel // the relation the cycle must use
}

func (s cycleSpec) automaton(v variant) *graph.Automaton {
	return &graph.Automaton{
		States: 8,
		Next: func(st uint8, r graph.Rel) (uint8, bool) {
			ns := st &^ stLastRW
			if r&v.marker != 0 {
				ns |= stUsedOrder
			}
			if r == graph.RW {
				if (s.single && st&stRW != 0) || (s.nonadjacent && st&stLastRW != 0) {
					return 0, false
				}
				ns |= stRW | stLastRW
			}
			return ns, true
		},
		Accept: func(st uint8) bool {
			if s.nonadjacent && st&stLastRW != 0 {
				return false // the closing edge would touch the starting rw edge
			}
			return v.marker == 0 || st&stUsedOrder != 0
		},
	}
}

// cycleSearch finds, in every strongly connected component of the graph,
// one cycle per anomaly class (skipping classes implied by ones already
// found there), within a per-component budget of edge visits.
type cycleSearch struct {
	a        *analysis
	g        *graph.Graph
	ntxn     int32
	rels     graph.Rel
	budget   int64
	timeout  time.Duration // per component, 0: none
	ex       explainer
	sub      []int32 // node -> id in subs, -1
	subs     [][]int32
	subMask  graph.Rel // the relations subs were computed over, 0: none
	timeouts []Anomaly
	// components counts the strongly connected components searched.
	components int
}

func (cs *cycleSearch) run(ctx context.Context) ([]Anomaly, error) {
	s := graph.NewScratch(cs.g)
	cs.sub = make([]int32, cs.g.N())
	for i := range cs.sub {
		cs.sub[i] = -1
	}
	variants := []variant{{suffix: ""}}
	if cs.rels&graph.Process != 0 {
		variants = append(variants, variant{suffix: "-process", extra: graph.Process, marker: graph.Process})
	}
	if cs.rels&graph.Realtime != 0 {
		variants = append(variants, variant{suffix: "-realtime", extra: graph.Process | graph.Realtime, marker: graph.Realtime})
	}
	var out []Anomaly
	comps := s.Components(cs.rels)
	cs.components = len(comps)
	for _, comp := range comps {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		s.Enter(comp)
		s.Steps, s.Budget = 0, cs.budget
		if cs.timeout > 0 {
			s.Deadline = time.Now().Add(cs.timeout)
		}
		out = append(out, cs.searchComponent(s, comp, variants)...)
		cs.clearSub()
		s.Leave()
	}
	return out, nil
}

// searchComponent finds one cycle per class in one component, skipping
// classes implied by those already found; when the budget runs out it
// records a timeout and returns what it has.
func (cs *cycleSearch) searchComponent(s *graph.Scratch, comp []int32, variants []variant) []Anomaly {
	var out []Anomaly
	var found []string
	for _, v := range variants {
		for _, spec := range baseSpecs {
			name := spec.class + v.suffix
			if impliedBy(name, found) {
				continue
			}
			steps, err := cs.searchSpec(s, comp, spec, v)
			if err != nil {
				cs.gaveUp(comp, name, err)
				return out
			}
			if steps == nil {
				continue
			}
			if an := cs.cycle(steps); !impliedBy(an.Type, found) {
				found = append(found, an.Type)
				out = append(out, an)
			}
		}
	}
	return out
}

// impliedBy reports whether class follows from one already found.
func impliedBy(class string, found []string) bool {
	for _, f := range found {
		if slices.Contains(consistency.Implied(f), class) {
			return true
		}
	}
	return false
}

// searchSpec looks for one cycle of spec's shape in the component. Every
// edge of such a cycle is the start edge or an edge of mask, so only a
// start edge whose ends share a strongly connected component of the
// subgraph over both can close one: those are the only ones searched from.
// (The start relation must be in that subgraph: G-single starts with its
// one rw edge and continues without rw, so its two ends are rarely
// strongly connected without it.)
func (cs *cycleSearch) searchSpec(s *graph.Scratch, comp []int32, spec cycleSpec, v variant) ([]graph.Step, error) {
	mask := spec.data | v.extra
	if within := mask | spec.start; within != cs.subMask {
		// Consecutive specs often share a subgraph (G-single, G-nonadjacent
		// and G2): compute its components once for them.
		cs.clearSub()
		cs.subs = s.Components(within)
		cs.subMask = within
		for i, c := range cs.subs {
			for _, n := range c {
				cs.sub[n] = int32(i)
			}
		}
	}
	if len(cs.subs) == 0 {
		return nil, nil
	}
	auto := spec.automaton(v)
	name := spec.class + v.suffix
	for _, a := range comp {
		if a >= cs.ntxn || cs.sub[a] < 0 {
			continue
		}
		to, rels := cs.g.Out(a)
		for i, b := range to {
			if rels[i]&spec.start == 0 || cs.sub[b] != cs.sub[a] {
				continue
			}
			first := graph.Step{From: a, To: b, Rel: spec.start}
			st, _ := auto.Next(0, spec.start)
			path, err := s.Path(b, a, st, mask, auto)
			if err != nil {
				return nil, err
			}
			if path == nil {
				continue
			}
			walk := collapse(append([]graph.Step{first}, path...), cs.ntxn)
			// The shortest walk may pass a transaction twice (in two automaton
			// states); then it is not one cycle but several, each with its own
			// class. One of them may still be of this spec's shape; if none
			// is, a depth-first search over simple paths settles it.
			for _, c := range simpleCycles(walk) {
				if slices.Contains(consistency.Implied(classify(c)), name) {
					return c, nil
				}
			}
			path, err = s.SimplePath(b, a, st, mask, auto, cs.ntxn)
			if err != nil {
				return nil, err
			}
			if path != nil {
				return collapse(append([]graph.Step{first}, path...), cs.ntxn), nil
			}
		}
	}
	return nil, nil
}

// simpleCycles splits a closed walk over transactions into simple cycles:
// each time the walk returns to a transaction it already left, the steps
// in between are one cycle. A walk that is already a simple cycle comes
// back whole.
func simpleCycles(walk []graph.Step) [][]graph.Step {
	var out [][]graph.Step
	var stack []graph.Step
	left := map[int32]int{} // transaction -> position in stack of the step leaving it
	for _, st := range walk {
		left[st.From] = len(stack)
		stack = append(stack, st)
		if i, ok := left[st.To]; ok {
			out = append(out, slices.Clone(stack[i:]))
			for _, done := range stack[i:] {
				delete(left, done.From)
			}
			stack = stack[:i]
		}
	}
	return out
}

func (cs *cycleSearch) clearSub() {
	for _, c := range cs.subs {
		for _, n := range c {
			cs.sub[n] = -1
		}
	}
	cs.subs, cs.subMask = nil, 0
}

// gaveUp records that the search of a component stopped early, and why.
func (cs *cycleSearch) gaveUp(comp []int32, class string, err error) {
	n := 0
	for _, v := range comp {
		if v < cs.ntxn {
			n++
		}
	}
	limit := fmt.Sprintf("ran out of its budget of %d edge visits", cs.budget)
	if errors.Is(err, graph.ErrDeadline) {
		limit = fmt.Sprintf("ran past its time limit of %s (cycle-search-timeout)", cs.timeout)
	}
	cs.timeouts = append(cs.timeouts, Anomaly{
		Type: consistency.CycleSearchTimeout,
		Explanation: []string{fmt.Sprintf("the search for %s cycles in a strongly connected component of %d transactions %s; anomalies in it may be missing, so the verdict is unknown unless something else is invalid",
			class, n, limit)},
	})
}

// collapse replaces runs through realtime time-point nodes with one
// realtime step between the transactions at their ends.
func collapse(steps []graph.Step, ntxn int32) []graph.Step {
	out := steps[:0:0]
	for i := 0; i < len(steps); i++ {
		st := steps[i]
		for st.To >= ntxn && i+1 < len(steps) {
			i++
			st = graph.Step{From: st.From, To: steps[i].To, Rel: graph.Realtime}
		}
		out = append(out, st)
	}
	return out
}

// classify names a cycle from the relations of its steps.
func classify(steps []graph.Step) string {
	rw, wr, proc, rt := 0, false, false, false
	adjacent := false
	for i, s := range steps {
		switch s.Rel {
		case graph.RW:
			rw++
			if steps[(i+1)%len(steps)].Rel == graph.RW {
				adjacent = true
			}
		case graph.WR:
			wr = true
		case graph.Process:
			proc = true
		case graph.Realtime:
			rt = true
		}
	}
	var base string
	switch {
	case rw == 0 && wr:
		base = consistency.G1c
	case rw == 0:
		base = consistency.G0
	case rw == 1:
		base = consistency.GSingleItem
	case !adjacent:
		base = consistency.GNonadjacentItem
	default:
		base = consistency.G2Item
	}
	switch {
	case rt:
		return consistency.Realtime(base)
	case proc:
		return consistency.Process(base)
	}
	return base
}

// cycle turns a found simple cycle (over transactions) into an anomaly
// with its explanation.
func (cs *cycleSearch) cycle(steps []graph.Step) Anomaly {
	// Start at the earliest-invoked transaction, so reports are stable.
	first := 0
	for i, s := range steps {
		if s.From < steps[first].From {
			first = i
		}
	}
	steps = append(steps[first:len(steps):len(steps)], steps[:first]...)
	an := Anomaly{Type: classify(steps)}
	names := map[int32]string{}
	for _, s := range steps {
		if _, ok := names[s.From]; !ok {
			names[s.From] = fmt.Sprintf("T%d", len(names)+1)
			an.Txns = append(an.Txns, cs.a.ref(s.From, names[s.From]))
		}
	}
	for _, s := range steps {
		from, to := names[s.From], names[s.To]
		var why string
		switch s.Rel {
		case graph.Process:
			why = fmt.Sprintf("process %s ran %s and then %s", history.ProcessString(cs.a.txns[s.From].process), from, to)
		case graph.Realtime:
			why = fmt.Sprintf("%s completed (op %d) before %s was invoked (op %d)", from, cs.a.h.At(int(cs.a.txns[s.From].complete)).Index, to, cs.a.h.At(int(cs.a.txns[s.To].invoke)).Index)
		default:
			why = cs.ex.explain(s.From, s.To, s.Rel, from, to)
		}
		an.Steps = append(an.Steps, Step{From: from, To: to, Rel: s.Rel.String(), Explanation: why})
		an.Explanation = append(an.Explanation, fmt.Sprintf("%s < %s: %s", from, to, why))
	}
	an.Explanation = append(an.Explanation, fmt.Sprintf("so %s < %s: a cycle (%s)", an.Steps[0].From, an.Steps[0].From, an.Type))
	return an
}
