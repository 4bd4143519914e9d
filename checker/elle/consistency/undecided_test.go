package consistency

import (
	"slices"
	"testing"
)

func TestDependsOnWriteOrder(t *testing.T) {
	for m, want := range map[string]bool{
		"snapshot-isolation": true, "strong-snapshot-isolation": true, "consistent-view": true,
		"serializable": false, "strict-serializable": false, "read-committed": false, "read-uncommitted": false,
	} {
		r, err := Require([]string{m}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.DependsOnWriteOrder(); got != want {
			t.Errorf("%s: DependsOnWriteOrder = %v, want %v", m, got, want)
		}
	}
}

func TestUndecided(t *testing.T) {
	r, err := Require([]string{"cursor-stability"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Undecided([]string{GSingleItem}); !slices.Equal(got, []string{GCursor}) {
		t.Errorf("cursor-stability, G-single-item found: undecided %v, want [G-cursor]", got)
	}
	if got := r.Undecided([]string{G2Item}); len(got) != 0 {
		t.Errorf("cursor-stability, G2-item found: undecided %v, want none (a G-cursor shows as G-single-item)", got)
	}
	if got := r.Undecided(nil); len(got) != 0 {
		t.Errorf("nothing found: undecided %v, want none", got)
	}
}
