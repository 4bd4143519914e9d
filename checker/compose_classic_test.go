package checker_test

import (
	"context"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/histbuild"
	"github.com/faultline/faultline/checker/set"
	"github.com/faultline/faultline/checker/stats"
	"github.com/faultline/faultline/checker/unhandled"
	"github.com/faultline/faultline/history"
)

// Compose over real classic checkers: the verdict is the worst child's, each
// child keeps its own details, and the summary names the children that were
// not valid.
func TestComposeOfClassicCheckersKeepsEachChildsFindings(t *testing.T) {
	ok := history.OK
	lost := histbuild.New().Op(0, ok, "add", 1).Op(0, ok, "add", 2).Op(1, ok, "read", []any{1})
	neverRead := histbuild.New().Op(0, ok, "add", 1).Op(1, history.Fail, "read", nil)
	cases := []struct {
		name    string
		h       *histbuild.B
		want    checker.Validity
		summary string
	}{
		{"a lost element makes the whole invalid", lost, checker.Invalid, "[set=false]"},
		{"a set never read is unknown, and reads that never succeeded are invalid: false wins", neverRead, checker.Invalid, "[set=unknown stats=false]"},
		{"all children valid is valid", histbuild.New().Op(0, ok, "add", 1).Op(1, ok, "read", []any{1}), checker.Valid, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			composed := checker.Compose(map[string]checker.Checker{"set": set.Checker(), "stats": stats.Checker(), "unhandled": unhandled.Checker()})
			r := histbuild.Check(t, composed, c.h, c.want)
			if r.Summary != c.summary || len(r.Children) != 3 {
				t.Fatalf("summary %q with %d children, want %q with 3", r.Summary, len(r.Children), c.summary)
			}
			if c.h == lost {
				d := r.Children["set"].Details.(*set.Details)
				if got := histbuild.Explain(d); !strings.Contains(got, "missing from the final read: [2]") {
					t.Fatalf("set child explains %q", got)
				}
			}
		})
	}
}

// A cancelled context reaches every child: each gives up as unknown rather
// than pretending to a verdict.
func TestComposeHandsCancellationToClassicCheckers(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h := histbuild.New().Op(0, history.OK, "add", 1).Op(1, history.OK, "read", []any{1}).History()
	r := checker.Compose(map[string]checker.Checker{"set": set.Checker(), "set-full": set.FullChecker(set.FullOptions{})}).Check(ctx, h)
	if r.Valid != checker.Unknown || !strings.Contains(r.Children["set"].Error, "cancel") || !strings.Contains(r.Children["set-full"].Error, "cancel") {
		t.Fatalf("got %v %+v", r.Valid, r.Children)
	}
}
