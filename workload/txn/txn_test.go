package txn

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
)

// kv plays a serial store: each transaction applies whole when invoked.
// lostUpdate makes every third append vanish although it is acknowledged.
type kv struct {
	lists      map[int64][]any
	appends    int
	lostUpdate bool
}

func (s *kv) complete(op history.Op) (history.Op, time.Duration) {
	op.Type = history.OK
	var out []any
	for _, x := range op.Value.([]any) {
		m := x.([]any)
		f, k := m[0].(history.Keyword), m[1].(int64)
		switch f {
		case Read:
			out = append(out, []any{Read, k, slices.Clone(s.lists[k])})
		case Append:
			s.appends++
			if !(s.lostUpdate && s.appends%3 == 0) {
				s.lists[k] = append(s.lists[k], m[2])
			}
			out = append(out, m)
		}
	}
	op.Value = out
	return op, time.Millisecond
}

func simulate(t *testing.T, o Options, c func(history.Op) (history.Op, time.Duration), ops int) *history.History {
	t.Helper()
	sim, err := generator.Simulate(generator.Clients(Generator(o)), generator.Sim{Concurrency: 5, Seed: 11, OpLimit: ops, Complete: c})
	if err != nil {
		t.Fatal(err)
	}
	return history.MustNew(sim.History...)
}

func TestGeneratorWritesUniqueValuesPerKeyAndRotatesKeys(t *testing.T) {
	o := Options{Write: Write, ActiveKeys: 3, MaxWritesPerKey: 4, MinLength: 2, MaxLength: 3}
	h := simulate(t, o, generator.DefaultComplete, 300)
	written := map[[2]int64]bool{}
	perKey := map[int64]int{}
	for _, op := range h.All() {
		if op.Type != history.Invoke {
			continue
		}
		mops := op.Value.([]any)
		if len(mops) < 2 || len(mops) > 3 {
			t.Fatalf("op %d has %d micro-ops, expected 2-3", op.Index, len(mops))
		}
		for _, x := range mops {
			m := x.([]any)
			if m[0] == Read {
				if m[2] != nil {
					t.Fatalf("op %d: read invoked with a value %v", op.Index, m[2])
				}
				continue
			}
			if m[0] != Write {
				t.Fatalf("op %d: micro-op %v, expected :w or :r", op.Index, m)
			}
			kv := [2]int64{m[1].(int64), m[2].(int64)}
			if written[kv] {
				t.Fatalf("op %d writes %d to key %d a second time", op.Index, kv[1], kv[0])
			}
			written[kv] = true
			perKey[kv[0]]++
		}
	}
	for k, n := range perKey {
		if n > 4 {
			t.Fatalf("key %d written %d times, expected at most 4", k, n)
		}
	}
	if len(perKey) < 20 {
		t.Fatalf("only %d keys written in 300 txns with 4 writes per key", len(perKey))
	}
}

func TestListAppendCheckerPassesASerialStoreAndCatchesLostAppends(t *testing.T) {
	o := Options{}
	good := simulate(t, o, (&kv{lists: map[int64][]any{}}).complete, 1000)
	if r := Checker(o).Check(context.Background(), good); r.Valid != checker.Valid {
		t.Fatalf("serial store: %v %s %s", r.Valid, r.Summary, r.Error)
	}
	bad := simulate(t, o, (&kv{lists: map[int64][]any{}, lostUpdate: true}).complete, 1000)
	r := Checker(o).Check(context.Background(), bad)
	if r.Valid != checker.Invalid || !strings.Contains(r.Summary, "not ") {
		t.Fatalf("store losing appends: %v %q, expected anomalies ruling models out", r.Valid, r.Summary)
	}
}
