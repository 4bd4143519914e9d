package linear

// linset is the set of linearized ops during a search, kept in a form that
// makes memo keys short. Ops that completed ok are numbered in invocation
// order; every one of them is linearized in the end, and one can only be
// linearized while the first unlinearized one (lo) is still running, so the
// linearized ok ops are all those below lo plus a few in a window of
// bounded width above it. The memo key is lo, the window's bits and a bitset
// of the (few) info ops: a handful of words however long the history,
// where a plain bitset would cost a word per 64 ops on every insert.
type linset struct {
	slot   []int32  // per op: its ok number, or -(info number)-1
	ok     []uint64 // one bit per ok op, plus window+1 words of zero padding
	info   []uint64 // one bit per info op
	lo     int32    // the first ok op not linearized
	window int      // words of ok bits above lo that can be set
	hash   uint64   // Zobrist hash of the ok ops in the set
	zob    []uint64 // per op, its random hash contribution
	key    []uint64 // scratch for encode
}

func newLinset(part *partition, sc *scratch) *linset {
	n := len(part.ops)
	s := &linset{slot: take(&sc.slot, n), zob: sc.zobrist(n)}
	oks, infos := int32(0), int32(0)
	for i, op := range part.ops {
		if op.Known {
			s.slot[i] = oks
			oks++
		} else {
			infos++
			s.slot[i] = -infos
		}
	}
	// The window's width: while ok op k is unlinearized, only ok ops
	// invoked before k's completion can be linearized, so the widest
	// window is the most ok ops invoked before some ok op k completes,
	// beyond k.
	width, invoked := int32(1), int32(0)
	for _, ev := range part.events {
		if k := s.slot[ev.op]; k >= 0 {
			if ev.ret {
				width = max(width, invoked-k)
			} else {
				invoked++
			}
		}
	}
	s.window = int(width+63) / 64
	s.ok = take(&sc.ok, (int(oks)+63)/64+s.window+1)
	s.info = take(&sc.info, (int(infos)+63)/64)
	s.key = take(&sc.key, 1+s.window+len(s.info))
	return s
}

func (s *linset) add(op int32) {
	k := s.slot[op]
	if k < 0 {
		k = -k - 1
		s.info[k>>6] |= 1 << (k & 63)
		return
	}
	s.hash ^= s.zob[op]
	s.ok[k>>6] |= 1 << (k & 63)
	for k == s.lo && s.ok[k>>6]&(1<<(k&63)) != 0 {
		k++
		s.lo = k
	}
}

// has reports whether op is in the set.
func (s *linset) has(op int32) bool {
	k := s.slot[op]
	if k < 0 {
		k = -k - 1
		return s.info[k>>6]&(1<<(k&63)) != 0
	}
	return s.ok[k>>6]&(1<<(k&63)) != 0
}

// remove takes op out again; it must be the op added last.
func (s *linset) remove(op int32) {
	k := s.slot[op]
	if k < 0 {
		k = -k - 1
		s.info[k>>6] &^= 1 << (k & 63)
		return
	}
	s.hash ^= s.zob[op]
	s.ok[k>>6] &^= 1 << (k & 63)
	s.lo = min(s.lo, k)
}

// encode returns the set's key (valid until the next call).
func (s *linset) encode() []uint64 {
	s.key[0] = uint64(s.lo)
	q, r := int(s.lo>>6), uint(s.lo&63)
	for w := range s.window {
		x := s.ok[q+w] >> r
		if r != 0 {
			x |= s.ok[q+w+1] << (64 - r)
		}
		s.key[1+w] = x
	}
	copy(s.key[1+s.window:], s.info)
	return s.key
}
