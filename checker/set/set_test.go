package set

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/histbuild"
	"github.com/faultline/faultline/history"
)

func TestSet(t *testing.T) {
	ok, info, fail := history.OK, history.Info, history.Fail
	cases := []struct {
		name                        string
		h                           *histbuild.B
		want                        checker.Validity
		lost, unexpected, recovered []any
	}{
		{"every acknowledged add in the final read passes",
			histbuild.New().Op(0, ok, "add", 1).Op(1, ok, "add", 2).Op(0, ok, "read", []any{1, 2}),
			checker.Valid, nil, nil, nil},
		{"element 2 acknowledged but missing from the final read is lost",
			histbuild.New().Op(0, ok, "add", 1).Op(1, ok, "add", 2).Op(0, ok, "read", []any{1}),
			checker.Invalid, []any{2}, nil, nil},
		{"only the last read counts as final",
			histbuild.New().Op(0, ok, "add", 1).Op(0, ok, "read", []any{1}).Op(0, ok, "add", 2).Op(0, ok, "read", []any{2}),
			checker.Invalid, []any{1}, nil, nil},
		{"element 9 read but never added is unexpected",
			histbuild.New().Op(0, ok, "add", 1).Op(0, ok, "read", history.Set{1, 9}),
			checker.Invalid, nil, []any{9}, nil},
		{"an info add that shows up is recovered, not an error",
			histbuild.New().Op(0, info, "add", 3).Op(1, ok, "read", []any{3}),
			checker.Valid, nil, nil, []any{3}},
		{"a failed add that stays absent is fine",
			histbuild.New().Op(0, fail, "add", 4).Op(1, ok, "read", []any{}),
			checker.Valid, nil, nil, nil},
		{"keywords and strings are the same element",
			histbuild.New().Op(0, ok, "add", history.Keyword("x")).Op(1, ok, "read", []any{"x"}),
			checker.Valid, nil, nil, nil},
		{"a set never read is unknown",
			histbuild.New().Op(0, ok, "add", 1),
			checker.Unknown, nil, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := histbuild.Check(t, Checker(), c.h, c.want)
			d, _ := r.Details.(*Details)
			if d == nil {
				return
			}
			histbuild.SameValues(t, "lost", d.Lost, c.lost)
			histbuild.SameValues(t, "unexpected", d.Unexpected, c.unexpected)
			histbuild.SameValues(t, "recovered", d.Recovered, c.recovered)
			var b strings.Builder
			d.Explain(&b)
			if len(c.lost) > 0 && !strings.Contains(b.String(), "lost: 1 acknowledged add is missing") {
				t.Fatalf("explain = %q", b.String())
			}
		})
	}
}

func TestSetRejectsAReadThatIsNotACollection(t *testing.T) {
	r := Checker().Check(context.Background(), histbuild.New().Op(0, history.OK, "read", 5).History())
	if r.Valid != checker.Unknown || !strings.Contains(r.Error, "op 1 (process 0, :read ok): a read must return a set") {
		t.Fatalf("got %v %q", r.Valid, r.Error)
	}
}

func TestQuantilesPickFloorOfNTimesQ(t *testing.T) {
	got := quantiles([]int64{5, 1, 3, 2, 4})
	want := map[string]int64{"0": 1, "0.5": 3, "0.95": 5, "0.99": 5, "1": 5}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("quantiles = %v, want %v", got, want)
	}
	if quantiles(nil) != nil {
		t.Fatal("an empty sample has no quantiles")
	}
}
