package set

import (
	"context"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/histbuild"
	"github.com/faultline/faultline/history"
)

func TestSetFull(t *testing.T) {
	ok, info := history.OK, history.Info
	cases := []struct {
		name                            string
		h                               *histbuild.B
		linearizable                    bool
		want                            checker.Validity
		lost, neverRead, stale, dup, un []any
	}{
		{"an element read right after its add is stable and fresh",
			histbuild.New().Op(0, ok, "add", 1).Op(1, ok, "read", []any{1}),
			true, checker.Valid, nil, nil, nil, nil, nil},
		{"element 1 seen then missed by a later read is lost",
			histbuild.New().Op(0, ok, "add", 1).Op(1, ok, "read", []any{1}).Op(1, ok, "read", []any{}),
			false, checker.Invalid, []any{1}, nil, nil, nil, nil},
		{"element 1 missed by a read after its ack, then seen, is stale",
			histbuild.New().Op(0, ok, "add", 1).Op(1, ok, "read", []any{}).Op(1, ok, "read", []any{1}),
			false, checker.Valid, nil, nil, []any{1}, nil, nil},
		{"a stale element is invalid when the set claims linearizability",
			histbuild.New().Op(0, ok, "add", 1).Op(1, ok, "read", []any{}).Op(1, ok, "read", []any{1}),
			true, checker.Invalid, nil, nil, []any{1}, nil, nil},
		{"a read that began before the ack may miss the element",
			histbuild.New().Invoke(1, "read", nil).Op(0, ok, "add", 1).OK(1, "read", []any{}).Op(1, ok, "read", []any{1}),
			true, checker.Valid, nil, nil, nil, nil, nil},
		{"element 2 acknowledged after the last read began is never read",
			histbuild.New().Op(0, ok, "add", 1).Invoke(1, "read", nil).Op(0, ok, "add", 2).OK(1, "read", []any{1}),
			true, checker.Valid, nil, []any{2}, nil, nil, nil},
		{"an info add first seen by a read becomes known there",
			histbuild.New().Op(0, info, "add", 3).Op(1, ok, "read", []any{3}).Op(1, ok, "read", []any{3}),
			true, checker.Valid, nil, nil, nil, nil, nil},
		{"a read begun before element 1 was known, and after the last read to see it, leaves it never read",
			histbuild.New().Invoke(0, "add", 1).Invoke(1, "read", nil).Invoke(2, "read", nil).OK(1, "read", []any{1}).OK(2, "read", []any{}).OK(0, "add", 1),
			false, checker.Unknown, nil, []any{1}, nil, nil, nil},
		{"element 1 twice in one read is duplicated",
			histbuild.New().Op(0, ok, "add", 1).Op(1, ok, "read", []any{1, 1}),
			false, checker.Invalid, nil, nil, nil, []any{1}, nil},
		{"element 7 read but never added is unexpected",
			histbuild.New().Op(0, ok, "add", 1).Op(1, ok, "read", []any{1, 7}),
			false, checker.Invalid, nil, nil, nil, nil, []any{7}},
		{"adds never read are unknown",
			histbuild.New().Op(0, ok, "add", 1),
			false, checker.Unknown, nil, []any{1}, nil, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := histbuild.Check(t, FullChecker(FullOptions{Linearizable: c.linearizable}), c.h, c.want)
			d := r.Details.(*FullDetails)
			histbuild.SameValues(t, "lost", d.Lost, c.lost)
			histbuild.SameValues(t, "never-read", d.NeverRead, c.neverRead)
			histbuild.SameValues(t, "stale", d.Stale, c.stale)
			histbuild.SameValues(t, "duplicated", d.Duplicated, c.dup)
			histbuild.SameValues(t, "unexpected", d.Unexpected, c.un)
		})
	}
}

