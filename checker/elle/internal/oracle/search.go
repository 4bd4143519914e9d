package oracle

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/faultline/faultline/history"
)

// Check decides whether the history is explainable under m, visiting at
// most maxStates search states (an error beyond them).
//
// The search builds executions one event at a time: a transaction takes
// effect atomically, or (under the snapshot models, for a committed
// transaction that both reads and writes) takes its snapshot and commits
// later. A transaction that only reads or only writes, or whose reads are
// unknown, loses nothing by committing at its snapshot, so it is always
// atomic. A state is the set of committed and open transactions plus every
// key's current value, which is all the future depends on; states that
// lead nowhere are remembered. Reads are checked when the snapshot is taken,
// and lists only grow, so a state in which some pending committed read is
// no longer an extension of its key's list is abandoned at once.
func (p *History) Check(m Model, maxStates int) (Result, error) {
	r, err := m.rules()
	if err != nil {
		return Result{}, err
	}
	s := &search{p: p, rules: r, max: maxStates, failed: map[string]struct{}{}}
	if err := s.setup(); err != nil {
		return Result{}, err
	}
	ok := s.dfs()
	if s.err != nil {
		return Result{}, s.err
	}
	res := Result{Explainable: ok, States: s.states}
	if ok {
		for _, st := range s.path {
			res.Steps = append(res.Steps, Step{Txn: s.ids[st.Txn], Kind: st.Kind})
		}
	}
	return res, nil
}

type search struct {
	p     *History
	rules rules
	ids   []int // search index -> transaction index
	all   uint64
	// Per search index: the transactions that must have committed before
	// its snapshot, those that write a key it writes, whether it takes its
	// snapshot apart from its commit, and its reads that come before any
	// write of its own to the key (they must see exactly the snapshot).
	pred      []uint64
	conflicts []uint64
	split     []bool
	external  [][]Mop

	lists           [][]int32 // key -> its value ids in order (a register's value is the last)
	committed, open uint64
	path            []Step // search indices
	failed          map[string]struct{}
	key             []byte
	states, max     int
	err             error
}

func (s *search) setup() error {
	p := s.p
	for i := range p.Txns {
		if p.kept(i) {
			s.ids = append(s.ids, i)
		}
	}
	n := len(s.ids)
	if n > 64 {
		return fmt.Errorf("oracle: %d transactions must take effect, more than a brute-force search can handle (64)", n)
	}
	s.all = uint64(1)<<n - 1
	if n == 64 {
		s.all = ^uint64(0)
	}
	s.lists = make([][]int32, len(p.writer))
	s.pred = make([]uint64, n)
	s.conflicts = make([]uint64, n)
	s.split = make([]bool, n)
	s.external = make([][]Mop, n)
	for a, i := range s.ids {
		ti := &p.Txns[i]
		reads, writes := false, false
		var wrote []int32
		for _, m := range ti.Mops {
			switch {
			case m.Write:
				writes = true
				wrote = append(wrote, m.Key)
			case m.Known:
				reads = true
				if !slices.Contains(wrote, m.Key) {
					s.external[a] = append(s.external[a], m)
				}
			}
		}
		s.split[a] = s.rules.snapshots && reads && writes
		for b, j := range s.ids {
			if a == b {
				continue
			}
			tj := &p.Txns[j]
			if tj.Status == history.OK &&
				((s.rules.realtime && tj.Complete < ti.Invoke) ||
					(s.rules.session && tj.Process == ti.Process && tj.Invoke < ti.Invoke)) {
				s.pred[a] |= 1 << b
			}
			if s.rules.snapshots && sharesWrittenKey(ti, tj) {
				s.conflicts[a] |= 1 << b
			}
		}
	}
	return nil
}

func sharesWrittenKey(a, b *Txn) bool {
	for _, x := range a.Mops {
		for _, y := range b.Mops {
			if x.Write && y.Write && x.Key == y.Key {
				return true
			}
		}
	}
	return false
}

