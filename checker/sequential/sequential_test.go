package sequential

import (
	"context"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/histbuild"
	"github.com/faultline/faultline/history"
)

func TestSequential(t *testing.T) {
	ok := history.OK
	cases := []struct {
		name string
		h    *histbuild.B
		want checker.Validity
		bad  *Bad
	}{
		{"reads that see a prefix of the writes pass",
			histbuild.New().Op(0, ok, "read", []any{7, []any{nil, nil, 1}}).Op(0, ok, "read", []any{7, []any{nil, 2, 1}}).Op(1, ok, "read", []any{7, []any{3, 2, 1}}).Op(1, ok, "read", []any{8, []any{nil, nil}}),
			checker.Valid, nil},
		{"seeing the last subkey but not the first is not sequential",
			histbuild.New().Op(0, ok, "read", []any{7, []any{3, 2, nil}}),
			checker.Invalid, &Bad{Op: 1, Process: 0, Key: 7, Values: []any{3, 2, nil}, Seen: 0, Missing: 2}},
		{"a gap in the middle is caught in an unkeyed read",
			histbuild.New().Op(2, ok, "read", []any{nil, 2, nil, 1}),
			checker.Invalid, &Bad{Op: 1, Process: 2, Values: []any{nil, 2, nil, 1}, Seen: 1, Missing: 2}},
		{"no reads is unknown",
			histbuild.New().Op(0, ok, "write", []any{7, 1}),
			checker.Unknown, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := histbuild.Check(t, Checker(), c.h, c.want)
			d := r.Details.(*Details)
			histbuild.OnlyFinding(t, d.Bad, c.bad)
			if c.bad == nil {
				return
			}
			if got := histbuild.Explain(d); !strings.Contains(got, "which was written before it") {
				t.Fatalf("explain = %q", got)
			}
		})
	}
}

func TestSequentialCountsAllSomeNone(t *testing.T) {
	h := histbuild.New().Op(0, history.OK, "read", []any{1, 1}).Op(0, history.OK, "read", []any{nil, 1}).Op(0, history.OK, "read", []any{nil, nil}).History()
	d := Checker().Check(context.Background(), h).Details.(*Details)
	if d.AllCount != 1 || d.SomeCount != 1 || d.NoneCount != 1 || d.ReadCount != 3 {
		t.Fatalf("details = %+v", d)
	}
}

func TestSequentialRejectsAReadThatIsNotAList(t *testing.T) {
	r := Checker().Check(context.Background(), histbuild.New().Op(0, history.OK, "read", 5).History())
	if r.Valid != checker.Unknown || !strings.Contains(r.Error, "op 1 (process 0, :read ok): a sequential read must return") {
		t.Fatalf("got %v %q", r.Valid, r.Error)
	}
}
