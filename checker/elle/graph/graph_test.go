package graph

import (
	"errors"
	"slices"
	"testing"
)

func TestBuildMergesDuplicateEdgesAndDropsSelfEdges(t *testing.T) {
	b := NewBuilder(3, 0)
	b.Add(0, 1, WW)
	b.Add(0, 2, WR)
	b.Add(0, 1, RW)
	b.Add(1, 1, WW) // self edge: dropped
	b.Add(2, 0, Process)
	g := b.Build()
	if g.EdgeCount() != 3 {
		t.Fatalf("edges = %d, want 3 (0->1 merged, self edge dropped)", g.EdgeCount())
	}
	if r := g.Rel(0, 1); r != WW|RW {
		t.Errorf("rel(0,1) = %v, want ww+rw", r)
	}
	if r := g.Rel(1, 1); r != 0 {
		t.Errorf("self edge kept: %v", r)
	}
	if r := g.Rel(2, 0); r != Process {
		t.Errorf("rel(2,0) = %v, want process", r)
	}
	if r := g.Rel(1, 0); r != 0 {
		t.Errorf("rel(1,0) = %v, want none", r)
	}
}

func TestRelString(t *testing.T) {
	if s := (WW | RW | Realtime).String(); s != "ww+rw+realtime" {
		t.Errorf("got %q", s)
	}
	if s := Rel(0).String(); s != "none" {
		t.Errorf("got %q", s)
	}
}

func sorted(cs [][]int32) [][]int32 {
	for _, c := range cs {
		slices.Sort(c)
	}
	slices.SortFunc(cs, func(a, b []int32) int { return int(a[0]) - int(b[0]) })
	return cs
}

func TestComponentsRespectMaskAndSet(t *testing.T) {
	// 0 -ww-> 1 -ww-> 2 -rw-> 0 ; 3 <-wr-> 4 ; 5 alone.
	b := NewBuilder(6, 0)
	b.Add(0, 1, WW)
	b.Add(1, 2, WW)
	b.Add(2, 0, RW)
	b.Add(3, 4, WR)
	b.Add(4, 3, WR)
	g := b.Build()
	s := NewScratch(g)
	got := sorted(s.Components(All))
	want := [][]int32{{0, 1, 2}, {3, 4}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("components = %v, want %v", got, want)
	}
	if got := s.Components(WW | WR); len(got) != 1 || !slices.Equal(sorted(got)[0], []int32{3, 4}) {
		t.Fatalf("ww+wr components = %v, want [[3 4]] (the rw edge is what closes 0-1-2)", got)
	}
	s.Enter([]int32{0, 1, 2, 3})
	if got := s.Components(All); len(got) != 1 || len(got[0]) != 3 {
		t.Fatalf("inside {0,1,2,3}: %v, want only [0 1 2] (4 is outside the set)", got)
	}
	s.Leave()
}

func TestComponentsOfALongChainDoNotOverflow(t *testing.T) {
	const n = 1 << 20
	b := NewBuilder(n, n)
	for i := int32(0); i < n-1; i++ {
		b.Add(i, i+1, WW)
	}
	b.Add(n-1, 0, WR)
	g := b.Build()
	cs := NewScratch(g).Components(All)
	if len(cs) != 1 || len(cs[0]) != n {
		t.Fatalf("got %d components, want one of %d nodes", len(cs), n)
	}
}

// oneRW accepts paths with exactly one rw edge.
var oneRW = &Automaton{
	States: 2,
	Next: func(st uint8, r Rel) (uint8, bool) {
		if r == RW {
			return 1, st == 0
		}
		return st, true
	},
	Accept: func(st uint8) bool { return st == 1 },
}

