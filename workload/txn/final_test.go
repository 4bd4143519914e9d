package txn

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/elle"
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
)

// runWithFinalReads simulates a run of o's pair of generators: ops
// transactions in the main phase, then the final reads, against complete.
func runWithFinalReads(t *testing.T, o Options, ops int, complete func(history.Op) (history.Op, time.Duration)) *history.History {
	t.Helper()
	main, final := Generators(o)
	g := generator.Phases(generator.Limit(ops, generator.Clients(main)), final)
	sim, err := generator.Simulate(g, generator.Sim{Concurrency: 4, Seed: 5, Complete: complete})
	if err != nil {
		t.Fatal(err)
	}
	return history.MustNew(sim.History...)
}

// mainAndFinal splits a history's client invocations into the main
// phase's and the final reads, failing the test on a final op that is not
// a read-only transaction.
func mainAndFinal(t *testing.T, h *history.History) (main, final []history.Op) {
	t.Helper()
	for _, op := range h.All() {
		if op.Type != history.Invoke || !op.IsClient() {
			continue
		}
		if !isFinal(op) {
			if len(final) > 0 {
				t.Fatalf("op %d of the main phase invoked after final read %d", op.Index, final[0].Index)
			}
			main = append(main, op)
			continue
		}
		if keys := keysOf(op.Value, false); len(keys) > 0 {
			t.Fatalf("final op %d writes keys %v, expected reads only", op.Index, keys)
		}
		final = append(final, op)
	}
	return main, final
}

func TestFinalReadsReadEveryWrittenKeyOnEveryThreadIncludingRetiredKeys(t *testing.T) {
	// Two active keys retired after 3 writes each: over 200 transactions
	// dozens of keys come and go, and most are retired long before the end.
	o := Options{ActiveKeys: 2, MaxWritesPerKey: 3, FinalReadKeys: 5}
	h := runWithFinalReads(t, o, 200, (&kv{lists: map[int64][]any{}}).complete)
	main, final := mainAndFinal(t, h)
	written := map[int64]bool{}
	for _, op := range main {
		for _, k := range keysOf(op.Value, false) {
			written[k] = true
		}
	}
	if len(written) < 30 {
		t.Fatalf("only %d keys written; the test needs many retired keys", len(written))
	}
	readBy := map[int]map[int64]bool{} // thread -> keys its final reads read
	for _, op := range final {
		n := len(op.Value.([]any))
		if n > o.FinalReadKeys {
			t.Fatalf("final op %d reads %d keys, expected at most FinalReadKeys = %d", op.Index, n, o.FinalReadKeys)
		}
		thread := op.Process % 4
		if readBy[thread] == nil {
			readBy[thread] = map[int64]bool{}
		}
		for _, k := range keysOf(op.Value, true) {
			if !written[k] {
				t.Fatalf("final op %d reads key %d, which no transaction wrote", op.Index, k)
			}
			readBy[thread][k] = true
		}
	}
	for thread := range 4 {
		if len(readBy[thread]) != len(written) {
			t.Fatalf("thread %d's final reads cover %d of the %d written keys", thread, len(readBy[thread]), len(written))
		}
	}
	if want := 4 * ((len(written) + o.FinalReadKeys - 1) / o.FinalReadKeys); len(final) != want {
		t.Fatalf("%d final reads, expected %d (4 threads x %d keys in groups of %d): nothing read twice when every read succeeds",
			len(final), want, len(written), o.FinalReadKeys)
	}
}

// flaky fails each process's first failures final reads, then serves them
// from the store; forever = true fails every final read.
type flaky struct {
	kv
	failures int
	forever  bool
	failed   map[int]int
}

func (s *flaky) complete(op history.Op) (history.Op, time.Duration) {
	if isFinal(op) && (s.forever || s.failed[op.Process] < s.failures) {
		s.failed[op.Process]++
		op.Type, op.Error = history.Fail, "unavailable"
		return op, 100 * time.Millisecond
	}
	return s.kv.complete(op)
}

