// Package graph holds the transaction dependency graphs the Elle checker
// builds: dense int32 node ids, adjacency in compressed sparse rows with one
// relation bitmask per edge (so ww, wr, rw, process and realtime edges between
// the same two transactions share one slot), strongly connected components
// found by an iterative Tarjan, and path searches restricted to a component
// and to a set of relations. It knows nothing of transactions or keys: the
// checker maps its own ids to nodes, which keeps this package small, fast and
// testable on its own.
package graph

import (
	"slices"
	"strings"
)

// Rel is a set of edge relations. An edge carries every relation that holds
// between its two nodes.
type Rel uint8

const (
	WW       Rel = 1 << iota // the target wrote the version after the source's
	WR                       // the target read what the source wrote
	RW                       // the source read a version the target overwrote
	Process                  // the same process ran the source, then the target
	Realtime                 // the source completed before the target was invoked

	Data = WW | WR | RW
	All  = Data | Process | Realtime
)

var relNames = [...]string{"ww", "wr", "rw", "process", "realtime"}

// Rels lists the single relations in the order searches prefer them: data
// dependencies before orders, ww (the strongest claim) first.
var Rels = [...]Rel{WW, WR, RW, Process, Realtime}

// String names the relations in r, joined by "+", e.g. "ww+rw".
func (r Rel) String() string {
	var parts []string
	for i, n := range relNames {
		if r&(1<<i) != 0 {
			parts = append(parts, n)
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "+")
}

// Builder collects edges; Build turns them into a Graph. Adding the same edge
// twice (with the same or other relations) is fine: Build merges them.
type Builder struct {
	n    int
	from []int32
	to   []int32
	rel  []Rel
}

// NewBuilder starts a graph of n nodes, with room for about edges edges.
func NewBuilder(n, edges int) *Builder {
	return &Builder{n: n, from: make([]int32, 0, edges), to: make([]int32, 0, edges), rel: make([]Rel, 0, edges)}
}

// AddNodes adds k nodes and returns the id of the first.
func (b *Builder) AddNodes(k int) int32 {
	first := b.n
	b.n += k
	return int32(first)
}

// N is the number of nodes so far.
func (b *Builder) N() int { return b.n }

// Add records an edge from -> to with relations r. Self edges are dropped: a
// transaction never depends on itself.
func (b *Builder) Add(from, to int32, r Rel) {
	if from == to || r == 0 {
		return
	}
	b.from = append(b.from, from)
	b.to = append(b.to, to)
	b.rel = append(b.rel, r)
}

// Graph is an immutable directed graph in compressed sparse rows: the
// successors of v are to[off[v]:off[v+1]], sorted, each with its relations.
type Graph struct {
	off []int32
	to  []int32
	rel []Rel
}

// Build sorts the edges by source (a counting sort, linear), then merges
// duplicate edges of each node.
func (b *Builder) Build() *Graph {
	off := make([]int32, b.n+1)
	for _, f := range b.from {
		off[f+1]++
	}
	for i := 1; i <= b.n; i++ {
		off[i] += off[i-1]
	}
	next := slices.Clone(off[:b.n])
	to := make([]int32, len(b.from))
	rel := make([]Rel, len(b.from))
	for i, f := range b.from {
		p := next[f]
		next[f]++
		to[p] = b.to[i]
		rel[p] = b.rel[i]
	}
	// Sort and merge each row in place, compacting as we go.
	w := int32(0)
	start := int32(0)
	for v := 0; v < b.n; v++ {
		end := off[v+1]
		row := w // where this row's compacted edges begin
		sortRow(to[start:end], rel[start:end])
		for i := start; i < end; i++ {
			if w > row && to[w-1] == to[i] {
				rel[w-1] |= rel[i]
				continue
			}
			to[w], rel[w] = to[i], rel[i]
			w++
		}
		start = end
		off[v+1] = w
	}
	// off[v] for v>0 was overwritten with the compacted end of v-1, which is
	// the compacted start of v: exactly what CSR wants.
	return &Graph{off: off, to: to[:w:w], rel: rel[:w:w]}
}

// sortRow sorts a row by target, carrying relations along. Rows are short
// (a transaction touches a few keys), so insertion sort wins; long rows fall
// back to a general sort.
func sortRow(to []int32, rel []Rel) {
	if len(to) > 32 {
		idx := make([]int, len(to))
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(a, b int) int { return int(to[a]) - int(to[b]) })
		t2, r2 := slices.Clone(to), slices.Clone(rel)
		for i, j := range idx {
			to[i], rel[i] = t2[j], r2[j]
		}
		return
	}
	for i := 1; i < len(to); i++ {
		t, r := to[i], rel[i]
		j := i
		for j > 0 && to[j-1] > t {
			to[j], rel[j] = to[j-1], rel[j-1]
			j--
		}
		to[j], rel[j] = t, r
	}
}

// N is the number of nodes.
func (g *Graph) N() int { return len(g.off) - 1 }

// EdgeCount is the number of distinct (source, target) pairs.
func (g *Graph) EdgeCount() int { return len(g.to) }

// Out returns the successors of v and the relations of each edge. The slices
// belong to the graph: do not modify them.
func (g *Graph) Out(v int32) ([]int32, []Rel) {
	a, b := g.off[v], g.off[v+1]
	return g.to[a:b], g.rel[a:b]
}

// Rel returns the relations of the edge from -> to, or 0 if there is none.
func (g *Graph) Rel(from, to int32) Rel {
	ts, rs := g.Out(from)
	if i, ok := slices.BinarySearch(ts, to); ok {
		return rs[i]
	}
	return 0
}