func (s *search) dfs() bool {
	if s.committed == s.all {
		return true
	}
	key := s.stateKey()
	if _, seen := s.failed[key]; seen {
		return false
	}
	s.states++
	if s.states > s.max {
		if s.err == nil {
			s.err = fmt.Errorf("oracle: search gave up after %d states", s.max)
		}
		return false
	}
	if s.stale() {
		s.failed[key] = struct{}{}
		return false
	}
	for a := range s.ids {
		bit := uint64(1) << a
		switch {
		case s.committed&bit != 0:
			continue
		case s.open&bit != 0:
			// Committing now would leave another open writer of a common
			// key overlapping it.
			if s.conflicts[a]&s.open == 0 && s.try(a, Commit) {
				return true
			}
		case s.pred[a]&^s.committed != 0 || !s.readsMatch(a):
			continue
		case s.split[a]:
			if s.try(a, Snapshot) {
				return true
			}
		case s.conflicts[a]&s.open == 0:
			if s.try(a, Atomic) {
				return true
			}
		}
		if s.err != nil {
			return false
		}
	}
	s.failed[key] = struct{}{}
	return false
}

// try takes one step and searches on from it, undoing it if that fails.
func (s *search) try(a int, kind StepKind) bool {
	bit := uint64(1) << a
	var lens []int
	if kind == Snapshot {
		s.open |= bit
	} else {
		lens = s.apply(a)
		s.open &^= bit
		s.committed |= bit
	}
	s.path = append(s.path, Step{Txn: a, Kind: kind})
	if s.dfs() {
		return true
	}
	s.path = s.path[:len(s.path)-1]
	if kind == Snapshot {
		s.open &^= bit
		return false
	}
	s.committed &^= bit
	if kind == Commit {
		s.open |= bit
	}
	for k, l := range lens {
		s.lists[k] = s.lists[k][:l]
	}
	return false
}

// apply installs the writes of search index a and returns every key's
// previous length.
func (s *search) apply(a int) []int {
	lens := make([]int, len(s.lists))
	for k := range s.lists {
		lens[k] = len(s.lists[k])
	}
	for _, m := range s.p.Txns[s.ids[a]].Mops {
		if m.Write {
			s.lists[m.Key] = append(s.lists[m.Key], m.Value)
		}
	}
	return lens
}

// readsMatch reports whether the reads of search index a return what they
// did if its snapshot is taken now.
func (s *search) readsMatch(a int) bool {
	var own [][]int32 // key -> own writes so far, allocated on the first write
	for _, m := range s.p.Txns[s.ids[a]].Mops {
		if m.Write {
			if own == nil {
				own = make([][]int32, len(s.lists))
			}
			own[m.Key] = append(own[m.Key], m.Value)
			continue
		}
		if !m.Known {
			continue
		}
		var mine []int32
		if own != nil {
			mine = own[m.Key]
		}
		if !s.sees(m.Key, mine, m.Read) {
			return false
		}
	}
	return true
}

// sees reports whether a read of key k, by a transaction that has written
// mine to it, returns read.
func (s *search) sees(k int32, mine, read []int32) bool {
	base := s.lists[k]
	if s.p.Workload == RWRegister {
		switch {
		case len(mine) > 0:
			base = mine[len(mine)-1:]
		case len(base) > 0:
			base = base[len(base)-1:]
		}
		return slices.Equal(base, read)
	}
	return len(read) == len(base)+len(mine) && slices.Equal(base, read[:len(base)]) && slices.Equal(mine, read[len(base):])
}

// stale reports whether some committed list read not yet taken (before any
// write of its own to the key) no longer extends its key's list: lists only
// grow, so that read can never be explained from here.
func (s *search) stale() bool {
	if s.p.Workload != ListAppend {
		return false
	}
	for a := range s.ids {
		if (s.committed|s.open)&(1<<a) != 0 {
			continue
		}
		for _, m := range s.external[a] {
			l := s.lists[m.Key]
			if len(l) > len(m.Read) || !slices.Equal(l, m.Read[:len(l)]) {
				return true
			}
		}
	}
	return false
}

// stateKey encodes the state: committed and open sets and every key's
// value (a register's last write; a list in full).
func (s *search) stateKey() string {
	b := s.key[:0]
	b = binary.LittleEndian.AppendUint64(b, s.committed)
	b = binary.LittleEndian.AppendUint64(b, s.open)
	for _, l := range s.lists {
		if s.p.Workload == RWRegister && len(l) > 1 {
			l = l[len(l)-1:]
		}
		b = binary.AppendUvarint(b, uint64(len(l)))
		for _, v := range l {
			b = binary.AppendUvarint(b, uint64(v))
		}
	}
	s.key = b
	return string(b)
}
