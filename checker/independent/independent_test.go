package independent

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/histbuild"
	"github.com/faultline/faultline/checker/set"
	"github.com/faultline/faultline/history"
)

func kv(k, v any) []any { return []any{k, v} }

func TestIndependentListsFailingKeysFirst(t *testing.T) {
	ok := history.OK
	h := histbuild.New().
		Op(0, ok, "add", kv(1, 10)).Op(0, ok, "read", kv(1, []any{10})). // key 1: fine
		Op(1, ok, "add", kv(2, 20)).Op(1, ok, "read", kv(2, []any{})).   // key 2: 20 lost
		Op(2, ok, "add", kv(3, 30)).                                     // key 3: never read
		Op(history.NemesisProcess, history.Info, "kill", nil).History()
	r := Checker(set.Checker(), Options{}).Check(context.Background(), h)
	if r.Valid != checker.Invalid {
		t.Fatalf("valid = %v, want false (%s)", r.Valid, r.Summary)
	}
	d := r.Details.(*Details)
	var order []any
	for _, k := range d.Keys {
		order = append(order, k.Key)
	}
	if !history.Equal(order, []any{2, 3, 1}) || d.InvalidCount != 1 || d.UnknownCount != 1 || d.KeyCount != 3 {
		t.Fatalf("keys in order %v, invalid %d unknown %d", order, d.InvalidCount, d.UnknownCount)
	}
	if lost := d.Keys[0].Result.Details.(*set.Details).Lost; !history.Equal(lost, []any{20}) {
		t.Fatalf("key 2 lost %v, want [20]", lost)
	}
	if !strings.HasPrefix(r.Summary, "1 of 3 keys invalid, 1 unknown: [2 3]; key 2: 1 lost") {
		t.Fatalf("summary = %q", r.Summary)
	}
	if got := histbuild.Explain(d); !strings.Contains(got, "key 2 (4 ops): false") || !strings.Contains(got, "lost: 1 acknowledged add is missing from the final read: [20]") {
		t.Fatalf("explain = %q", got)
	}
}

func TestIndependentAllKeysValidIsValid(t *testing.T) {
	h := histbuild.New().Op(0, history.OK, "add", kv("a", 1)).Op(0, history.OK, "read", kv("a", []any{1})).History()
	if r := Checker(set.Checker(), Options{}).Check(context.Background(), h); r.Valid != checker.Valid || r.Summary != "" {
		t.Fatalf("got %v %q", r.Valid, r.Summary)
	}
}

func TestIndependentWithoutTuplesIsUnknown(t *testing.T) {
	h := histbuild.New().Op(0, history.OK, "add", 1).History()
	if r := Checker(set.Checker(), Options{}).Check(context.Background(), h); r.Valid != checker.Unknown {
		t.Fatalf("got %v", r.Valid)
	}
}

func TestIndependentChecksKeysInParallelUpToTheLimit(t *testing.T) {
	b := histbuild.New()
	for k := range 6 {
		b.Op(k, history.OK, "read", kv(k, 0))
	}
	var running, most atomic.Int32
	var barrier sync.WaitGroup
	barrier.Add(2)
	var first atomic.Int32
	inner := checker.Func(func(context.Context, *history.History) checker.Result {
		n := running.Add(1)
		defer running.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		if first.Add(1) <= 2 { // the first two calls must overlap
			barrier.Done()
			done := make(chan struct{})
			go func() { barrier.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				return checker.Result{Valid: checker.Invalid, Summary: "keys were not checked in parallel"}
			}
		}
		return checker.Result{Valid: checker.Valid}
	})
	r := Checker(inner, Options{Parallelism: 2}).Check(context.Background(), b.History())
	if r.Valid != checker.Valid || most.Load() != 2 {
		t.Fatalf("valid %v (%s), most keys at once %d, want 2", r.Valid, r.Summary, most.Load())
	}
}

func TestIndependentTurnsAPanickingKeyIntoUnknown(t *testing.T) {
	h := histbuild.New().Op(0, history.OK, "read", kv(1, 0)).Op(0, history.OK, "read", kv(2, 0)).History()
	inner := checker.Func(func(_ context.Context, h *history.History) checker.Result {
		if history.Equal(h.At(0).Index, 0) {
			panic("boom")
		}
		return checker.Result{Valid: checker.Valid}
	})
	r := Checker(inner, Options{}).Check(context.Background(), h)
	d := r.Details.(*Details)
	if r.Valid != checker.Unknown || !history.Equal(d.Keys[0].Key, 1) || !strings.Contains(d.Keys[0].Result.Error, "boom") {
		t.Fatalf("got %v %+v", r.Valid, d.Keys)
	}
}
