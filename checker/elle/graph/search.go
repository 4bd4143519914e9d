package graph

import (
	"errors"
	"time"
)

// ErrBudget is returned by a search that examined more edges than its
// Scratch's Budget allows, and ErrDeadline by one that ran past its
// Deadline. The caller reports an unknown verdict rather than waiting or
// claiming the absence of a cycle.
var (
	ErrBudget   = errors.New("graph: search budget exhausted")
	ErrDeadline = errors.New("graph: search deadline passed")
)

// deadlineEvery is how many edge visits pass between looks at the clock:
// often enough to stop within a millisecond, rarely enough to cost nothing.
const deadlineEvery = 1 << 12

// Scratch holds the working arrays of searches over one graph, so repeated
// searches allocate almost nothing. Searches run inside a node set chosen
// with Enter. A Scratch is not safe for concurrent use.
type Scratch struct {
	g     *Graph
	nodes []int32 // the current set; nil means every node
	local []int32 // global id -> position in nodes, -1 outside; nil when nodes is nil

	// Steps counts edges examined by searches; Budget (0: unlimited) bounds
	// it. Deadline (zero: none) bounds the wall-clock time of searches: the
	// budget is deterministic, the deadline is what a person waiting sets.
	Steps    int64
	Budget   int64
	Deadline time.Time

	// Tarjan.
	index, low []int32
	onStack    []bool
	stack      []int32
	frames     []frame

	// Depth-first search over simple paths.
	onPath []bool
	dfs    []dfsFrame

	// Breadth-first search over (node, state) pairs.
	seen   []uint32
	stamp  uint32
	parent []int32
	viaRel []Rel
	queue  []int32
}

type frame struct {
	v   int32 // local id
	pos int32 // next edge to look at, as an index into g.to
}

// NewScratch prepares searches over g; the current set is every node.
func NewScratch(g *Graph) *Scratch { return &Scratch{g: g} }

// Enter makes nodes the current set (nil: every node). Nodes must be distinct.
func (s *Scratch) Enter(nodes []int32) {
	s.Leave()
	if nodes == nil {
		return
	}
	if s.local == nil {
		s.local = make([]int32, s.g.N())
		for i := range s.local {
			s.local[i] = -1
		}
	}
	for i, v := range nodes {
		s.local[v] = int32(i)
	}
	s.nodes = nodes
}

// Leave makes every node the current set again.
func (s *Scratch) Leave() {
	for _, v := range s.nodes {
		s.local[v] = -1
	}
	s.nodes = nil
}

func (s *Scratch) size() int {
	if s.nodes == nil {
		return s.g.N()
	}
	return len(s.nodes)
}

// loc maps a global id to its local one, -1 outside the current set.
func (s *Scratch) loc(v int32) int32 {
	if s.nodes == nil {
		return v
	}
	return s.local[v]
}

func (s *Scratch) glob(l int32) int32 {
	if s.nodes == nil {
		return l
	}
	return s.nodes[l]
}

func grow[T any](xs []T, n int) []T {
	if cap(xs) < n {
		return make([]T, n)
	}
	return xs[:n]
}

