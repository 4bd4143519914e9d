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
	var (
		parts   []*partition
		intKeys = make(map[int64]int)
		strKeys = make(map[string]int)
	)
	partOf := func(key any) int {
		var idx int
		var ok bool
		if i, isInt := key.(int64); isInt {
			idx, ok = intKeys[i]
			if !ok {
				idx = len(parts)
				intKeys[i] = idx
			}
		} else {
			k := history.Key(key)
			idx, ok = strKeys[k]
			if !ok {
				idx = len(parts)
				strKeys[k] = idx
			}
		}
		if !ok {
			parts = append(parts, &partition{key: key})
		}
		return idx
	}
	if split == nil {
		partOf(nil)
	}
	// retPart/retOp say, for a completion position, which partition's op it
	// returns (-1: none).
	retPart := make([]int32, len(h.Ops))
	retOp := make([]int32, len(h.Ops))
	for i := range retPart {
		retPart[i] = -1
	}
	for i := range h.Ops {
		o := &h.Ops[i]
		if o.Type != history.Invoke {
			if p := retPart[i]; p >= 0 {
				parts[p].events = append(parts[p].events, event{op: retOp[i], ret: true})
			}
			continue
		}
		if o.IsNemesis() {
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
			p = partOf(key)
		}
		if !mop.Known && perKey.Inert(mop) {
			continue
		}
		part := parts[p]
		id := int32(len(part.ops))
		part.ops = append(part.ops, mop)
		r := ref{invoke: int32(i), complete: int32(c)}
		part.refs = append(part.refs, r)
		part.events = append(part.events, event{op: id})
		if mop.Known {
			part.oks++
			retPart[c], retOp[c] = int32(p), id
		}
	}
	return parts, perKey, nil
}
