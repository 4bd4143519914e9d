package history

import "sync"

// ListSharer hands out vectors of integers that share their storage with
// equal prefixes read before. In a list-append history every read of a key
// is a prefix of the key's final list (or close to one), and a million
// transactions read lists of a hundred elements on average: stored one by
// one, those copies were 2.5 GB of a 760 MB file's 4.2 GB. Shared, each
// key's reads cost about its longest list.
//
// A shared vector's capacity is its length, so appending to it copies, and
// values are never changed in place (package doc), so sharing is invisible
// to every reader of a History: the vectors are []any holding int64, as
// before. Sharing extends a kept array past the lengths already handed out,
// which no slice handed out can see.
//
// Decoders keep one ListSharer each (it is not safe for concurrent use).
// The hint groups vectors: the decoders pass the value before the vector in
// its enclosing collection, the key of an Elle micro-op [:r k [...]], so
// that each key's reads are compared with that key's lists alone.
type ListSharer struct {
	lines map[any]*lineage
}

// lineage is the arrays kept for one hint, most recently used first: each
// one's length is the longest vector handed out from it.
type lineage [4][]any

const (
	minShared   = 4       // shorter vectors cost less than the search
	maxLineages = 1 << 20 // hints kept; beyond, vectors are copied as before
)

// Share returns a vector equal to xs (which the caller may reuse
// afterwards): a slice of an array kept for hint when xs is all int64
// values, else a copy.
func (s *ListSharer) Share(hint any, xs []any) []any {
	if len(xs) < minShared || !sharableHint(hint) || !allInt64(xs) {
		return append(make([]any, 0, len(xs)), xs...)
	}
	if s.lines == nil {
		s.lines = make(map[any]*lineage)
	}
	l := s.lines[hint]
	if l == nil {
		if len(s.lines) >= maxLineages {
			return append(make([]any, 0, len(xs)), xs...)
		}
		l = new(lineage)
		s.lines[hint] = l
	}
	for i, kept := range l {
		n := min(len(kept), len(xs))
		if kept == nil || !samePrefix(kept[:n], xs[:n]) {
			continue
		}
		if len(xs) > len(kept) { // xs extends it: in place when there is room
			if cap(kept) < len(xs) {
				kept = append(make([]any, 0, len(xs)+len(xs)/2), kept...)
			}
			kept = append(kept, xs[len(kept):]...)
		}
		copy(l[1:i+1], l[:i]) // most recent first
		l[0] = kept
		return kept[:len(xs):len(xs)]
	}
	kept := append(make([]any, 0, len(xs)+len(xs)/4), xs...)
	copy(l[1:], l[:len(l)-1])
	l[0] = kept
	return kept[:len(xs):len(xs)]
}

// sharableHint reports whether hint can key a map (and is worth it).
func sharableHint(hint any) bool {
	switch hint.(type) {
	case int64, string, Keyword:
		return true
	}
	return false
}

func allInt64(xs []any) bool {
	for _, x := range xs {
		if _, ok := x.(int64); !ok {
			return false
		}
	}
	return true
}

// samePrefix compares two vectors of int64 values.
func samePrefix(a, b []any) bool {
	for i := range a {
		if a[i].(int64) != b[i].(int64) {
			return false
		}
	}
	return true
}

// Int returns n in an interface. Go boxes an int64 in an interface with an
// 8-byte allocation of its own unless it is below 256; the integers of a
// history (values, keys, list elements) are mostly below 65,536, and the
// decoders take those from a table built on first use, without allocating.
func Int(n int64) any {
	if uint64(n) < smallIntCount {
		return smallInts()[n]
	}
	return n
}

const smallIntCount = 1 << 16

var smallInts = sync.OnceValue(func() []any {
	xs := make([]any, smallIntCount)
	for i := range xs {
		xs[i] = int64(i)
	}
	return xs
})