func TestFinalReadsRetryFailuresUntilTheySucceed(t *testing.T) {
	o := Options{FinalReadKeys: 100}
	s := &flaky{kv: kv{lists: map[int64][]any{}}, failures: 3, failed: map[int]int{}}
	h := runWithFinalReads(t, o, 100, s.complete)
	_, final := mainAndFinal(t, h)
	ok := map[int]int{}
	fails := map[int]int{}
	for _, op := range h.All() {
		if !op.Type.IsCompletion() || !isFinal(op) {
			continue
		}
		switch op.Type {
		case history.OK:
			ok[op.Process]++
		case history.Fail:
			if ok[op.Process] > 0 {
				t.Fatalf("op %d: process %d's final read failed after one succeeded: it should have stopped", op.Index, op.Process)
			}
			fails[op.Process]++
		}
	}
	for p := range 4 {
		if fails[p] != 3 || ok[p] != 1 {
			t.Fatalf("process %d: %d failed and %d ok final reads, expected 3 retried failures then 1 ok", p, fails[p], ok[p])
		}
	}
	if len(final) != 16 {
		t.Fatalf("%d final reads, expected 4 threads x 4 attempts", len(final))
	}
	if r := Checker(o).Check(context.Background(), h); r.Valid != checker.Valid {
		t.Fatalf("retried final reads of a serial store: %v %s, expected valid", r.Valid, r.Summary)
	}
}

func TestFinalReadsGiveUpAfterTheirTimeoutAndTheVerdictIsUnknown(t *testing.T) {
	o := Options{FinalReadTimeout: 3 * time.Second}
	s := &flaky{kv: kv{lists: map[int64][]any{}}, forever: true, failed: map[int]int{}}
	h := runWithFinalReads(t, o, 100, s.complete)
	_, final := mainAndFinal(t, h)
	// Each attempt takes 100 ms and is followed by a 250 ms pause: about 9
	// attempts per thread in 3 s, then the thread gives up.
	if len(final) < 4*7 || len(final) > 4*10 {
		t.Fatalf("%d final reads, expected 4 threads x about 9 attempts in 3 s", len(final))
	}
	if last := h.At(h.Len()-1).Time - final[0].Time; last > int64(4*time.Second) {
		t.Fatalf("final reads went on for %v, expected to give up after 3 s", time.Duration(last))
	}
	r := Checker(o).Check(context.Background(), h)
	if r.Valid != checker.Unknown || !strings.Contains(r.Summary, "no final read succeeded for ") || !strings.Contains(r.Summary, "a write lost there would go unseen") {
		t.Fatalf("no final read succeeded: %v %q, expected unknown naming the unread keys", r.Valid, r.Summary)
	}
}

// forgetful is a serial store that loses one acknowledged append near the
// end of the run: when the first final read arrives, it drops the last
// element of a key, choosing one whose last element some read has
// returned (readFirst) or one no read has returned.
type forgetful struct {
	kv
	readFirst bool
	seen      map[int64]int // key -> the longest list a read returned
	key       int64         // the key that lost an element, and which
	lost      any
}

func newForgetful(readFirst bool) *forgetful {
	return &forgetful{kv: kv{lists: map[int64][]any{}}, readFirst: readFirst, seen: map[int64]int{}, key: -1}
}

func (s *forgetful) complete(op history.Op) (history.Op, time.Duration) {
	if isFinal(op) && s.key < 0 {
		for _, k := range slices.Sorted(maps.Keys(s.lists)) {
			list := s.lists[k]
			if len(list) > 0 && (s.seen[k] == len(list)) == s.readFirst {
				s.key, s.lost, s.lists[k] = k, list[len(list)-1], list[:len(list)-1]
				break
			}
		}
	}
	done, d := s.kv.complete(op)
	for _, x := range done.Value.([]any) {
		if m := x.([]any); m[0] == Read {
			s.seen[m[1].(int64)] = max(s.seen[m[1].(int64)], len(m[2].([]any)))
		}
	}
	return done, d
}

