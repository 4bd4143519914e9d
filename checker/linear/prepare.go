package linear

import (
	"github.com/faultline/faultline/checker/linear/model"
	"github.com/faultline/faultline/history"
)

// partition is one independently checkable sub-history: the whole history,
// or one key of a split one. Its ops are numbered 0..len(ops)-1.
type partition struct {
	key    any
	ops    []model.Op
	refs   []ref
	events []event // calls and returns in history order
	oks    int     // ops with a return event (completed ok)
}

// ref locates an op in the original history.
type ref struct {
	invoke, complete int32 // positions in History.Ops; complete -1 if never completed
}

// event is an op's call or return, in history order.
type event struct {
	op  int32
	ret bool
}

// prepare turns a history into the partitions to search: fail ops and
// nemesis ops are dropped; info and never-completed ops get no return event
// (they may take effect any time after their invocation, or never), and
// those the model calls inert are dropped; a model that splits by key gets
// one partition per key, in order of first appearance. Real-time order is
// the order of the history: an op precedes another when its completion comes
// before the other's invocation.
func prepare(h *history.History, m model.Model) ([]*partition, model.Model, error) {
	split, _ := m.(model.Splitter)
	perKey := m
	if split != nil {
		perKey = split.PerKey()
	}
	keys := newKeyIndex()
	// Pass 1: the ops to search, in invocation order, with their partition.
	// at[pos] is the op invoked or completed (ok) at position pos, plus 1.
	var (
		flat    = make([]model.Op, 0, len(h.Ops)/2+1)
		refs    = make([]ref, 0, len(h.Ops)/2+1)
		partOf  = make([]int32, 0, len(h.Ops)/2+1)
		at      = make([]int32, len(h.Ops))
		nOps    []int32
		nEvents []int32
	)
	for i := range h.Ops {
		o := &h.Ops[i]
		if o.Type != history.Invoke || o.IsNemesis() {
			continue
		}
		c := h.Completion(i)
		mop := model.Op{Index: o.Index, F: o.F, Value: o.Value}
		if c >= 0 {
			switch h.Ops[c].Type {
			case history.Fail:
				continue
			case history.OK:
				mop.Known = true
				if v := h.Ops[c].Value; v != nil {
					mop.Value = v
				}
			}
		}
		p := 0
		if split != nil {
			key, inner, err := split.Split(mop)
			if err != nil {
				return nil, nil, err
			}
			mop = inner
			p = keys.index(key)
		}
		if !mop.Known && perKey.Inert(mop) {
			continue
		}
		for p >= len(nOps) {
			nOps, nEvents = append(nOps, 0), append(nEvents, 0)
		}
		flat = append(flat, mop)
		refs = append(refs, ref{invoke: int32(i), complete: int32(c)})
		partOf = append(partOf, int32(p))
		at[i] = int32(len(flat))
		nOps[p]++
		nEvents[p]++
		if mop.Known {
			at[c] = int32(len(flat))
			nEvents[p]++
		}
	}
	// Pass 2: lay the partitions out in shared arrays, ops in invocation
	// order and events in history order.
	parts := make([]*partition, len(nOps))
	ops := make([]model.Op, len(flat))
	prefs := make([]ref, len(flat))
	events := make([]event, 0, len(flat)*2)
	off, eoff := 0, 0
	for p := range parts {
		parts[p] = &partition{key: keys.key(p), ops: ops[off:off], refs: prefs[off:off], events: events[eoff:eoff]}
		off += int(nOps[p])
		eoff += int(nEvents[p])
	}
	if len(parts) == 0 {
		parts = append(parts, &partition{})
	}
	local := make([]int32, len(flat)) // each op's number within its partition
	for pos, a := range at {
		if a == 0 {
			continue
		}
		f := a - 1
		part := parts[partOf[f]]
		if int(refs[f].invoke) == pos {
			local[f] = int32(len(part.ops))
			part.ops = append(part.ops, flat[f])
			part.refs = append(part.refs, refs[f])
			part.events = append(part.events, event{op: local[f]})
		} else {
			part.events = append(part.events, event{op: local[f], ret: true})
			part.oks++
		}
	}
	return parts, perKey, nil
}

// keyIndex numbers keys in order of first appearance, integers without
// formatting them.
type keyIndex struct {
	ints map[int64]int
	strs map[string]int
	keys []any
}

func newKeyIndex() *keyIndex {
	return &keyIndex{ints: make(map[int64]int), strs: make(map[string]int)}
}

func (k *keyIndex) index(key any) int {
	if i, isInt := key.(int64); isInt {
		if n, ok := k.ints[i]; ok {
			return n
		}
		k.ints[i] = len(k.keys)
	} else {
		s := history.Key(key)
		if n, ok := k.strs[s]; ok {
			return n
		}
		k.strs[s] = len(k.keys)
	}
	k.keys = append(k.keys, key)
	return len(k.keys) - 1
}

func (k *keyIndex) key(p int) any {
	if p < len(k.keys) {
		return k.keys[p]
	}
	return nil
}
