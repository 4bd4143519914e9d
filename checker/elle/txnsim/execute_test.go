package txnsim

import (
	"fmt"
	"testing"
)

// TestStoreReads holds the store's one read to what each behaviour relies
// on: the versions of the commits before the read's moment, minus those
// lost by then, then the reader's own writes; a list shares the store's
// array when nothing else sits between, and is a copy otherwise.
func TestStoreReads(t *testing.T) {
	// Key 0: commits 0, 1 and 2 append 10, 11, 12; commit 3 (the reader)
	// appends 13.
	fresh := func(lost int32) *store {
		s := &store{maxW: 8}
		s.install(0, int64(10), 0, never)
		s.install(0, int64(11), 1, lost)
		s.install(0, int64(12), 2, never)
		s.install(0, int64(13), 3, never)
		return s
	}
	cases := []struct {
		name     string
		lost     int32 // the first moment that no longer sees 11
		cut      int32
		own      int
		w        Workload
		want     string
		sharesAt bool // the list is a slice of the store's array
	}{
		{"the state before the reader's commit and its own write share the array", never, 3, 1, ListAppend, "[10 11 12 13]", true},
		{"an older snapshot without own writes is a prefix of the array", never, 2, 0, ListAppend, "[10 11]", true},
		{"an older snapshot with own writes skips the commits in between", never, 1, 1, ListAppend, "[10 13]", false},
		{"nothing committed yet", never, 0, 0, ListAppend, "[]", true},
		{"a register reads its own last write", never, 1, 1, RWRegister, "13", false},
		{"a register reads the last commit before the cut", never, 2, 0, RWRegister, "11", false},
		{"a register before any commit reads nil", never, 0, 0, RWRegister, "<nil>", false},
		{"a version lost from moment 2 is seen at 1's end", 2, 1, 0, ListAppend, "[10]", false},
		{"a version lost from moment 2 is gone at 3", 2, 3, 1, ListAppend, "[10 12 13]", false},
		{"a version lost from moment 3 is seen at 2", 3, 2, 0, ListAppend, "[10 11]", false},
		{"a lost register write leaves the latest that survives", 2, 2, 0, RWRegister, "10", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := fresh(c.lost)
			got := s.read(c.w, 0, c.cut, c.own)
			if fmt.Sprint(got) != c.want {
				t.Fatalf("read at %d with %d own: %v, want %s", c.cut, c.own, got, c.want)
			}
			if l, ok := got.([]any); ok && len(l) > 0 {
				if shares := &l[0] == &s.vals[0][0]; shares != c.sharesAt {
					t.Errorf("shares the store's array: %v, want %v", shares, c.sharesAt)
				}
			}
			if fmt.Sprint(s.vals[0]) != "[10 11 12 13]" {
				t.Errorf("the read wrote into the store's array: %v", s.vals[0])
			}
		})
	}
}