func TestSetFullTimesLossAndStalenessInMilliseconds(t *testing.T) {
	// add ok at op 1 (1 ms); read invoked at op 2 sees it; read invoked at
	// op 4 misses it: lost, 1 ms after it was known.
	h := histbuild.New().Op(0, history.OK, "add", 1).Op(1, history.OK, "read", []any{1}).Op(1, history.OK, "read", []any{}).History()
	d := FullChecker(FullOptions{}).Check(context.Background(), h).Details.(*FullDetails)
	want := Element{Element: 1, Outcome: Lost, Known: 1, LastPresent: 2, LastAbsent: 4, LostLatency: 1}
	if len(d.LostElements) != 1 || d.LostElements[0] != want {
		t.Fatalf("lost elements = %+v, want [%+v]", d.LostElements, want)
	}
	if d.LostLatencies["0.5"] != 1 {
		t.Fatalf("lost latencies = %v", d.LostLatencies)
	}
	if got := histbuild.Explain(d); !strings.Contains(got, "lost: 1 was known at op 1 and last seen by the read invoked at op 2, but the read invoked at op 4") ||
		!strings.Contains(got, "\ntime to be lost: min 1 ms, median 1 ms, p95 1 ms, p99 1 ms, max 1 ms\n") {
		t.Fatalf("explain = %q", got)
	}

	// Known at 1 ms, missed by the read invoked at 2 ms, seen from 4 ms:
	// stable 1 ms after it was known.
	h = histbuild.New().Op(0, history.OK, "add", 1).Op(1, history.OK, "read", []any{}).Op(1, history.OK, "read", []any{1}).History()
	d = FullChecker(FullOptions{}).Check(context.Background(), h).Details.(*FullDetails)
	if len(d.WorstStale) != 1 || d.WorstStale[0].StableLatency != 1 || d.StableLatencies["1"] != 1 {
		t.Fatalf("worst stale = %+v, stable latencies %v", d.WorstStale, d.StableLatencies)
	}
}

// An element acknowledged and then missed by every read was lost without
// ever being seen; the explanation says so rather than naming op -1.
func TestSetFullExplainsALossNeverSeen(t *testing.T) {
	h := histbuild.New().Op(0, history.OK, "add", 1).Op(1, history.OK, "read", []any{}).History()
	got := histbuild.Explain(FullChecker(FullOptions{}).Check(context.Background(), h).Details.(*FullDetails))
	if want := "lost: 1 was known at op 1 and never seen by a read, but the read invoked at op 2 (and every later one) did not see it\n"; !strings.Contains(got, want) || strings.Contains(got, "op -1") {
		t.Fatalf("explain = %q, want it to contain %q", got, want)
	}
}

// The explanation is for people: no Go maps, counts in the singular when
// there is one, quantiles named in order.
func TestSetFullExplainsLatenciesInWords(t *testing.T) {
	d := &FullDetails{AttemptCount: 1, StableCount: 1,
		StableLatencies: map[string]int64{"0": 0, "0.5": 1, "0.95": 30, "0.99": 45, "1": 50}}
	got := histbuild.Explain(d)
	want := "1 element added: 1 stable, 0 lost, 0 never read, 0 stale\ntime to become stable: min 0 ms, median 1 ms, p95 30 ms, p99 45 ms, max 50 ms\n"
	if got != want {
		t.Fatalf("explain = %q\nwant      %q", got, want)
	}
	if strings.Contains(got, "map[") {
		t.Fatal("a Go map in the explanation")
	}
}

func TestSetFullStaleSummaryCountsInEnglish(t *testing.T) {
	one := histbuild.New().Op(0, history.OK, "add", 1).Op(1, history.OK, "read", []any{}).Op(1, history.OK, "read", []any{1})
	r := histbuild.Check(t, FullChecker(FullOptions{Linearizable: true}), one, checker.Invalid)
	if want := "1 stale element (reads missed it after it was acknowledged)"; r.Summary != want {
		t.Fatalf("summary %q, want %q", r.Summary, want)
	}
	two := histbuild.New().Op(0, history.OK, "add", 1).Op(0, history.OK, "add", 2).Op(1, history.OK, "read", []any{}).Op(1, history.OK, "read", []any{1, 2})
	r = histbuild.Check(t, FullChecker(FullOptions{Linearizable: true}), two, checker.Invalid)
	if want := "2 stale elements (reads missed them after they were acknowledged)"; r.Summary != want {
		t.Fatalf("summary %q, want %q", r.Summary, want)
	}
}