// Components returns the strongly connected components, with more than one
// node, of the current set using only edges with a relation in mask. Each
// component lists global ids. Tarjan's algorithm, with an explicit stack so
// that a million-node chain does not overflow the goroutine stack.
func (s *Scratch) Components(mask Rel) [][]int32 {
	n := s.size()
	s.index = grow(s.index, n)
	s.low = grow(s.low, n)
	s.onStack = grow(s.onStack, n)
	for i := 0; i < n; i++ {
		s.index[i] = -1
		s.onStack[i] = false
	}
	s.stack = s.stack[:0]
	var out [][]int32
	counter := int32(0)
	g := s.g
	for root := int32(0); root < int32(n); root++ {
		if s.index[root] >= 0 {
			continue
		}
		s.frames = append(s.frames[:0], s.push(root, &counter))
		for len(s.frames) > 0 {
			f := &s.frames[len(s.frames)-1]
			v := f.v
			end := g.off[s.glob(v)+1]
			descended := false
			for f.pos < end {
				p := f.pos
				f.pos++
				if g.rel[p]&mask == 0 {
					continue
				}
				w := s.loc(g.to[p])
				if w < 0 {
					continue
				}
				if s.index[w] < 0 {
					s.frames = append(s.frames, s.push(w, &counter))
					descended = true
					break
				}
				if s.onStack[w] && s.index[w] < s.low[v] {
					s.low[v] = s.index[w]
				}
			}
			if descended {
				continue
			}
			if s.low[v] == s.index[v] {
				i := len(s.stack) - 1
				for s.stack[i] != v {
					i--
				}
				if len(s.stack)-i > 1 {
					comp := make([]int32, 0, len(s.stack)-i)
					for _, w := range s.stack[i:] {
						comp = append(comp, s.glob(w))
					}
					out = append(out, comp)
				}
				for _, w := range s.stack[i:] {
					s.onStack[w] = false
				}
				s.stack = s.stack[:i]
			}
			s.frames = s.frames[:len(s.frames)-1]
			if len(s.frames) > 0 {
				u := s.frames[len(s.frames)-1].v
				if s.low[v] < s.low[u] {
					s.low[u] = s.low[v]
				}
			}
		}
	}
	return out
}

func (s *Scratch) push(v int32, counter *int32) frame {
	s.index[v] = *counter
	s.low[v] = *counter
	*counter++
	s.stack = append(s.stack, v)
	s.onStack[v] = true
	return frame{v: v, pos: s.g.off[s.glob(v)]}
}

// Automaton constrains a path search. A state (below States, at most 8)
// records what the path so far has used; Next says whether an edge of the
// single relation r may follow in state st, and the state after it; Accept
// says whether a path may end in state st.
type Automaton struct {
	States int
	Next   func(st uint8, r Rel) (uint8, bool)
	Accept func(st uint8) bool
}

// Step is one edge of a path, with the single relation the search used it for.
type Step struct {
	From, To int32
	Rel      Rel
}

// Path finds a shortest path from `from`, starting in state start, to `to`,
// ending in an accepting state, through the current set, over edges with a
// relation in mask. Where an edge carries several relations, they are tried
// in the order of Rels. It returns nil if there is no such path, and
// ErrBudget if the budget ran out first.
func (s *Scratch) Path(from, to int32, start uint8, mask Rel, a *Automaton) ([]Step, error) {
	lf, lt := s.loc(from), s.loc(to)
	if lf < 0 || lt < 0 {
		return nil, nil
	}
	k := int32(a.States)
	n := s.size() * int(k)
	if len(s.seen) < n {
		s.seen = make([]uint32, n)
		s.parent = make([]int32, n)
		s.viaRel = make([]Rel, n)
		s.stamp = 0
	}
	s.stamp++
	if s.stamp == 0 { // wrapped: clear and restart the stamps
		clear(s.seen)
		s.stamp = 1
	}
	first := lf*k + int32(start)
	s.seen[first] = s.stamp
	s.parent[first] = -1
	s.queue = append(s.queue[:0], first)
	g := s.g
	for qi := 0; qi < len(s.queue); qi++ {
		cur := s.queue[qi]
		lv, st := cur/k, uint8(cur%k)
		v := s.glob(lv)
		for p := g.off[v]; p < g.off[v+1]; p++ {
			s.Steps++
			if s.Budget > 0 && s.Steps > s.Budget {
				return nil, ErrBudget
			}
			if s.Steps%deadlineEvery == 0 && s.pastDeadline() {
				return nil, ErrDeadline
			}
			rels := g.rel[p] & mask
			if rels == 0 {
				continue
			}
			lw := s.loc(g.to[p])
			if lw < 0 {
				continue
			}
			for _, r := range Rels {
				if rels&r == 0 {
					continue
				}
				ns, ok := a.Next(st, r)
				if !ok {
					continue
				}
				id := lw*k + int32(ns)
				if s.seen[id] == s.stamp {
					continue
				}
				s.seen[id] = s.stamp
				s.parent[id] = cur
				s.viaRel[id] = r
				if lw == lt && a.Accept(ns) {
					return s.unwind(id, k), nil
				}
				s.queue = append(s.queue, id)
			}
		}
	}
	return nil, nil
}

