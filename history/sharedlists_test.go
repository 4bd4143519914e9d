package history

import (
	"math/rand/v2"
	"testing"
)

// Whatever ListSharer shares, each vector it returns must stay equal to
// what it was given, whatever is read after it: a shared array extended in
// place, a caller appending to a vector, or the caller's scratch reused.
func TestSharedVectorsStayEqualToWhatWasRead(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	var s ListSharer
	type read struct {
		got, want []any
	}
	var reads []read
	scratch := make([]any, 0, 64)
	// Lists of a few keys that grow by appends (every read a prefix of the
	// key's list, as in a valid list-append history), and now and then a
	// read that disagrees (an invalid one), or holds a non-integer.
	lists := map[int64][]int64{}
	for i := 0; i < 5000; i++ {
		k := int64(rng.IntN(5))
		if rng.IntN(2) == 0 {
			lists[k] = append(lists[k], int64(rng.IntN(1000)))
		}
		l := lists[k][:rng.IntN(len(lists[k])+1)]
		scratch = scratch[:0]
		for _, x := range l {
			scratch = append(scratch, Int(x))
		}
		switch rng.IntN(20) {
		case 0:
			if len(scratch) > 0 {
				scratch[rng.IntN(len(scratch))] = Int(int64(rng.IntN(1000)))
			}
		case 1:
			scratch = append(scratch, Keyword("x"))
		}
		want := append([]any{}, scratch...)
		got := s.Share(k, scratch)
		if cap(got) != len(got) {
			t.Fatalf("a shared vector has room beyond its length (cap %d, len %d): an append could write into another", cap(got), len(got))
		}
		if len(got) > 0 && rng.IntN(10) == 0 {
			_ = append(got, Int(-1)) // a caller growing its vector must not touch the array
		}
		reads = append(reads, read{got, want})
		for i := range scratch {
			scratch[i] = nil // the caller reuses its scratch
		}
	}
	shared := 0
	for i, r := range reads {
		if !Equal(r.got, r.want) || len(r.got) != len(r.want) {
			t.Fatalf("read %d: got %v, want %v", i, r.got, r.want)
		}
		if i > 0 && len(r.got) >= minShared && len(reads[i-1].got) >= minShared && &r.got[0] == &reads[i-1].got[0] {
			shared++
		}
	}
	if shared == 0 {
		t.Errorf("no two successive vectors share an array: the sharing does nothing")
	}
}

func TestOnlyVectorsOfIntegersAreShared(t *testing.T) {
	var s ListSharer
	ints := []any{int64(1), int64(2), int64(3), int64(4)}
	a, b := s.Share(int64(0), ints), s.Share(int64(0), ints[:3:3])
	if len(b) != 3 || &a[0] != &s.Share(int64(0), ints)[0] {
		t.Errorf("equal vectors of integers under one hint must share an array")
	}
	mixed := []any{int64(1), "2", int64(3), int64(4)}
	if m1, m2 := s.Share(int64(0), mixed), s.Share(int64(0), mixed); &m1[0] == &m2[0] {
		t.Errorf("a vector holding a string must be copied, not shared")
	}
	if e := s.Share(nil, []any{}); e == nil || len(e) != 0 {
		t.Errorf("an empty vector must be empty, not nil: %#v", e)
	}
}

func TestIntBoxesAreTheIntegers(t *testing.T) {
	for _, n := range []int64{0, 1, 255, 256, 65535, 65536, -1, 1 << 40} {
		if v, ok := Int(n).(int64); !ok || v != n {
			t.Errorf("Int(%d) = %#v", n, Int(n))
		}
	}
	if allocs := testing.AllocsPerRun(100, func() { _ = Int(40000) }); allocs != 0 {
		t.Errorf("Int(40000) allocates %v times, want 0", allocs)
	}
}
