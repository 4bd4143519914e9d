package history

// KeyFunc extracts the key an op concerns, and the value it carries for that
// key. ok is false for ops that concern no key (they are left out of per-key
// views).
type KeyFunc func(op Op) (key any, value any, ok bool)

// TupleKey is the KeyFunc of Jepsen's independent histories, whose values are
// [key value] tuples.
func TupleKey(op Op) (any, any, bool) {
	xs, ok := AsSlice(op.Value)
	if !ok || len(xs) != 2 {
		return nil, nil, false
	}
	return xs[0], xs[1], true
}

// KeyedHistory is the sub-history of one key.
type KeyedHistory struct {
	Key     any
	History *History
}

// keyIDs numbers distinct keys in order of first appearance. Integer and
// text keys (the common cases) avoid building a Key string per op.
type keyIDs struct {
	ints  map[int64]int32
	texts map[string]int32
	other map[string]int32
	keys  []any
}

func (k *keyIDs) id(key any) int32 {
	var m map[string]int32
	var s string
	switch x := key.(type) {
	case int64:
		if id, ok := k.ints[x]; ok {
			return id
		}
		id := int32(len(k.keys))
		k.ints[x] = id
		k.keys = append(k.keys, key)
		return id
	case string:
		m, s = k.texts, x
	case Keyword:
		m, s = k.texts, string(x)
	default:
		if i, ok := AsInt(key); ok && !isFloat(key) {
			return k.id(i)
		}
		m, s = k.other, Key(key)
	}
	if id, ok := m[s]; ok {
		return id
	}
	id := int32(len(k.keys))
	m[s] = id
	k.keys = append(k.keys, key)
	return id
}

func isFloat(v any) bool { _, ok := v.(float64); return ok }

// ByKey splits the history into one sub-history per key, each op's value
// replaced by the value keyFn gives for its key. An op whose value names no
// key (an invoke of a read in some Jepsen histories is a bare nil) takes the
// key of its partner, so pairs stay together. Sub-histories are returned in
// order of each key's first appearance; ops keep their Index.
func (h *History) ByKey(keyFn KeyFunc) []KeyedHistory {
	ids := keyIDs{ints: map[int64]int32{}, texts: map[string]int32{}, other: map[string]int32{}}
	opKey := make([]int32, len(h.ops))
	values := make([]any, len(h.ops))
	for i := range h.ops {
		k, v, ok := keyFn(h.ops[i])
		if ok {
			opKey[i], values[i] = ids.id(k), v
		} else {
			opKey[i] = -1
		}
	}
	for i := range h.ops {
		if j := h.pair[i]; opKey[i] < 0 && j >= 0 {
			opKey[i] = opKey[j]
		}
	}
	// A pair whose halves name different keys belongs to neither: drop both
	// halves rather than leave an invoke that looks like it never completed.
	counts := make([]int, len(ids.keys))
	for i := range h.ops {
		if j := h.pair[i]; j >= 0 && opKey[j] != opKey[i] {
			continue
		}
		if opKey[i] >= 0 {
			counts[opKey[i]]++
		}
	}
	subs := make([]*History, len(ids.keys))
	for id := range subs {
		subs[id] = &History{ops: make([]Op, 0, counts[id]), pair: make([]int, 0, counts[id])}
	}
	pos := make([]int, len(h.ops)) // position of op i in its sub-history
	for i := range h.ops {
		id, j := opKey[i], h.pair[i]
		if id < 0 || (j >= 0 && opKey[j] != id) {
			continue
		}
		sub := subs[id]
		pos[i] = len(sub.ops)
		if i < h.start {
			sub.start++
		}
		op := h.ops[i]
		op.Value = values[i]
		sub.ops = append(sub.ops, op)
		switch {
		case j < 0:
			sub.pair = append(sub.pair, -1)
		case j < i:
			sub.pair = append(sub.pair, pos[j])
			sub.pair[pos[j]] = pos[i]
		default:
			sub.pair = append(sub.pair, -1) // filled in when its partner arrives
		}
	}
	out := make([]KeyedHistory, len(subs))
	for id, sub := range subs {
		out[id] = KeyedHistory{Key: ids.keys[id], History: sub}
	}
	return out
}