func TestPathFollowsAutomatonAndPrefersShortest(t *testing.T) {
	// 0 -ww-> 1 -ww-> 3 ; 0 -rw-> 2 -ww-> 3 ; 0 -ww-> 3 directly too.
	b := NewBuilder(4, 0)
	b.Add(0, 1, WW)
	b.Add(1, 3, WW)
	b.Add(0, 2, RW)
	b.Add(2, 3, WW)
	b.Add(0, 3, WW)
	s := NewScratch(b.Build())
	steps, err := s.Path(0, 3, 0, All, oneRW)
	if err != nil {
		t.Fatal(err)
	}
	want := []Step{{0, 2, RW}, {2, 3, WW}}
	if !slices.Equal(steps, want) {
		t.Fatalf("path = %v, want %v (the only path with exactly one rw edge)", steps, want)
	}
	if steps, _ := s.Path(0, 3, 0, WW, oneRW); steps != nil {
		t.Fatalf("found %v over ww edges only, want none", steps)
	}
	any1 := &Automaton{States: 1, Next: func(uint8, Rel) (uint8, bool) { return 0, true }, Accept: func(uint8) bool { return true }}
	steps, _ = s.Path(0, 3, 0, All, any1)
	if !slices.Equal(steps, []Step{{0, 3, WW}}) {
		t.Fatalf("shortest path = %v, want the direct edge", steps)
	}
}

func TestPathBudget(t *testing.T) {
	const n = 1000
	b := NewBuilder(n, n)
	for i := int32(0); i < n-1; i++ {
		b.Add(i, i+1, WW)
	}
	s := NewScratch(b.Build())
	s.Budget = 10
	any1 := &Automaton{States: 1, Next: func(uint8, Rel) (uint8, bool) { return 0, true }, Accept: func(uint8) bool { return true }}
	if _, err := s.Path(0, n-1, 0, All, any1); !errors.Is(err, ErrBudget) {
		t.Fatalf("err = %v, want ErrBudget", err)
	}
	s.Budget, s.Steps = 0, 0
	steps, err := s.Path(0, n-1, 0, All, any1)
	if err != nil || len(steps) != n-1 {
		t.Fatalf("unbudgeted: %d steps, %v", len(steps), err)
	}
}

// usesProcess accepts paths that used at least one process edge.
var usesProcess = &Automaton{
	States: 2,
	Next: func(st uint8, r Rel) (uint8, bool) {
		if r == Process {
			return 1, true
		}
		return st, true
	},
	Accept: func(st uint8) bool { return st == 1 },
}

func TestSimplePathAvoidsTheWalkPathTakes(t *testing.T) {
	// 0 -> 1 -> 2 -> 1 -> 5 is the shortest walk from 0 to 5 that uses a
	// process edge (2 -> 1), but it passes 1 twice. The only simple path
	// with one is 0 -> 3 -> 4 -> 6 -> 5.
	b := NewBuilder(7, 10)
	b.Add(0, 1, WW)
	b.Add(1, 2, WW)
	b.Add(2, 1, Process)
	b.Add(1, 5, WW)
	b.Add(0, 3, WW)
	b.Add(3, 4, Process)
	b.Add(4, 6, WW)
	b.Add(6, 5, WW)
	g := b.Build()
	s := NewScratch(g)
	walk, err := s.Path(0, 5, 0, All, usesProcess)
	if err != nil || len(walk) != 4 || walk[2].To != 1 {
		t.Fatalf("Path = %v, %v: want the 4-step walk through 1 twice", walk, err)
	}
	path, err := s.SimplePath(0, 5, 0, All, usesProcess, 7)
	if err != nil || len(path) != 4 || path[0].To != 3 || path[1].Rel != Process {
		t.Fatalf("SimplePath = %v, %v: want 0 -> 3 -> 4 -> 6 -> 5", path, err)
	}
	// Without the second route, no simple path uses a process edge.
	b = NewBuilder(7, 10)
	b.Add(0, 1, WW)
	b.Add(1, 2, WW)
	b.Add(2, 1, Process)
	b.Add(1, 5, WW)
	s = NewScratch(b.Build())
	if path, err := s.SimplePath(0, 5, 0, All, usesProcess, 7); path != nil || err != nil {
		t.Fatalf("SimplePath = %v, %v: want none", path, err)
	}
	s.Budget = 2
	if _, err := s.SimplePath(0, 5, 0, All, usesProcess, 7); err != ErrBudget {
		t.Fatalf("err = %v, want ErrBudget", err)
	}
}
