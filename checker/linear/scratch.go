package linear

import (
	"github.com/faultline/faultline/checker/linear/model"
	"github.com/faultline/faultline/history"
)

// scratch holds one worker's buffers, reused from one search to the next,
// so that checking a thousand small keys does not allocate a thousand times
// over. A search owns the buffers until it returns.
type scratch struct {
	next, prev, entOp, match, callEntry, slot, twin []int32
	phase                                           []uint8
	zob, ok, info, key                              []uint64
	memo                                            memo
	stack                                           []frame
	nodes                                           []lnode
	twins                                           map[string]int32
	rets                                            [][2]int32
}

// take returns (*buf)[:n] with every element zero, growing *buf if needed.
func take[T any](buf *[]T, n int) []T {
	if cap(*buf) < n {
		*buf = make([]T, n, n+n/4)
	}
	s := (*buf)[:n]
	clear(s)
	return s
}

// zobrist returns a random 64-bit value per op number, the same in every
// search (splitmix64 of the number).
func (sc *scratch) zobrist(n int) []uint64 {
	for i := len(sc.zob); i < n; i++ {
		z := uint64(i+1)*0x9e3779b97f4a7c15 + 0x243f6a8885a308d3
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		sc.zob = append(sc.zob, z^(z>>31))
	}
	return sc.zob[:n]
}

// newMemo returns the worker's memo, emptied, for keys of the given words,
// ok part then info part,
// sized for a search of about ops operations (it grows as needed).
func (sc *scratch) newMemo(okWords, infoWords, ops int) *memo {
	size := 64
	for size < 2*ops {
		size *= 2
	}
	m := &sc.memo
	if cap(m.slots) < size {
		m.slots = make([]memoSlot, size)
	}
	m.slots = m.slots[:size]
	clear(m.slots)
	m.okWords, m.infoWords, m.mask, m.count = okWords, infoWords, uint64(size-1), 0
	m.arena, m.chain = m.arena[:0], m.chain[:0]
	return m
}

// infoTwins returns, for each info op, the info op invoked last before it
// that does exactly the same (same f, same value), or -1. Such twins are
// interchangeable: neither has a completion to meet, and the earlier one can
// go wherever the later one can, so the search linearizes twins only in
// invocation order, which spares it every order of the same writes.
func (sc *scratch) infoTwins(ops []model.Op) []int32 {
	twin := take(&sc.twin, len(ops))
	clear(sc.twins)
	for i, op := range ops {
		twin[i] = -1
		if op.Known {
			continue
		}
		if sc.twins == nil {
			sc.twins = make(map[string]int32)
		}
		k := op.F + " " + history.Key(op.Value)
		if j, ok := sc.twins[k]; ok {
			twin[i] = j
		}
		sc.twins[k] = int32(i)
	}
	return twin
}
