package checker_test

import (
	"context"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/set"
	"github.com/faultline/faultline/checker/stats"
	"github.com/faultline/faultline/checker/unhandled"
	"github.com/faultline/faultline/history"
)

// setOps is a set history with everything the readers of a History look
// at: concurrent adds on four processes, one that crashed (info), a bare
// nemesis info, and a final read that sees every add.
func setOps() []history.Op {
	var ops []history.Op
	add := func(t history.Type, p int, f string, v any) {
		ops = append(ops, history.Op{Index: len(ops), Time: int64(len(ops)), Type: t, Process: p, F: f, Value: v})
	}
	var all []any
	for i := range 50 {
		for p := range 4 {
			add(history.Invoke, p, "add", int64(4*i+p))
			all = append(all, int64(4*i+p))
		}
		for p := range 4 {
			add(history.OK, p, "add", int64(4*i+p))
		}
	}
	add(history.Invoke, 5, "add", int64(1000))
	add(history.Info, 5, "add", int64(1000))
	add(history.Info, history.NemesisProcess, "kill", "n1")
	add(history.Invoke, 0, "read", nil)
	add(history.OK, 0, "read", append(all, int64(1000)))
	return ops
}

// views reads a History through every method it has and fails if the
// answers disagree: the pairs, the operations, the filtered and per-key
// views.
func views(_ context.Context, h *history.History) checker.Result {
	completed := 0
	for i, op := range h.All() {
		if c := h.Completion(i); c >= 0 {
			if h.Invocation(c) != i || h.At(c).Process != op.Process {
				return checker.Result{Valid: checker.Invalid, Summary: "pairs disagree"}
			}
			completed++
		}
	}
	operations, done := 0, 0
	for o := range h.Operations() {
		operations++
		if o.Completed {
			done++
		}
	}
	clients, nemesis := h.Clients(), h.Nemesis()
	if done != completed || clients.Len()+nemesis.Len() != h.Len() || len(h.ByKey(func(op history.Op) (any, any, bool) { return op.F, op.Value, true })) == 0 {
		return checker.Result{Valid: checker.Invalid, Summary: "views disagree"}
	}
	return checker.Result{Valid: checker.Valid}
}

// Compose runs its checkers on one History in parallel goroutines, so no
// read of a History may write to it. Under go test -race this test fails on
// any that does, as the pairing index built on first use once did: the
// checkers that first asked for a completion all built it at once. Every
// way of making a History is tried.
func TestComposeReadsOneHistoryFromManyGoroutines(t *testing.T) {
	ops := setOps()
	var b history.Builder
	for _, op := range ops {
		b.Add(op)
	}
	built, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	atStart, err := history.NewInvokingAtStart(ops[1:]) // the first add's invoke missing: made up
	if err != nil {
		t.Fatal(err)
	}
	histories := map[string]*history.History{
		"New":                history.MustNew(ops...),
		"Builder":            built,
		"NewInvokingAtStart": atStart,
		"Filter":             history.MustNew(ops...).Filter(func(op history.Op) bool { return op.F != "kill" }),
	}
	composed := checker.Compose(map[string]checker.Checker{
		"set":       set.Checker(),
		"set-full":  set.FullChecker(set.FullOptions{}),
		"stats":     stats.Checker(),
		"unhandled": unhandled.Checker(),
		"views-1":   checker.Func(views),
		"views-2":   checker.Func(views),
	})
	for name, h := range histories {
		t.Run(name, func(t *testing.T) {
			r := composed.Check(context.Background(), h)
			if r.Valid != checker.Valid || len(r.Children) != 6 {
				t.Fatalf("%s with %d children (%s), want valid with 6: every checker sees a correct set history", r.Valid, len(r.Children), r.Summary)
			}
		})
	}
}