// runLosing runs the workload against a forgetful store and fails the test
// if the store lost nothing (the case would test nothing).
func runLosing(t *testing.T, o Options, readFirst bool) (*history.History, *forgetful) {
	t.Helper()
	s := newForgetful(readFirst)
	h := runWithFinalReads(t, o, 300, s.complete)
	if s.key < 0 {
		t.Fatalf("the store found no key to lose an append of (readFirst %v): the case tests nothing", readFirst)
	}
	return h, s
}

func TestFinalReadsCatchAnAcknowledgedAppendLostAfterItWasRead(t *testing.T) {
	o := Options{}
	if r := Checker(o).Check(context.Background(), runWithFinalReads(t, o, 300, (&kv{lists: map[int64][]any{}}).complete)); r.Valid != checker.Valid {
		t.Fatalf("serial store with final reads: %v %q, expected valid", r.Valid, r.Summary)
	}
	// The lost element was read before it was lost; the final reads, which
	// began after its append completed, miss it: G-single-item-realtime.
	h, s := runLosing(t, o, true)
	r := Checker(o).Check(context.Background(), h)
	if r.Valid != checker.Invalid || !explains(r, s.key, s.lost) {
		t.Fatalf("key %d lost %v after a read showed it: %v %q, expected invalid with the element named", s.key, s.lost, r.Valid, r.Summary)
	}
	if want := fmt.Sprintf("key %d element %s (acknowledged at op ", s.key, history.FormatEDN(s.lost)); !strings.Contains(r.Summary, want) {
		t.Fatalf("summary %q does not name the lost append (%q)", r.Summary, want)
	}
}

func TestFinalReadsCatchAnAcknowledgedAppendNoReadEverShowed(t *testing.T) {
	// The lost append was acknowledged and no read ever showed it: only
	// Elle's rule for appends no read shows (such an append follows the
	// highest element read, so each reader of that element, the final
	// reads among them, anti-depends on it) connects it to the final reads.
	o := Options{}
	h, s := runLosing(t, o, false)
	r := Checker(o).Check(context.Background(), h)
	if r.Valid != checker.Invalid || !explains(r, s.key, s.lost) {
		t.Fatalf("key %d lost %v, which no read showed: %v %q, expected invalid with the element named", s.key, s.lost, r.Valid, r.Summary)
	}
}

// explains reports whether some explanation of an anomaly in r's Elle
// report names key and element elem.
func explains(r checker.Result, key int64, elem any) bool {
	rep, ok := r.Details.(*elle.Report)
	if !ok {
		return false
	}
	for _, a := range rep.Anomalies {
		for _, e := range append(slices.Clone(a.Explanation), stepExplanations(a)...) {
			if strings.Contains(e, fmt.Sprintf("key %d ", key)) && strings.Contains(e, history.FormatEDN(elem)) {
				return true
			}
		}
	}
	return false
}

func stepExplanations(a elle.Anomaly) []string {
	var out []string
	for _, s := range a.Steps {
		out = append(out, s.Explanation)
	}
	return out
}

// tx is one transaction for a hand-built history: invoked at from and
// completed ok at to (both index and time), final or not.
type tx struct {
	p, from, to int
	final       bool
	mops        []any
}

func build(txs ...tx) *history.History {
	var ops []history.Op
	for _, x := range txs {
		inv := history.Op{Index: x.from, Time: int64(x.from), Type: history.Invoke, Process: x.p, F: F, Value: x.mops}
		if x.final {
			inv.Set(FinalField, true)
		}
		done := inv
		done.Index, done.Time, done.Type = x.to, int64(x.to), history.OK
		ops = append(ops, inv, done)
	}
	slices.SortFunc(ops, func(a, b history.Op) int { return a.Index - b.Index })
	return history.MustNew(ops...)
}

