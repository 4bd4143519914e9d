package model

import "github.com/faultline/faultline/history"

// Register is a read/write register holding initial at first (nil by
// default in the CLI). Ops: read (its value is what it read; nil means the
// register was unset, unless Options.NilReadsMatchAny) and write v.
func Register(initial any) Model { return &register{name: "register", initial: initial} }

// CASRegister is a register that also supports compare-and-set: cas with
// value [old new] succeeds, setting new, exactly when the register holds old.
// As in Jepsen, a cas that finds another value completes with fail, so an ok
// cas asserts that the register held old.
func CASRegister(initial any) Model {
	return &register{name: "cas-register", initial: initial, cas: true}
}

type register struct {
	name    string
	initial any
	cas     bool
	nilAny  bool // an ok read of nil matches any state (Knossos's convention)
}

func (r *register) Name() string { return r.name }

func (r *register) Inert(op Op) bool { return op.F == "read" }

// Register op codes.
const (
	regRead uint8 = iota
	regWrite
	regCAS
	regAnyRead // a read whose result is unknown: allowed in every state
)

// registerMachine is shared by Register, CASRegister and KV's per-key model:
// the state is the interned number of the value held.
type registerMachine struct {
	vals *values
	kind []uint8
	a, b []uint32
	init State
}

func (r *register) Build(ops []Op) (Machine, error) {
	m := &registerMachine{vals: newValues(), kind: make([]uint8, len(ops)), a: make([]uint32, len(ops)), b: make([]uint32, len(ops))}
	m.init = State(m.vals.id(r.initial))
	for i, op := range ops {
		if err := m.compile(i, op, r); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// compile codes op i for the register r describes (its name for errors,
// whether it knows cas, how it reads nil).
func (m *registerMachine) compile(i int, op Op, r *register) error {
	name, cas := r.name, r.cas
	switch op.F {
	case "read":
		m.kind[i], m.a[i] = regRead, m.vals.id(op.Value)
		if !op.Known || (op.Value == nil && r.nilAny) {
			m.kind[i] = regAnyRead
		}
	case "write":
		m.kind[i], m.a[i] = regWrite, m.vals.id(op.Value)
	case "cas":
		if !cas {
			return opError(op, name, "f read or write (cas needs the cas-register model)")
		}
		xs, ok := history.AsSlice(op.Value)
		if !ok || len(xs) != 2 {
			return opError(op, name, "a cas value [old new]")
		}
		m.kind[i], m.a[i], m.b[i] = regCAS, m.vals.id(xs[0]), m.vals.id(xs[1])
	default:
		if cas {
			return opError(op, name, "f read, write or cas")
		}
		return opError(op, name, "f read or write")
	}
	return nil
}

func (m *registerMachine) Init() State { return m.init }

func (m *registerMachine) Step(s State, op int, _ int) (State, bool, bool) {
	switch m.kind[op] {
	case regRead:
		return s, s == State(m.a[op]), false
	case regWrite:
		return State(m.a[op]), true, false
	case regCAS:
		if s == State(m.a[op]) {
			return State(m.b[op]), true, false
		}
		return s, false, false
	}
	return s, true, false
}

func (m *registerMachine) Show(s State) any { return m.vals.value(uint32(s)) }

func (m *registerMachine) ReadOnly(op int) bool {
	return m.kind[op] == regRead || m.kind[op] == regAnyRead
}
