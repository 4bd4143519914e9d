package linearsim

import (
	"math/rand/v2"
	"slices"

	"github.com/faultline/faultline/history"
)

// Register is a register (with cas if cas is set) holding nil at first,
// written with values 0..values-1.
func Register(values int, cas bool) Spec { return &register{values: values, cas: cas} }

type register struct {
	values int
	cas    bool
	v      any
}

func (s *register) Gen(r *rand.Rand) (string, any) {
	n := 2
	if s.cas {
		n = 3
	}
	switch r.IntN(n) {
	case 0:
		return "read", nil
	case 1:
		return "write", int64(r.IntN(s.values))
	}
	return "cas", []any{int64(r.IntN(s.values)), int64(r.IntN(s.values))}
}

func (s *register) Apply(f string, v any) (history.Type, any) {
	switch f {
	case "read":
		return history.OK, s.v
	case "write":
		s.v = v
		return history.OK, v
	}
	xs := v.([]any)
	if !history.Equal(s.v, xs[0]) {
		return history.Fail, v
	}
	s.v = xs[1]
	return history.OK, v
}

// KV is a map of keys 0..keys-1 to cas-registers holding nil at first, in
// Jepsen's independent shape: values are [key value] tuples.
func KV(keys, values int) Spec {
	return &kv{keys: keys, values: values, regs: make(map[int64]*register)}
}

type kv struct {
	keys, values int
	regs         map[int64]*register
}

func (s *kv) Gen(r *rand.Rand) (string, any) {
	k := int64(r.IntN(s.keys))
	f, v := s.reg(k).Gen(r)
	return f, []any{k, v}
}

func (s *kv) reg(k int64) *register {
	if s.regs[k] == nil {
		s.regs[k] = &register{values: s.values, cas: true}
	}
	return s.regs[k]
}

func (s *kv) Apply(f string, v any) (history.Type, any) {
	kv := v.([]any)
	k := kv[0].(int64)
	t, res := s.reg(k).Apply(f, kv[1])
	return t, []any{k, res}
}

// Mutex is a lock; an acquire of a held lock or a release of a free one
// fails.
func Mutex() Spec { return &mutex{} }

type mutex struct{ held bool }

func (s *mutex) Gen(r *rand.Rand) (string, any) {
	if r.IntN(2) == 0 {
		return "acquire", nil
	}
	return "release", nil
}

func (s *mutex) Apply(f string, _ any) (history.Type, any) {
	if (f == "acquire") == s.held {
		return history.Fail, nil
	}
	s.held = f == "acquire"
	return history.OK, nil
}

// Set is a grow-only set of elements 0..values-1; reads return its elements
// in ascending order.
func Set(values int) Spec { return &set{values: values} }

type set struct {
	values int
	elems  []int64
}

func (s *set) Gen(r *rand.Rand) (string, any) {
	if r.IntN(2) == 0 {
		return "read", nil
	}
	return "add", int64(r.IntN(s.values))
}

func (s *set) Apply(f string, v any) (history.Type, any) {
	if f == "add" {
		if x := v.(int64); !slices.Contains(s.elems, x) {
			s.elems = append(s.elems, x)
			slices.Sort(s.elems)
		}
		return history.OK, v
	}
	out := make([]any, len(s.elems))
	for i, x := range s.elems {
		out[i] = x
	}
	return history.OK, out
}

// Queue is a queue of unique elements (the n-th enqueue enqueues n): FIFO if
// fifo is set, otherwise it delivers a random element. A dequeue of an empty
// queue completes ok with nil.
func Queue(fifo bool, seed uint64) Spec {
	return &queue{fifo: fifo, r: rand.New(rand.NewPCG(seed, 1))}
}

type queue struct {
	fifo  bool
	r     *rand.Rand
	next  int64
	elems []int64
}

func (s *queue) Gen(r *rand.Rand) (string, any) {
	if r.IntN(2) == 0 {
		return "dequeue", nil
	}
	s.next++
	return "enqueue", s.next
}

func (s *queue) Apply(f string, v any) (history.Type, any) {
	if f == "enqueue" {
		s.elems = append(s.elems, v.(int64))
		return history.OK, v
	}
	if len(s.elems) == 0 {
		return history.OK, nil
	}
	i := 0
	if !s.fifo {
		i = s.r.IntN(len(s.elems))
	}
	x := s.elems[i]
	s.elems = slices.Delete(s.elems, i, i+1)
	return history.OK, x
}

// MultiRegister is registers "x" and "y" holding nil at first, read and
// written by two-micro-op transactions.
func MultiRegister(values int) Spec { return &multiRegister{values: values, regs: map[string]any{}} }

type multiRegister struct {
	values int
	regs   map[string]any
}

func (s *multiRegister) Gen(r *rand.Rand) (string, any) {
	txn := make([]any, 2)
	for i := range txn {
		k := []string{"x", "y"}[r.IntN(2)]
		if r.IntN(2) == 0 {
			txn[i] = []any{history.Keyword("r"), k, nil}
		} else {
			txn[i] = []any{history.Keyword("w"), k, int64(r.IntN(s.values))}
		}
	}
	return "txn", txn
}

func (s *multiRegister) Apply(_ string, v any) (history.Type, any) {
	in := v.([]any)
	out := make([]any, len(in))
	for i, m := range in {
		mop := m.([]any)
		if mop[0] == history.Keyword("w") {
			s.regs[mop[1].(string)] = mop[2]
			out[i] = mop
		} else {
			out[i] = []any{mop[0], mop[1], s.regs[mop[1].(string)]}
		}
	}
	return history.OK, out
}
