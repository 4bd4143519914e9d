package model

import (
	"slices"

	"github.com/faultline/faultline/history"
)

// MultiRegister is a set of registers read and written by transactions: an
// op with f txn whose value is a list of micro-ops [f k v], f being r/read
// or w/write. A transaction takes effect atomically; its reads must see the
// values the registers hold at that point (a read of nil saw an unset
// register, unless Options.NilReadsMatchAny). In a transaction whose
// outcome is unknown only the writes count: what its reads saw is unknown.
//
// initial gives the registers' values at first. A map gives each register
// its own, as Knossos's multi-register takes it ({:x 0 :y 0}); a register
// the map leaves out starts nil. Any other value is every register's.
func MultiRegister(initial any) Model {
	if m, ok := initial.(history.Map); ok {
		return &multiRegister{perKey: m, keyed: true}
	}
	return &multiRegister{initial: initial}
}

type multiRegister struct {
	initial any         // every register's initial value, unless keyed
	perKey  history.Map // each register's initial value, when keyed
	keyed   bool
	nilAny  bool // an ok read of nil matches any value (Knossos's convention)
}

// initialOf is register k's initial value.
func (r *multiRegister) initialOf(k any) any {
	if !r.keyed {
		return r.initial
	}
	v, _ := r.perKey.Get(k)
	return v
}

func (*multiRegister) Name() string { return "multi-register" }

// Inert reports whether the txn only reads.
func (*multiRegister) Inert(op Op) bool {
	mops, ok := history.AsSlice(op.Value)
	if !ok {
		return false
	}
	for _, mop := range mops {
		if f, _, _, ok := microOp(mop); !ok || f != "r" {
			return false
		}
	}
	return true
}

// microOp parses one [f k v] micro-op, normalising f to "r" or "w".
func microOp(v any) (f string, k, val any, ok bool) {
	xs, ok := history.AsSlice(v)
	if !ok || len(xs) != 3 {
		return "", nil, nil, false
	}
	name, ok := history.AsString(xs[0])
	switch name {
	case "r", "read":
		return "r", xs[1], xs[2], ok
	case "w", "write":
		return "w", xs[1], xs[2], ok
	}
	return "", nil, nil, false
}

// txnStep is one compiled micro-op: register reg reads or writes value val.
type txnStep struct {
	write bool
	reg   int
	val   uint32
}

// multiRegisterMachine's states are interned tuples of value numbers, one
// per register.
type multiRegisterMachine struct {
	vals *values
	seqs *seqs
	keys []any
	txns [][]txnStep
	init State
	tr   transitions
}

func (r *multiRegister) Build(ops []Op) (Machine, error) {
	m := &multiRegisterMachine{vals: newValues(), seqs: newSeqs(), txns: make([][]txnStep, len(ops)), tr: make(transitions)}
	regs := make(map[string]int)
	for i, op := range ops {
		mops, ok := history.AsSlice(op.Value)
		if op.F != "txn" || !ok {
			return nil, opError(op, "multi-register", "f txn with a list of [r k v] / [w k v] micro-ops")
		}
		for j, mop := range mops {
			f, k, v, ok := microOp(mop)
			if !ok {
				return nil, opError(op, "multi-register", "micro-op "+itoa(j)+" of the form [r k v] or [w k v]")
			}
			if f == "r" && (!op.Known || (v == nil && r.nilAny)) {
				continue // what an unacknowledged txn read is unknown; a nil read, by choice
			}
			ks := history.Key(k)
			reg, seen := regs[ks]
			if !seen {
				reg = len(m.keys)
				regs[ks] = reg
				m.keys = append(m.keys, k)
			}
			m.txns[i] = append(m.txns[i], txnStep{write: f == "w", reg: reg, val: m.vals.id(v)})
		}
	}
	init := make([]uint32, len(m.keys))
	for i, k := range m.keys {
		init[i] = m.vals.id(r.initialOf(k))
	}
	m.init = m.seqs.id(init)
	return m, nil
}

func itoa(i int) string { return history.FormatEDN(int64(i)) }

func (m *multiRegisterMachine) Init() State { return m.init }

func (m *multiRegisterMachine) Step(s State, op int, _ int) (State, bool, bool) {
	next, ok := m.tr.memo(s, op, func() (State, bool) {
		regs := slices.Clone(m.seqs.get(s))
		for _, st := range m.txns[op] {
			if st.write {
				regs[st.reg] = st.val
			} else if regs[st.reg] != st.val {
				return s, false
			}
		}
		return m.seqs.id(regs), true
	})
	return next, ok, false
}

func (m *multiRegisterMachine) Show(s State) any { return showTuple(m.keys, m.vals, m.seqs.get(s)) }

func (m *multiRegisterMachine) ReadOnly(op int) bool {
	for _, st := range m.txns[op] {
		if st.write {
			return false
		}
	}
	return true
}
