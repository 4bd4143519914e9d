package histbuild

import (
	"math/rand/v2"

	"github.com/faultline/faultline/history"
)

// Store is a single-copy, linearizable store the simulator runs ops
// against: Apply performs f with the invoked value atomically and returns the
// value the ok completion carries.
type Store interface {
	Apply(f string, v any) any
}

// Sim describes a simulated run: Procs processes issue N ops chosen by Next.
// Every op takes effect at a random moment between its invoke and its
// completion, so the history is linearizable by construction: every correct
// checker must pass it. With InfoRate > 0, that fraction of ops completes as
// info, half of them having taken effect and half not.
type Sim struct {
	Seed     uint64
	Procs, N int
	InfoRate float64
	Next     func(r *rand.Rand) (f string, v any)
	Store    Store
}

// Run returns the simulated history. One seed gives one history.
func (s Sim) Run() *B {
	b := New()
	s.Emit(func(op history.Op) { b.ops = append(b.ops, op) })
	return b
}

// Emit hands each op of the simulated history to emit as it is made,
// numbered and timed as B numbers them, without keeping any: the way to
// write histories larger than memory. Run gives the same ops.
func (s Sim) Emit(emit func(history.Op)) {
	r := rand.New(rand.NewPCG(s.Seed, s.Seed+1))
	type pending struct {
		f        string
		v, out   any
		applied  bool
		info     bool
		inFlight bool
	}
	ps := make([]pending, s.Procs)
	proc := make([]int, s.Procs) // current process id of each thread
	for t := range proc {
		proc[t] = t
	}
	n := 0
	add := func(t history.Type, p int, f string, v any) {
		emit(history.Op{Index: n, Time: int64(n) * Step, Type: t, Process: p, F: f, Value: v})
		n++
	}
	issued, inFlight := 0, 0
	for issued < s.N || inFlight > 0 {
		t := r.IntN(s.Procs)
		p := &ps[t]
		switch {
		case !p.inFlight && issued < s.N:
			f, v := s.Next(r)
			*p = pending{f: f, v: v, inFlight: true, info: r.Float64() < s.InfoRate}
			add(history.Invoke, proc[t], f, v)
			issued++
			inFlight++
		case p.inFlight && !p.applied:
			p.applied = true
			if !p.info || r.IntN(2) == 0 {
				p.out = s.Store.Apply(p.f, p.v)
			}
		case p.inFlight:
			if p.info {
				add(history.Info, proc[t], p.f, p.v)
				proc[t] += s.Procs // an info retires the process
			} else {
				add(history.OK, proc[t], p.f, p.out)
			}
			p.inFlight = false
			inFlight--
		}
	}
}

// Last returns the position of the last op for which match holds, or -1;
// tests use it to pick the op they corrupt.
func (b *B) Last(match func(*history.Op) bool) int {
	for i := len(b.ops) - 1; i >= 0; i-- {
		if match(&b.ops[i]) {
			return i
		}
	}
	return -1
}

// SetValue replaces the value of the op at position i, to corrupt a
// simulated history on purpose.
func (b *B) SetValue(i int, v any) { b.ops[i].Value = v }

// Value returns the value of the op at position i.
func (b *B) Value(i int) any { return b.ops[i].Value }

// Ops returns a copy of the ops, in order, for tests that feed them one at a
// time (as a file is read) rather than as a History.
func (b *B) Ops() []history.Op { return append([]history.Op(nil), b.ops...) }

// Counter is a correct counter store: an add of an integer delta returns
// its delta, a read the sum of the adds applied so far.
type Counter struct{ N int64 }

// Apply performs an add or a read.
func (c *Counter) Apply(f string, v any) any {
	if f == "add" {
		d, _ := history.AsInt(v)
		c.N += d
		return v
	}
	return c.N
}
