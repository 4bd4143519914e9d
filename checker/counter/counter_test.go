package counter

import (
	"context"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/histbuild"
	"github.com/faultline/faultline/history"
)

func TestCounter(t *testing.T) {
	cases := []struct {
		name  string
		h     *histbuild.B
		want  checker.Validity
		error *Read // the one out-of-bounds read expected, if any
	}{
		{"sequential adds then a read of their sum pass",
			histbuild.New().Op(0, history.OK, "add", 1).Op(0, history.OK, "add", 2).Op(1, history.OK, "read", 3),
			checker.Valid, nil},
		{"a read concurrent with an add may see it or not",
			histbuild.New().Invoke(0, "add", 5).Op(1, history.OK, "read", 0).Op(1, history.OK, "read", 5).OK(0, "add", 5),
			checker.Valid, nil},
		{"an info add may or may not count",
			histbuild.New().Op(0, history.Info, "add", 4).Op(1, history.OK, "read", 4).Op(1, history.OK, "read", 0),
			checker.Valid, nil},
		{"a read below the ok adds before it is a lost increment",
			histbuild.New().Op(0, history.OK, "add", 1).Op(0, history.OK, "add", 1).Op(1, history.OK, "read", 1),
			checker.Invalid, &Read{Index: 5, Process: 1, Lower: 2, Value: 1, Upper: 2}},
		{"a failed add must not be seen",
			histbuild.New().Op(0, history.Fail, "add", 3).Op(1, history.OK, "read", 3),
			checker.Invalid, &Read{Index: 3, Process: 1, Lower: 0, Value: 3, Upper: 0}},
		{"a negative add lowers the least possible value while in flight, and the greatest once ok",
			histbuild.New().Op(0, history.OK, "add", 5).Invoke(0, "add", -2).Op(1, history.OK, "read", 3).OK(0, "add", -2).Op(1, history.OK, "read", 5),
			checker.Invalid, &Read{Index: 7, Process: 1, Lower: 3, Value: 5, Upper: 3}},
		{"a read concurrent with an add that fails must not see it",
			histbuild.New().Invoke(0, "add", 3).Op(1, history.OK, "read", 3).Fail(0, "add", 3),
			checker.Invalid, &Read{Index: 2, Process: 1, Lower: 0, Value: 3, Upper: 0}},
		{"no reads is valid, as Jepsen says: no read can be out of bounds",
			histbuild.New().Op(0, history.OK, "add", 1).Op(1, history.Info, "add", 2), checker.Valid, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := histbuild.Check(t, Checker(), c.h, c.want)
			d, _ := r.Details.(*Details)
			histbuild.OnlyFinding(t, d.Errors, c.error)
			if c.error == nil {
				return
			}
			if got := histbuild.Explain(d); !strings.Contains(got, "out of bounds") {
				t.Fatalf("explain = %q", got)
			}
		})
	}
}

func TestCounterRejectsNonIntegerValuesWithTheOp(t *testing.T) {
	h := histbuild.New().Op(0, history.OK, "add", "one").History()
	r := Checker().Check(context.Background(), h)
	if r.Valid != checker.Unknown || !strings.Contains(r.Error, "op 0 (process 0") || !strings.Contains(r.Error, `found "one"`) {
		t.Fatalf("got %v %q", r.Valid, r.Error)
	}
}

func TestCounterWithoutReadsSaysNothingWasRead(t *testing.T) {
	r := histbuild.Check(t, Checker(), histbuild.New().Op(0, history.OK, "add", 1), checker.Valid)
	if r.Summary != "no ok reads, so no bounds to check (valid, as in Jepsen)" {
		t.Fatalf("summary = %q", r.Summary)
	}
	// A read that failed or crashed is not a read either.
	h := histbuild.New().Op(0, history.OK, "add", 1).Op(1, history.Fail, "read", nil).Op(1, history.Info, "read", nil)
	if r := histbuild.Check(t, Checker(), h, checker.Valid); r.Details.(*Details).ReadCount != 0 {
		t.Fatalf("read count = %d", r.Details.(*Details).ReadCount)
	}
}

func TestCounterSummaryAndExplanationCountInEnglish(t *testing.T) {
	h := histbuild.New().Op(0, history.OK, "add", 2).Op(1, history.OK, "read", 1)
	r := histbuild.Check(t, Checker(), h, checker.Invalid)
	if want := "1 of 1 read out of bounds; first: op 3 read 1, allowed 2..2"; r.Summary != want {
		t.Fatalf("summary = %q, want %q", r.Summary, want)
	}
	if got := histbuild.Explain(r.Details.(*Details)); !strings.HasPrefix(got, "1 read checked, 1 out of bounds\n") {
		t.Fatalf("explain = %q", got)
	}
}

// Completions without invocations (a history of completions, as Elle's
// examples are written) are each invoked at the start of the history, so
// two reads of one process are two reads in flight from the start: each is
// judged against its own bounds, and the failed add widens none.
func TestCounterTakesCompletionsWithoutInvocationsAsInvokedAtTheStart(t *testing.T) {
	ops := []history.Op{
		{Index: 0, Type: history.OK, Process: 0, F: "add", Value: int64(2)},
		{Index: 1, Type: history.OK, Process: 1, F: "read", Value: int64(2)},
		{Index: 2, Type: history.Fail, Process: 0, F: "add", Value: int64(5)},
		{Index: 3, Type: history.OK, Process: 1, F: "read", Value: int64(7)},
	}
	h, err := history.NewInvokingAtStart(ops)
	if err != nil {
		t.Fatal(err)
	}
	r := Checker().Check(context.Background(), h)
	if r.Valid != checker.Invalid || r.Error != "" {
		t.Fatalf("got %v %q %q, want invalid: 7 is beyond every add that did not fail", r.Valid, r.Summary, r.Error)
	}
	errs := r.Details.(*Details).Errors
	if len(errs) != 1 || errs[0] != (Read{Index: 3, Process: 1, Lower: 0, Value: 7, Upper: 2}) {
		t.Fatalf("errors %+v, want only op 3 reading 7 of 0..2", errs)
	}
}
