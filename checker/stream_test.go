package checker_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/histbuild"
	"github.com/faultline/faultline/history"
)

// registerStore is a correct register, for simulated histories with info
// completions (which retire processes).
type registerStore struct{ v any }

func (s *registerStore) Apply(f string, v any) any {
	if f == "write" {
		s.v = v
		return v
	}
	return s.v
}

// The Pairer pairs ops read one at a time exactly as a History pairs them
// all: every completion names its invocation's position and op.
func TestPairerPairsAsTheHistoryDoes(t *testing.T) {
	for seed := range uint64(20) {
		b := histbuild.Sim{Seed: seed, Procs: 5, N: 400, InfoRate: 0.1, Store: &registerStore{},
			Next: func(r *rand.Rand) (string, any) {
				if r.IntN(2) == 0 {
					return "write", int64(r.IntN(5))
				}
				return "read", nil
			}}.Run()
		// A bare nemesis info and an op never completed, as crashed runs leave.
		b.Info(history.NemesisProcess, "kill", nil).Invoke(99, "read", nil)
		h := b.History()
		var p checker.Pairer
		for i, op := range b.Ops() {
			e, err := p.Pair(op)
			if err != nil {
				t.Fatalf("seed %d, op %d: %v", seed, i, err)
			}
			if e.Pos != i || e.InvPos != h.Invocation(i) || e.Op.Index != op.Index {
				t.Fatalf("seed %d, op %d: event at %d completing %d, history says %d", seed, i, e.Pos, e.InvPos, h.Invocation(i))
			}
			if e.InvPos >= 0 && e.Inv.Index != h.At(e.InvPos).Index {
				t.Fatalf("seed %d, op %d: invocation op %d, want %d", seed, i, e.Inv.Index, h.At(e.InvPos).Index)
			}
		}
		if p.Len() != h.Len() {
			t.Fatalf("paired %d ops of %d", p.Len(), h.Len())
		}
	}
}

// What history.New refuses, the Pairer refuses with the same words; a client
// completion without an invocation (which NewInvokingAtStart invokes at the
// start) asks for the whole history.
func TestPairerRefusesWhatAHistoryCannotHold(t *testing.T) {
	inv := history.Op{Index: 0, Type: history.Invoke, Process: 1, F: "read"}
	cases := []struct {
		name string
		ops  []history.Op
		want string
	}{
		{"a completion whose f is not its invocation's", []history.Op{inv, {Index: 1, Type: history.OK, Process: 1, F: "write"}}, `completion has f "write" but its invoke (op 0) has f "read"`},
		{"a second invocation while one is outstanding", []history.Op{inv, {Index: 1, Type: history.Invoke, Process: 1, F: "read"}}, "still outstanding"},
		{"a completion nobody invoked", []history.Op{{Index: 0, Type: history.OK, Process: 3, F: "read"}}, "must be read whole"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var p checker.Pairer
			var err error
			for _, op := range c.ops {
				if _, err = p.Pair(op); err != nil {
					break
				}
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one saying %q", err, c.want)
			}
			var whole *checker.ErrNeedsWholeHistory
			if errors.As(err, &whole) != (c.want == "must be read whole") {
				t.Fatalf("error %T: only a completion without invocation asks for the whole history", err)
			}
		})
	}
}

// countStream counts what it was fed, to see what Streamed's Check feeds.
type countStream struct{ ops, completions int }

func (c *countStream) Add(e checker.Event) {
	c.ops++
	if e.InvPos >= 0 {
		c.completions++
	}
}

func (c *countStream) Result() checker.Result {
	return checker.Result{Valid: checker.Valid, Details: [2]int{c.ops, c.completions}}
}

func TestStreamedChecksEveryOpAndGivesUpWhenCancelled(t *testing.T) {
	s := checker.Streamed(func() checker.Stream { return &countStream{} })
	h := histbuild.New().Op(0, history.OK, "read", 1).Invoke(1, "read", nil).History()
	if r := s.Check(context.Background(), h); r.Details != [2]int{3, 1} {
		t.Fatalf("fed %v (ops, completions), want [3 1]", r.Details)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if r := s.Check(ctx, h); r.Valid != checker.Unknown || !strings.Contains(r.Error, "cancelled") {
		t.Fatalf("cancelled check: %+v", r)
	}
}
