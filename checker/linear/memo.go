package linear

import "github.com/faultline/faultline/checker/linear/model"

// memo is the set of configurations (linearized ops, model state) the
// search has already explored (Lowe's memoisation), with subsumption for
// info ops: a configuration is left out if one with the same state, the same
// ok ops linearized and a subset of its info ops linearized was explored
// already, since info ops are optional: whatever the one that spent more of
// them could still do, the other could do too.
//
// It is an open-addressing hash table keyed by (ok part of the set, state);
// each slot heads a chain of entries with different info parts. Keys live in
// one arena, so an insert allocates only when the table grows.
type memo struct {
	okWords, infoWords int
	mask               uint64
	slots              []memoSlot
	arena              []uint64 // entry e's key at (e-1)*(okWords+infoWords)
	chain              []uint32 // chain[e-1]: the next entry with the same ok part and state
	count              int
}

type memoSlot struct {
	hash  uint64
	state model.State
	entry uint32 // 1 + the head entry's number; 0 marks an empty slot
}

// bytes is the memory the table holds.
func (m *memo) bytes() int64 {
	return int64(len(m.slots))*24 + int64(cap(m.arena))*8 + int64(cap(m.chain))*4
}

// mix spreads a set's Zobrist hash and a state over 64 bits.
func mix(setHash uint64, s model.State) uint64 {
	x := setHash ^ (uint64(s) * 0x9e3779b97f4a7c15)
	x ^= x >> 31
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 29
	return x
}

// insert records the configuration whose linearized set has key (ok part
// then info part, see linset.encode), ok-part hash okHash and state s, and
// reports whether it is new: false if it, or one it subsumes, is known.
func (m *memo) insert(okHash uint64, s model.State, key []uint64) bool {
	h := mix(okHash, s)
	for i := h & m.mask; ; i = (i + 1) & m.mask {
		sl := &m.slots[i]
		if sl.entry == 0 {
			*sl = memoSlot{hash: h, state: s, entry: m.add(key, 0)}
			m.count++
			if m.count*2 > len(m.slots) {
				m.grow()
			}
			return true
		}
		if sl.hash != h || sl.state != s || !m.sameOK(sl.entry, key) {
			continue
		}
		for e := sl.entry; e != 0; e = m.chain[e-1] {
			if m.infoSubset(e, key) {
				return false
			}
		}
		sl.entry = m.add(key, sl.entry)
		return true
	}
}

// add stores key as a new entry followed by next in its chain.
func (m *memo) add(key []uint64, next uint32) uint32 {
	m.arena = append(m.arena, key...)
	m.chain = append(m.chain, next)
	return uint32(len(m.chain))
}

func (m *memo) sameOK(e uint32, key []uint64) bool {
	off := int(e-1) * (m.okWords + m.infoWords)
	for i, w := range m.arena[off : off+m.okWords] {
		if key[i] != w {
			return false
		}
	}
	return true
}

// infoSubset reports whether entry e's info ops are a subset of key's.
func (m *memo) infoSubset(e uint32, key []uint64) bool {
	off := int(e-1)*(m.okWords+m.infoWords) + m.okWords
	for i, w := range m.arena[off : off+m.infoWords] {
		if w&^key[m.okWords+i] != 0 {
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
