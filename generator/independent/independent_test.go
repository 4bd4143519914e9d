package independent

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
)

func simulate(t *testing.T, g generator.Generator, s generator.Sim) []history.Op {
	t.Helper()
	sim, err := generator.Simulate(g, s)
	if err != nil {
		t.Fatalf("simulate: %v", err)
	}
	return sim.History
}

func invokeLines(ops []history.Op) []string {
	var out []string
	for _, op := range ops {
		if op.Type == history.Invoke {
			out = append(out, fmt.Sprintf("%v %d %s %s", time.Duration(op.Time), op.Process, op.F, history.FormatEDN(op.Value)))
		}
	}
	return out
}

func reads(n int) func(any) generator.Generator {
	return func(any) generator.Generator {
		return generator.Limit(n, generator.Repeat(generator.Invoke("read", nil)))
	}
}

func TestSequentialRunsOneKeyAfterAnotherWrappingValues(t *testing.T) {
	g := generator.Clients(Sequential(List("a", "b"), reads(2)))
	got := invokeLines(simulate(t, g, generator.Sim{Concurrency: 1}))
	want := []string{`0s 0 read ["a" nil]`, `1ms 0 read ["a" nil]`, `2ms 0 read ["b" nil]`, `3ms 0 read ["b" nil]`}
	if !slices.Equal(got, want) {
		t.Fatalf("invokes %v, want %v", got, want)
	}
}

func TestSequentialTellsEachKeysGeneratorItsOwnEventsUnwrapped(t *testing.T) {
	// until-ok per key: key 0's first read fails, key 1's succeeds. The
	// events reach until-ok with bare values, and only for its own key.
	complete := func(op history.Op) (history.Op, time.Duration) {
		op.Type = history.OK
		if history.Equal(op.Value, []any{int64(0), nil}) && op.Time == 0 {
			op.Type = history.Fail
		}
		return op, time.Millisecond
	}
	var seen []any
	fgen := func(any) generator.Generator {
		watch := func(g generator.Generator, ctx *generator.Context, ev history.Op) generator.Generator {
			if ev.Type.IsCompletion() {
				seen = append(seen, ev.Value)
			}
			return g.Update(ctx, ev)
		}
		return generator.OnUpdate(watch, generator.UntilOK(generator.Repeat(generator.Invoke("read", nil))))
	}
	g := generator.Clients(Sequential(List(int64(0), int64(1)), fgen))
	got := invokeLines(simulate(t, g, generator.Sim{Concurrency: 1, Complete: complete}))
	want := []string{"0s 0 read [0 nil]", "1ms 0 read [0 nil]", "2ms 0 read [1 nil]"}
	if !slices.Equal(got, want) || !slices.Equal(seen, []any{nil, nil, nil}) {
		t.Fatalf("invokes %v (want %v); values seen by the key generators %v (want bare nils)", got, want, seen)
	}
}

func TestConcurrentRunsAKeyPerGroupOfThreads(t *testing.T) {
	const conc, n = 6, 2
	g := generator.Clients(Concurrent(n, List("x", "y", "z", "w"), reads(3)))
	ops := simulate(t, g, generator.Sim{Concurrency: conc, Seed: 4})
	groupOf := map[string]int{}
	count := map[string]int{}
	first := map[string]int64{}
	last := map[string]int64{}
	for _, op := range ops {
		if op.Type != history.Invoke {
			continue
		}
		k, _, ok := history.TupleKey(op)
		if !ok {
			t.Fatalf("op without a [key value] tuple: %v", op)
		}
		key := k.(string)
		grp := (op.Process % conc) / n
		if prev, seen := groupOf[key]; seen && prev != grp {
			t.Fatalf("key %s ran on groups %d and %d", key, prev, grp)
		}
		if _, seen := first[key]; !seen {
			first[key] = op.Time
		}
		groupOf[key], last[key] = grp, op.Time
		count[key]++
	}
	for _, k := range []string{"x", "y", "z", "w"} {
		if count[k] != 3 {
			t.Fatalf("key %s ran %d ops, want 3 (counts %v)", k, count[k], count)
		}
	}
	// Three groups start x, y and z at once; w waits until the generator of
	// one of them is exhausted (its last op emitted).
	if first["x"] != 0 || first["y"] != 0 || first["z"] != 0 || first["w"] < min(last["x"], last["y"], last["z"]) {
		t.Fatalf("first ops %v, last ops %v: want x, y, z at 0 and w after one of them finished", first, last)
	}
}

func TestConcurrentNeedsAMultipleOfItsGroupSize(t *testing.T) {
	_, err := generator.Simulate(generator.Clients(Concurrent(2, Naturals(), reads(1))), generator.Sim{Concurrency: 3})
	want := "clients > concurrent(2): 3 client threads do not split into groups of 2 threads per key"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("err = %v, want it to start with %q", err, want)
	}
}

func TestConcurrentWithEndlessKeysStopsAtTheSimulationLimit(t *testing.T) {
	g := generator.Clients(Concurrent(2, Naturals(), reads(2)))
	ops := simulate(t, g, generator.Sim{Concurrency: 4, OpLimit: 40})
	keys := map[any]bool{}
	for _, op := range ops {
		if k, _, ok := history.TupleKey(op); ok {
			keys[k] = true
		}
	}
	if len(keys) != 20 {
		t.Fatalf("40 ops of 2 per key touched %d keys, want 20", len(keys))
	}
}
