// Package linearsim makes histories that are linearizable by construction,
// of any size, for testing and benchmarking the linearizability checker: a
// simulated database runs every operation atomically against a sequential
// object (a Spec) at one instant between the operation's invocation and its
// completion, so the instants form a linearization. Clients crash (info)
// at a chosen rate, and a crashed operation takes effect later, or never,
// as a real one might. One seed gives one history.
package linearsim

import (
	"math/rand/v2"

	"github.com/faultline/faultline/history"
)

// Spec is a sequential object the simulated database runs operations on.
type Spec interface {
	// Gen proposes the next operation a client invokes: f and the
	// invocation's value.
	Gen(r *rand.Rand) (f string, value any)
	// Apply performs the operation atomically and returns its completion:
	// OK (or Fail if it certainly did not happen) and the completion value.
	Apply(f string, value any) (history.Type, any)
}

// Config shapes a simulated history.
type Config struct {
	Seed uint64
	// Ops is how many operations are invoked; the history holds about twice
	// as many events.
	Ops int
	// Processes is the number of concurrent client threads. A thread whose
	// op crashes continues as a new process, as Jepsen's workers do.
	Processes int
	// InfoRate is the fraction of operations whose completion is info; such
	// an op takes effect before its completion, some time after it, or
	// never.
	InfoRate float64
}

// flight is an operation in progress on one thread.
type flight struct {
	f       string
	value   any
	crash   bool // the client will give up on it (info)
	applied bool
	typ     history.Type
	result  any
}

// Run simulates cfg against spec and returns the history.
func Run(cfg Config, spec Spec) *history.History {
	r := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x5851f42d4c957f2d))
	procs := max(cfg.Processes, 1)
	process := make([]int, procs)
	for i := range process {
		process[i] = i
	}
	inFlight := make([]*flight, procs)
	var zombies []*flight // crashed ops that have not taken effect yet
	ops := make([]history.Op, 0, 2*cfg.Ops+2)
	emit := func(t history.Type, p int, f string, v any) {
		ops = append(ops, history.Op{Index: len(ops), Time: int64(len(ops)) * 1000, Type: t, Process: p, F: f, Value: v})
	}
	apply := func(fl *flight) {
		fl.applied = true
		fl.typ, fl.result = spec.Apply(fl.f, fl.value)
	}
	invoked, busy := 0, 0
	for invoked < cfg.Ops || busy > 0 {
		if len(zombies) > 0 && r.IntN(8) == 0 {
			j := r.IntN(len(zombies))
			if r.IntN(2) == 0 {
				apply(zombies[j])
			}
			zombies = append(zombies[:j], zombies[j+1:]...)
		}
		t := r.IntN(procs)
		fl := inFlight[t]
		switch {
		case fl == nil && invoked < cfg.Ops:
			f, v := spec.Gen(r)
			inFlight[t] = &flight{f: f, value: v, crash: r.Float64() < cfg.InfoRate}
			emit(history.Invoke, process[t], f, v)
			invoked++
			busy++
		case fl == nil:
			// this thread is done; others still run
		case fl.crash && (fl.applied || r.IntN(2) == 0):
			emit(history.Info, process[t], fl.f, fl.value)
			if !fl.applied {
				zombies = append(zombies, fl)
			}
			process[t] += procs
			inFlight[t] = nil
			busy--
		case !fl.applied:
			apply(fl)
		default:
			emit(fl.typ, process[t], fl.f, fl.result)
			inFlight[t] = nil
			busy--
		}
	}
	h, err := history.New(ops)
	if err != nil {
		panic("linearsim: built a malformed history: " + err.Error())
	}
	return h
}