// SimplePath is Path restricted to paths that visit each node below
// distinct at most once and never pass through `to` before their end
// (nodes from distinct up, such as the checker's time points, may repeat,
// so they must not form a cycle among themselves):
// a depth-first search, edges and relations tried in order, that returns
// the first such path it finds, not the shortest. Path's shortest walk may
// repeat a node when the automaton's state differs between the visits;
// the cycle it closes is then not simple, and this is the search that
// settles whether a simple one exists. It is exponential in the worst
// case, so the budget and the deadline bound it.
func (s *Scratch) SimplePath(from, to int32, start uint8, mask Rel, a *Automaton, distinct int32) ([]Step, error) {
	lf := s.loc(from)
	if lf < 0 || s.loc(to) < 0 {
		return nil, nil
	}
	s.onPath = grow(s.onPath, s.size())
	clear(s.onPath)
	g := s.g
	mark := func(v int32, on bool) {
		if v < distinct {
			s.onPath[s.loc(v)] = on
		}
	}
	mark(from, true)
	s.dfs = append(s.dfs[:0], dfsFrame{v: from, st: start, pos: g.off[from]})
	var path []Step
	for len(s.dfs) > 0 {
		f := &s.dfs[len(s.dfs)-1]
		next, st, found, err := s.advance(f, to, mask, a, distinct)
		switch {
		case err != nil:
			return nil, err
		case found:
			return append(path, next), nil
		case next.To >= 0:
			path = append(path, next)
			mark(next.To, true)
			s.dfs = append(s.dfs, dfsFrame{v: next.To, st: st, pos: g.off[next.To]})
		default:
			mark(f.v, false)
			s.dfs = s.dfs[:len(s.dfs)-1]
			if len(path) > 0 {
				path = path[:len(path)-1]
			}
		}
	}
	return nil, nil
}

// dfsFrame is a node on SimplePath's current path: the automaton state it
// was reached in, and the next edge and relation to try from it.
type dfsFrame struct {
	v   int32
	st  uint8
	pos int32 // index into g.to
	rel int   // index into Rels
}

// advance finds the next step from frame f, and the automaton state after
// it: one that ends the path at `to` in an accepting state (found), or one
// onto a node not on the path; a step with To -1 when none is left.
func (s *Scratch) advance(f *dfsFrame, to int32, mask Rel, a *Automaton, distinct int32) (Step, uint8, bool, error) {
	g := s.g
	for ; f.pos < g.off[f.v+1]; f.pos, f.rel = f.pos+1, 0 {
		rels := g.rel[f.pos] & mask
		w := g.to[f.pos]
		lw := s.loc(w)
		if rels == 0 || lw < 0 {
			continue
		}
		for f.rel < len(Rels) {
			r := Rels[f.rel]
			f.rel++
			if rels&r == 0 {
				continue
			}
			s.Steps++
			if s.Budget > 0 && s.Steps > s.Budget {
				return Step{}, 0, false, ErrBudget
			}
			if s.Steps%deadlineEvery == 0 && s.pastDeadline() {
				return Step{}, 0, false, ErrDeadline
			}
			ns, ok := a.Next(f.st, r)
			switch {
			case !ok:
			case w == to:
				if a.Accept(ns) {
					return Step{From: f.v, To: w, Rel: r}, ns, true, nil
				}
			case w >= distinct || !s.onPath[lw]:
				return Step{From: f.v, To: w, Rel: r}, ns, false, nil
			}
		}
	}
	return Step{To: -1}, 0, false, nil
}

func (s *Scratch) pastDeadline() bool {
	return !s.Deadline.IsZero() && time.Now().After(s.Deadline)
}

func (s *Scratch) unwind(id, k int32) []Step {
	var steps []Step
	for s.parent[id] >= 0 {
		p := s.parent[id]
		steps = append(steps, Step{From: s.glob(p / k), To: s.glob(id / k), Rel: s.viaRel[id]})
		id = p
	}
	for i, j := 0, len(steps)-1; i < j; i, j = i+1, j-1 {
		steps[i], steps[j] = steps[j], steps[i]
	}
	return steps
}
