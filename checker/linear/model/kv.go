package model

import "github.com/faultline/faultline/history"

// KV is a map from keys to cas-registers, each holding initial at first, in
// the shape of Jepsen's independent histories: every value is a [key value]
// tuple, so read [k v], write [k v] and cas [k [old new]]. Keys are
// independent, so the checker splits a KV history by key and checks each
// key as a CASRegister (P-compositionality); the whole-map Machine that Build
// returns serves checks that do not split.
func KV(initial any) Model {
	return &kv{perKey: &register{name: "cas-register", initial: initial, cas: true}}
}

type kv struct{ perKey *register }

func (*kv) Name() string { return "kv" }

func (*kv) Inert(op Op) bool { return op.F == "read" }

func (k *kv) PerKey() Model { return k.perKey }

// Split returns the key of a [key value] op and the op on that key.
func (*kv) Split(op Op) (any, Op, error) {
	xs, ok := history.AsSlice(op.Value)
	if !ok || len(xs) != 2 {
		return nil, op, opError(op, "kv", "a [key value] tuple")
	}
	inner := op
	inner.Value = xs[1]
	return xs[0], inner, nil
}

// kvMachine runs one registerMachine over all keys, its state an interned
// tuple with one value number per key.
type kvMachine struct {
	reg  *registerMachine
	keys []any
	key  []int // key of each op
	seqs *seqs
	init State
	tr   transitions
}

func (k *kv) Build(ops []Op) (Machine, error) {
	n := len(ops)
	m := &kvMachine{
		reg:  &registerMachine{vals: newValues(), kind: make([]uint8, n), a: make([]uint32, n), b: make([]uint32, n)},
		key:  make([]int, n),
		seqs: newSeqs(),
		tr:   make(transitions),
	}
	index := make(map[string]int)
	spec := *k.perKey
	spec.name = "kv"
	for i, op := range ops {
		key, inner, err := k.Split(op)
		if err != nil {
			return nil, err
		}
		if err := m.reg.compile(i, inner, &spec); err != nil {
			return nil, err
		}
		ks := history.Key(key)
		j, seen := index[ks]
		if !seen {
			j = len(m.keys)
			index[ks] = j
			m.keys = append(m.keys, key)
		}
		m.key[i] = j
	}
	init := make([]uint32, len(m.keys))
	for i := range init {
		init[i] = m.reg.vals.id(k.perKey.initial)
	}
	m.init = m.seqs.id(init)
	return m, nil
}

func (m *kvMachine) Init() State { return m.init }

func (m *kvMachine) Step(s State, op int, _ int) (State, bool, bool) {
	next, ok := m.tr.memo(s, op, func() (State, bool) {
		cur := m.seqs.get(s)
		j := m.key[op]
		v, ok, _ := m.reg.Step(State(cur[j]), op, 0)
		if !ok {
			return s, false
		}
		if uint32(v) == cur[j] {
			return s, true
		}
		next := append([]uint32(nil), cur...)
		next[j] = uint32(v)
		return m.seqs.id(next), true
	})
	return next, ok, false
}

func (m *kvMachine) Show(s State) any { return showTuple(m.keys, m.reg.vals, m.seqs.get(s)) }

func (m *kvMachine) ReadOnly(op int) bool { return m.reg.ReadOnly(op) }