func mop(f history.Keyword, k int64, v any) []any { return []any{f, k, v} }

func ints(xs ...int64) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

func TestCheckerHoldsTheVerdictToTheFinalReads(t *testing.T) {
	appendBoth := tx{p: 0, from: 0, to: 1, mops: []any{mop(Append, 1, int64(1)), mop(Append, 2, int64(1))}}
	cases := []struct {
		name    string
		h       *history.History
		want    checker.Validity
		summary string // expected in the summary
		why     string
	}{
		{"every key read at the end",
			build(appendBoth, tx{p: 1, from: 2, to: 3, final: true, mops: []any{mop(Read, 1, ints(1)), mop(Read, 2, ints(1))}}),
			checker.Valid, "", "both written keys have a final read"},
		{"a key never read at the end",
			build(appendBoth, tx{p: 1, from: 2, to: 3, final: true, mops: []any{mop(Read, 1, ints(1))}}),
			checker.Unknown, "no final read succeeded for 1 key [2], so a write lost there would go unseen",
			"key 2 was written and no final read returned it"},
		{"no final reads at all",
			build(appendBoth, tx{p: 1, from: 2, to: 3, mops: []any{mop(Read, 1, ints(1))}}),
			checker.Valid, "", "a history without final reads (a workload without them) is judged as before"},
		{"a key never read, but an anomaly",
			build(appendBoth, tx{p: 1, from: 2, to: 3, final: true, mops: []any{mop(Read, 1, ints(1, 1))}}),
			checker.Invalid, "duplicate-elements",
			"the final read of key 1 shows its one append twice: invalid stays invalid, not unknown"},
		{"an acknowledged append read, then missing at the end",
			build(appendBoth, tx{p: 1, from: 2, to: 3, mops: []any{mop(Read, 1, ints(1))}},
				tx{p: 2, from: 4, to: 5, final: true, mops: []any{mop(Read, 1, ints()), mop(Read, 2, ints(1))}},
				tx{p: 3, from: 6, to: 7, final: true, mops: []any{mop(Read, 1, ints(1)), mop(Read, 2, ints(1))}}),
			checker.Invalid, "acknowledged appends missing from later final reads: [key 1 element 1 (acknowledged at op 1; missing from 1 of 2 final reads)]",
			"the first final read began after the append of 1 to key 1 completed and does not show it (G-single-item-realtime); the summary names it"},
		{"a final read concurrent with the append is not counted against it",
			build(tx{p: 0, from: 0, to: 3, mops: []any{mop(Append, 1, int64(1))}},
				tx{p: 4, from: 1, to: 2, mops: []any{mop(Read, 1, ints(1))}},
				tx{p: 1, from: 4, to: 5, mops: []any{mop(Read, 1, ints())}},
				tx{p: 2, from: 6, to: 7, final: true, mops: []any{mop(Read, 1, ints())}},
				tx{p: 3, from: 2, to: 8, final: true, mops: []any{mop(Read, 1, ints())}}),
			checker.Invalid, "missing from 1 of 1 final reads",
			"op 4's read missed the append after op 1 read it (the anomaly); of the final reads only op 6's began after the append's ok at op 3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Checker(Options{}).Check(context.Background(), c.h)
			if r.Valid != c.want || !strings.Contains(r.Summary, c.summary) {
				t.Fatalf("%v %q, expected %v with %q: %s", r.Valid, r.Summary, c.want, c.summary, c.why)
			}
			if c.want != checker.Invalid && strings.Contains(r.Summary, "missing from") {
				t.Fatalf("summary %q names lost appends beside a verdict that is not invalid", r.Summary)
			}
		})
	}
}

// keysOf returns the keys a transaction's value writes, or (all) touches.
func keysOf(value any, all bool) []int64 {
	var keys []int64
	eachMop(value, func(f any, k int64, _ any) {
		if all || !history.Equal(f, Read) {
			keys = append(keys, k)
		}
	})
	return keys
}
