package linear

import "github.com/faultline/faultline/checker/linear/model"

// memo is the set of configurations (linearized ops, model state) the
// search has already explored: reaching one again cannot lead anywhere new
// (Lowe's memoisation). It is an open-addressing hash table whose slots
// hold the full hash and the state, with the linearized sets stored as
// bitsets in one arena, so an insert allocates only when the table grows.
type memo struct {
	words int // uint64 words per bitset
	mask  uint64
	slots []memoSlot
	arena []uint64
	count int
}

type memoSlot struct {
	hash  uint64
	state model.State
	entry uint32 // 1 + the entry's number in the arena; 0 marks an empty slot
}

// bytes is the memory the table holds.
func (m *memo) bytes() int64 { return int64(len(m.slots))*24 + int64(cap(m.arena))*8 }

// mix spreads a bitset's Zobrist hash and a state over 64 bits.
func mix(setHash uint64, s model.State) uint64 {
	x := setHash ^ (uint64(s) * 0x9e3779b97f4a7c15)
	x ^= x >> 31
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 29
	return x
}

// insert adds (bits, s), whose set hash is setHash, and reports whether it
// was new.
func (m *memo) insert(setHash uint64, s model.State, bits []uint64) bool {
	h := mix(setHash, s)
	for i := h & m.mask; ; i = (i + 1) & m.mask {
		sl := &m.slots[i]
		if sl.entry == 0 {
			off := len(m.arena)
			m.arena = append(m.arena, bits...)
			*sl = memoSlot{hash: h, state: s, entry: uint32(off/m.words) + 1}
			m.count++
			if m.count*2 > len(m.slots) {
				m.grow()
			}
			return true
		}
		if sl.hash == h && sl.state == s && m.same(sl.entry, bits) {
			return false
		}
	}
}

func (m *memo) same(entry uint32, bits []uint64) bool {
	off := int(entry-1) * m.words
	stored := m.arena[off : off+m.words]
	for i, w := range bits {
		if stored[i] != w {
			return false
		}
	}
	return true
}

func (m *memo) grow() {
	old := m.slots
	m.slots = make([]memoSlot, 2*len(old))
	m.mask = uint64(len(m.slots) - 1)
	for _, sl := range old {
		if sl.entry == 0 {
			continue
		}
		i := sl.hash & m.mask
		for m.slots[i].entry != 0 {
			i = (i + 1) & m.mask
		}
		m.slots[i] = sl
	}
}
