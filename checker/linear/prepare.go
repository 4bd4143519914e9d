package linear

import (
	"runtime"
	"slices"
	"sync"

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
	// Until layout runs: the partition's ops as numbered across the
	// chunks prepare read, in invocation order.
	members []int32
	src     *source
}

// ref locates an op in the original history.
type ref struct {
	invoke, complete int32 // positions in the History; complete -1 if never completed
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
	// Pass 1, on up to GOMAXPROCS stretches of a long history at once: the
	// ops to search, in invocation order, with their keys.
	n, size := 1, h.Len()
	if size >= 1<<16 {
		n = runtime.GOMAXPROCS(0)
	}
	chunks := make([]chunk, n)
	if n == 1 {
		chunks[0].read(h, 0, size, split, perKey)
	} else {
		var wg sync.WaitGroup
		for k := range chunks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				chunks[k].read(h, k*size/n, (k+1)*size/n, split, perKey)
			}()
		}
		wg.Wait()
	}
	// Number the keys in order of first appearance and count each
	// partition's ops and events; the workers lay the partitions out.
	var (
		keys    = newKeyIndex()
		partOf  = make([]int32, 0, size/2+1)
		nOps    []int32
		nEvents []int32
		src     = &source{chunks: chunks}
	)
	for k := range chunks {
		c := &chunks[k]
		if c.err != nil {
			return nil, nil, c.err
		}
		src.base = append(src.base, int32(len(partOf)))
		for j := range c.ops {
			p := 0
			if split != nil {
				p = keys.index(c.keys[j])
			}
			for p >= len(nOps) {
				nOps, nEvents = append(nOps, 0), append(nEvents, 0)
			}
			partOf = append(partOf, int32(p))
			nOps[p]++
			nEvents[p]++
			if c.ops[j].Known {
				nEvents[p]++
			}
		}
	}
	// Give each partition its stretch of shared arrays and its members (a
	// counting sort of the ops by partition, invocation order kept).
	parts := make([]*partition, len(nOps))
	ops := make([]model.Op, len(partOf))
	refs := make([]ref, len(partOf))
	events := make([]event, 0, len(partOf)*2)
	members := make([]int32, len(partOf))
	fill := make([]int32, len(nOps))
	off, eoff := int32(0), 0
	for p := range parts {
		n := nOps[p]
		parts[p] = &partition{key: keys.key(p), ops: ops[off : off+n], refs: refs[off : off+n],
			events: events[eoff : eoff+int(nEvents[p]) : eoff+int(nEvents[p])], members: members[off : off+n], src: src}
		fill[p] = off
		off += n
		eoff += int(nEvents[p])
	}
	for g, p := range partOf {
		members[fill[p]] = int32(g)
		fill[p]++
	}
	if len(parts) == 0 && split == nil {
		parts = append(parts, &partition{}) // an empty history is one empty partition
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

func newKeyIndex() *keyIndex { return &keyIndex{} }

func (k *keyIndex) index(key any) int {
	if k.ints == nil {
		k.ints, k.strs = make(map[int64]int), make(map[string]int)
	}
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

// chunk is pass 1 of prepare on one stretch of the history.
type chunk struct {
	ops  []model.Op
	refs []ref
	keys []any // each op's key, for a model that splits
	err  error
}

// read collects the ops invoked at positions lo to hi-1 of h that the search
// needs.
func (c *chunk) read(h *history.History, lo, hi int, split model.Splitter, perKey model.Model) {
	c.ops = make([]model.Op, 0, (hi-lo)/2+1)
	c.refs = make([]ref, 0, (hi-lo)/2+1)
	if split != nil {
		c.keys = make([]any, 0, (hi-lo)/2+1)
	}
	for i := lo; i < hi; i++ {
		o := h.At(i)
		if o.Type != history.Invoke || o.IsNemesis() {
			continue
		}
		comp := h.Completion(i)
		mop := model.Op{Index: o.Index, F: o.F, Value: o.Value}
		if comp >= 0 {
			switch done := h.At(comp); done.Type {
			case history.Fail:
				continue
			case history.OK:
				mop.Known = true
				if v := done.Value; v != nil {
					mop.Value = v
				}
			}
		}
		var key any
		if split != nil {
			var err error
			if key, mop, err = split.Split(mop); err != nil {
				c.err = err
				return
			}
		}
		if !mop.Known && perKey.Inert(mop) {
			continue
		}
		c.ops = append(c.ops, mop)
		c.refs = append(c.refs, ref{invoke: int32(i), complete: int32(comp)})
		if split != nil {
			c.keys = append(c.keys, key)
		}
	}
}

// source is what prepare read: the chunks, and the number of the first op
// of each.
type source struct {
	chunks []chunk
	base   []int32
}

// op returns the op numbered g across the chunks.
func (s *source) op(g int32) (*model.Op, ref) {
	k := len(s.base) - 1
	for s.base[k] > g {
		k--
	}
	c := &s.chunks[k]
	return &c.ops[g-s.base[k]], c.refs[g-s.base[k]]
}

// layout fills the partition's ops, refs and events from its members. The
// workers call it, so partitions are laid out in parallel; each writes only
// its own stretch of the shared arrays.
func (p *partition) layout(sc *scratch) {
	if p.src == nil {
		return // laid out already, or empty
	}
	rets := sc.rets[:0] // (completion position, op) of the ok ops
	for k, g := range p.members {
		mop, r := p.src.op(g)
		p.ops[k], p.refs[k] = *mop, r
		if mop.Known {
			rets = append(rets, [2]int32{r.complete, int32(k)})
		}
	}
	slices.SortFunc(rets, func(a, b [2]int32) int { return int(a[0] - b[0]) })
	// Merge the calls (in invocation order already) with the returns.
	p.events = p.events[:0]
	k, j := 0, 0
	for k < len(p.ops) || j < len(rets) {
		if j == len(rets) || (k < len(p.ops) && p.refs[k].invoke < rets[j][0]) {
			p.events = append(p.events, event{op: int32(k)})
			k++
		} else {
			p.events = append(p.events, event{op: rets[j][1], ret: true})
			j++
		}
	}
	p.oks = len(rets)
	sc.rets = rets
	p.members, p.src = nil, nil
}
