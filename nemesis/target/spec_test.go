package target

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestResolveSizesForSmallClusters(t *testing.T) {
	want := map[Kind]func(n int) int{
		One:           func(int) int { return 1 },
		Minority:      func(n int) int { return n / 2 },
		Majority:      func(n int) int { return n/2 + 1 },
		MinorityThird: func(n int) int { return (n - 1) / 3 },
		All:           func(n int) int { return n },
	}
	r := rand.New(rand.NewPCG(1, 2))
	for n := 1; n <= 7; n++ {
		nodes := names(n)
		for kind, size := range want {
			for range 20 {
				got, err := Spec{Kind: kind}.Resolve(nodes, nil, r)
				if size(n) == 0 {
					if err == nil || !strings.Contains(err.Error(), "is empty") {
						t.Fatalf("%s of %d nodes: got %v, %v; want an empty-target error", kind, n, got, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s of %d nodes: %v", kind, n, err)
				}
				if len(got) != size(n) {
					t.Fatalf("%s of %d nodes: got %v, want %d nodes", kind, n, got, size(n))
				}
				assertSubsetInOrder(t, got, nodes)
			}
		}
	}
}

func TestRandomCoversEverySubsetSize(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	nodes := names(5)
	seen := map[int]bool{}
	for range 500 {
		got, err := Spec{Kind: Random}.Resolve(nodes, nil, r)
		if err != nil {
			t.Fatal(err)
		}
		assertSubsetInOrder(t, got, nodes)
		seen[len(got)] = true
	}
	for k := 1; k <= 5; k++ {
		if !seen[k] {
			t.Errorf("random never chose %d of 5 nodes in 500 draws", k)
		}
	}
}

func TestSameSeedSameChoice(t *testing.T) {
	nodes := names(9)
	a, _ := Spec{Kind: Majority}.Resolve(nodes, nil, rand.New(rand.NewPCG(7, 7)))
	b, _ := Spec{Kind: Majority}.Resolve(nodes, nil, rand.New(rand.NewPCG(7, 7)))
	if !slices.Equal(a, b) {
		t.Fatalf("same seed chose %v and %v", a, b)
	}
}

func TestPrimariesAndLists(t *testing.T) {
	nodes := names(5)
	got, err := Spec{Kind: Primaries}.Resolve(nodes, []string{"n4", "n2"}, nil)
	if err != nil || !slices.Equal(got, []string{"n2", "n4"}) {
		t.Fatalf("primaries n4,n2: got %v, %v; want [n2 n4]", got, err)
	}
	if _, err := (Spec{Kind: Primaries}).Resolve(nodes, nil, nil); err == nil || !strings.Contains(err.Error(), "is empty") {
		t.Fatalf("no primaries: got %v, want an empty-target error", err)
	}
	if _, err := (Spec{Kind: Primaries}).Resolve(nodes, []string{"n9"}, nil); err == nil || !strings.Contains(err.Error(), `"n9" as a primary`) {
		t.Fatalf("unknown primary: got %v", err)
	}
	got, err = MustParse("n3+n1").Resolve(nodes, nil, nil)
	if err != nil || !slices.Equal(got, []string{"n1", "n3"}) {
		t.Fatalf("list n3+n1: got %v, %v", got, err)
	}
	if _, err := MustParse("n1+n7").Resolve(nodes, nil, nil); err == nil || !strings.Contains(err.Error(), `"n7" is not one of the nodes n1,n2,n3,n4,n5`) {
		t.Fatalf("list naming an unknown node: got %v", err)
	}
}

func TestParse(t *testing.T) {
	for in, want := range map[string]Spec{
		"majority":        {Kind: Majority},
		" minority-third": {Kind: MinorityThird},
		"n2":              {Kind: List, Nodes: []string{"n2"}},
		"n1+n2":           {Kind: List, Nodes: []string{"n1", "n2"}},
	} {
		got, err := Parse(in)
		if err != nil || got.Kind != want.Kind || !slices.Equal(got.Nodes, want.Nodes) {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, want)
		}
		if again, _ := Parse(got.String()); again.String() != got.String() {
			t.Errorf("%q does not round-trip: %q", in, again.String())
		}
	}
	for in, msg := range map[string]string{
		"":       "empty target spec",
		"n1++n2": `node 2 of the list is ""`,
		"a b":    `node 1 of the list is "a b"`,
	} {
		if _, err := Parse(in); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("Parse(%q) error %v; want it to say %q", in, err, msg)
		}
	}
	specs, err := ParseList("one,majority,n1+n3")
	if err != nil || len(specs) != 3 || specs[2].String() != "n1+n3" {
		t.Fatalf("ParseList: %v, %v", specs, err)
	}
	if _, err := ParseList("one,,all"); err == nil || !strings.Contains(err.Error(), "target 2 of") {
		t.Fatalf("ParseList with an empty spec: %v", err)
	}
}

func TestSpecOf(t *testing.T) {
	def := Spec{Kind: One}
	for _, c := range []struct {
		v    any
		want string
	}{{nil, "one"}, {"all", "all"}, {[]any{"n1", "n2"}, "n1+n2"}, {[]string{"n3"}, "n3"}} {
		got, err := SpecOf(c.v, def)
		if err != nil || got.String() != c.want {
			t.Errorf("SpecOf(%v) = %v, %v; want %s", c.v, got, err, c.want)
		}
	}
	if _, err := SpecOf(int64(3), def); err == nil || !strings.Contains(err.Error(), "expected a target spec") {
		t.Errorf("SpecOf(3): %v", err)
	}
	if _, err := SpecOf([]any{"n1", int64(2)}, def); err == nil || !strings.Contains(err.Error(), "element 1") {
		t.Errorf("SpecOf([n1 2]): %v", err)
	}
}

func names(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "n" + string(rune('1'+i))
	}
	return out
}

func assertSubsetInOrder(t *testing.T, got, nodes []string) {
	t.Helper()
	last := -1
	for _, g := range got {
		i := slices.Index(nodes, g)
		if i <= last {
			t.Fatalf("%v is not a repeat-free subset of %v in order", got, nodes)
		}
		last = i
	}
}
