package linear

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/linear/linearsim"
	"github.com/faultline/faultline/checker/linear/model"
	"github.com/faultline/faultline/history"
)

// family pairs a model with a simulator spec that runs the same object.
type family struct {
	name  string
	model model.Model
	spec  func(seed uint64) linearsim.Spec
	// queue marks the queue models: orders of concurrent enqueues stay
	// undecided until the elements come out, so the number of possible
	// states grows exponentially with the queue's length (FIFO-queue
	// linearizability is NP-complete), and their long histories are kept
	// smaller.
	queue bool
}

func families() []family {
	return []family{
		{"register", model.Register(nil), func(uint64) linearsim.Spec { return linearsim.Register(3, false) }, false},
		{"cas-register", model.CASRegister(nil), func(uint64) linearsim.Spec { return linearsim.Register(3, true) }, false},
		{"mutex", model.Mutex(), func(uint64) linearsim.Spec { return linearsim.Mutex() }, false},
		{"set", model.Set(), func(uint64) linearsim.Spec { return linearsim.Set(4) }, false},
		{"fifo-queue", model.FIFOQueue(), func(s uint64) linearsim.Spec { return linearsim.Queue(true, s) }, true},
		{"unordered-queue", model.UnorderedQueue(), func(s uint64) linearsim.Spec { return linearsim.Queue(false, s) }, true},
		{"multi-register", model.MultiRegister(nil), func(uint64) linearsim.Spec { return linearsim.MultiRegister(3) }, false},
		{"kv", model.KV(nil), func(uint64) linearsim.Spec { return linearsim.KV(3, 3) }, false},
	}
}

func TestSimulatedHistoriesAreAlwaysLinearizable(t *testing.T) {
	seeds := 20
	if testing.Short() {
		seeds = 5
	}
	for _, fam := range families() {
		for seed := range uint64(seeds) {
			cfg := linearsim.Config{Seed: seed, Ops: 300, Processes: 5, InfoRate: 0.05}
			if fam.queue {
				cfg = linearsim.Config{Seed: seed, Ops: 80, Processes: 3, InfoRate: 0.02}
			}
			h := linearsim.Run(cfg, fam.spec(seed))
			r := New(fam.model, Options{}).Check(context.Background(), h)
			if r.Valid != checker.Valid {
				t.Fatalf("%s seed %d: simulated history judged %s: %s %s", fam.name, seed, r.Valid, r.Summary, r.Error)
			}
		}
	}
}

// bruteForce decides linearizability by trying every order of the ops that
// respects real time, with no memo, no entry list and no key split: an
// independent oracle for the search on small histories.
func bruteForce(t *testing.T, m model.Model, h *history.History) bool {
	t.Helper()
	type bop struct {
		op               model.Op
		invoke, complete int // complete is -1 unless ok
	}
	var ops []bop
	for i, o := range h.All() {
		if o.Type != history.Invoke {
			continue
		}
		c := h.Completion(i)
		b := bop{op: model.Op{Index: o.Index, F: o.F, Value: o.Value}, invoke: i, complete: -1}
		if c >= 0 && h.At(c).Type == history.Fail {
			continue
		}
		if c >= 0 && h.At(c).Type == history.OK {
			b.op.Known, b.complete = true, c
			if v := h.At(c).Value; v != nil { // a completion without a value keeps the invocation's
				b.op.Value = v
			}
		}
		ops = append(ops, b)
	}
	mops := make([]model.Op, len(ops))
	for i, b := range ops {
		mops[i] = b.op
	}
	mach, err := m.Build(mops)
	if err != nil {
		t.Fatal(err)
	}
	var dfs func(s model.State, done uint64) bool
	dfs = func(s model.State, done uint64) bool {
		allOK := true
		for i, b := range ops {
			if b.complete >= 0 && done&(1<<i) == 0 {
				allOK = false
			}
		}
		if allOK {
			return true
		}
	next:
		for i, b := range ops {
			if done&(1<<i) != 0 {
				continue
			}
			for j, p := range ops {
				if p.complete >= 0 && p.complete < b.invoke && done&(1<<j) == 0 {
					continue next // p must come first
				}
			}
			for alt := 0; ; alt++ {
				ns, ok, more := mach.Step(s, i, alt)
				if ok && dfs(ns, done|1<<i) {
					return true
				}
				if !more {
					break
				}
			}
		}
		return false
	}
	return dfs(mach.Init(), 0)
}

// mutate changes one random completion, so that about half the histories
// stop being linearizable: an ok op's value changes, or a failed op claims
// to have succeeded.
func mutate(r *rand.Rand, h *history.History) *history.History {
	var done []int
	for i, o := range h.All() {
		if o.Type == history.OK || o.Type == history.Fail {
			done = append(done, i)
		}
	}
	if len(done) == 0 {
		return h
	}
	ops := h.Ops()
	i := done[r.IntN(len(done))]
	if ops[i].Type == history.Fail {
		ops[i].Type = history.OK
	} else {
		ops[i].Value = mutateValue(r, ops[i].Value)
	}
	out, err := history.New(ops)
	if err != nil {
		panic(err)
	}
	return out
}

func mutateValue(r *rand.Rand, v any) any {
	switch x := v.(type) {
	case nil, int64:
		if r.IntN(4) == 0 {
			return nil
		}
		return int64(r.IntN(4))
	case []any:
		if len(x) == 0 {
			return []any{int64(r.IntN(4))}
		}
		y := append([]any(nil), x...)
		j := r.IntN(len(y))
		if _, isKey := y[j].(history.Keyword); isKey || (len(y) == 2 && j == 0 && r.IntN(2) == 0) {
			j = len(y) - 1
		}
		y[j] = mutateValue(r, y[j])
		return y
	}
	return v
}

func TestSearchAgreesWithBruteForceOnSmallRandomHistories(t *testing.T) {
	perFamily := 1000
	if testing.Short() {
		perFamily = 200
	}
	// Two mixes: few crashes, and many (which exercises the optional info
	// ops, their twins and the subsumption of the memo).
	mixes := []struct {
		infoRate       float64
		minOps, spread int
	}{{0.15, 3, 6}, {0.4, 4, 7}}
	for _, fam := range families() {
		for _, mix := range mixes {
			r := rand.New(rand.NewPCG(7, uint64(len(fam.name))))
			counts := map[bool]int{}
			for n := range perFamily {
				seed := uint64(n)
				cfg := linearsim.Config{Seed: seed, Ops: mix.minOps + r.IntN(mix.spread), Processes: 2 + r.IntN(3), InfoRate: mix.infoRate}
				h := linearsim.Run(cfg, fam.spec(seed))
				if r.IntN(3) > 0 {
					h = mutate(r, h)
				}
				want := bruteForce(t, fam.model, h)
				got := New(fam.model, Options{}).Check(context.Background(), h)
				if (got.Valid == checker.Valid) != want || got.Valid == checker.Unknown {
					t.Fatalf("%s history %d (info rate %v): search says %s, brute force says %v\n%s", fam.name, n, mix.infoRate, got.Valid, want, dump(h))
				}
				counts[want]++
			}
			if counts[true] < perFamily/20 || counts[false] < perFamily/20 {
				t.Fatalf("%s: mix too one-sided to test anything: %v", fam.name, counts)
			}
			t.Logf("%s, info rate %v: %d linearizable, %d not", fam.name, mix.infoRate, counts[true], counts[false])
		}
	}
}

func dump(h *history.History) string {
	var b strings.Builder
	for _, o := range h.All() {
		fmt.Fprintln(&b, o.String())
	}
	return b.String()
}
