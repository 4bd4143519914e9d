package register

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
)

// store plays a register per key, applying each op when it is invoked (a
// linearization point inside the op). stale makes reads return the value
// before the latest write.
type store struct {
	cur, prev map[any]any
	stale     bool
}

func (s *store) complete(op history.Op) (history.Op, time.Duration) {
	if op.Process == history.NemesisProcess {
		op.Type = history.Info
		return op, 0
	}
	k, v, _ := history.TupleKey(op)
	key := history.Key(k)
	op.Type = history.OK
	switch op.F {
	case Read:
		got := s.cur[key]
		if s.stale {
			got = s.prev[key]
		}
		op.Value = []any{k, got}
	case Write:
		s.prev[key], s.cur[key] = s.cur[key], v
	case CAS:
		pair := v.([]any)
		if !history.Equal(s.cur[key], pair[0]) {
			op.Type = history.Fail
			break
		}
		s.prev[key], s.cur[key] = s.cur[key], pair[1]
	}
	return op, time.Millisecond
}

func simulate(t *testing.T, o Options, s *store, ops int) *history.History {
	t.Helper()
	sim, err := generator.Simulate(Generator(o), generator.Sim{Concurrency: 10, Seed: 7, OpLimit: ops, Complete: s.complete})
	if err != nil {
		t.Fatal(err)
	}
	h, err := history.New(sim.History)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestGeneratorGivesEachKeyToOneGroupAndBoundsItsOps(t *testing.T) {
	s := &store{cur: map[any]any{}, prev: map[any]any{}}
	h := simulate(t, Options{ThreadsPerKey: 5, OpsPerKey: 20}, s, 400)
	perKey := map[int64]int{}
	group := map[int64]int{}
	fs := map[string]int{}
	for _, op := range h.All() {
		if op.Type != history.Invoke {
			continue
		}
		k, _, ok := history.TupleKey(op)
		if !ok {
			t.Fatalf("op %d: value %s is not a [key value] tuple", op.Index, history.FormatEDN(op.Value))
		}
		key := k.(int64)
		perKey[key]++
		fs[op.F]++
		g := (op.Process % 10) / 5
		if prev, seen := group[key]; seen && prev != g {
			t.Fatalf("key %d used by thread groups %d and %d", key, prev, g)
		}
		group[key] = g
	}
	for k, n := range perKey {
		if n > 20 {
			t.Fatalf("key %d got %d ops, expected at most 20", k, n)
		}
	}
	if len(perKey) < 20 {
		t.Fatalf("400 ops at 20 per key used only %d keys", len(perKey))
	}
	for _, f := range []string{Read, Write, CAS} {
		if fs[f] < 80 {
			t.Fatalf("f %s: %d of 400 ops, expected about a third: %v", f, fs[f], fs)
		}
	}
}

func TestCheckerPassesACorrectRegisterAndCatchesStaleReads(t *testing.T) {
	good := simulate(t, Options{ThreadsPerKey: 5}, &store{cur: map[any]any{}, prev: map[any]any{}}, 2000)
	if r := Checker().Check(context.Background(), good); r.Valid != checker.Valid {
		t.Fatalf("correct register: %v %s %s", r.Valid, r.Summary, r.Error)
	}
	bad := simulate(t, Options{ThreadsPerKey: 5}, &store{cur: map[any]any{}, prev: map[any]any{}, stale: true}, 2000)
	r := Checker().Check(context.Background(), bad)
	if r.Valid != checker.Invalid || !strings.Contains(r.Summary, "keys invalid") {
		t.Fatalf("stale register: %v %q, expected invalid keys", r.Valid, r.Summary)
	}
}
