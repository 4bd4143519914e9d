package queue

import (
	"context"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/histbuild"
	"github.com/faultline/faultline/history"
)

const ok, info, fail = history.OK, history.Info, history.Fail

func TestQueue(t *testing.T) {
	cases := []struct {
		name string
		h    *histbuild.B
		want checker.Validity
		bad  int // index of the bad dequeue, or -1
		val  any
	}{
		{"dequeues of enqueued values pass, in any order",
			histbuild.New().Op(0, ok, "enqueue", 1).Op(0, ok, "enqueue", 2).Op(1, ok, "dequeue", 2).Op(1, ok, "dequeue", 1),
			checker.Valid, -1, nil},
		{"a dequeue concurrent with its enqueue passes",
			histbuild.New().Invoke(0, "enqueue", 1).Op(1, ok, "dequeue", 1).OK(0, "enqueue", 1),
			checker.Valid, -1, nil},
		{"an empty dequeue and a drain count as they should",
			histbuild.New().Op(1, ok, "dequeue", nil).Op(0, info, "enqueue", 1).Op(0, ok, "enqueue", 2).Op(1, ok, "drain", []any{1, 2}),
			checker.Valid, -1, nil},
		{"value 1 dequeued twice after one enqueue is a dequeue from nowhere",
			histbuild.New().Op(0, ok, "enqueue", 1).Op(1, ok, "dequeue", 1).Op(1, ok, "dequeue", 1),
			checker.Invalid, 5, 1},
		{"value 3 dequeued before anyone enqueued it",
			histbuild.New().Op(1, ok, "dequeue", 3).Op(0, ok, "enqueue", 3),
			checker.Invalid, 1, 3},
		{"nothing dequeued is unknown",
			histbuild.New().Op(0, ok, "enqueue", 1),
			checker.Unknown, -1, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := histbuild.Check(t, Checker(), c.h, c.want)
			d := r.Details.(*Details)
			if d.BadDequeue != c.bad || !history.Equal(d.Value, c.val) {
				t.Fatalf("bad dequeue = op %d value %v, want op %d value %v", d.BadDequeue, d.Value, c.bad, c.val)
			}
			if c.bad >= 0 {
				if got := histbuild.Explain(d); !strings.Contains(got, "dequeued "+history.Key(c.val)) {
					t.Fatalf("explain = %q", got)
				}
			}
		})
	}
}

func TestTotalQueue(t *testing.T) {
	cases := []struct {
		name                        string
		h                           *histbuild.B
		forbidDup                   bool
		want                        checker.Validity
		lost, dup, unexp, recovered []any
	}{
		{"every acknowledged enqueue drained passes",
			histbuild.New().Op(0, ok, "enqueue", 1).Op(0, ok, "enqueue", 2).Op(1, ok, "dequeue", 1).Op(1, ok, "drain", []any{2}),
			false, checker.Valid, nil, nil, nil, nil},
		{"value 2 acknowledged but never dequeued is lost",
			histbuild.New().Op(0, ok, "enqueue", 1).Op(0, ok, "enqueue", 2).Op(1, ok, "drain", []any{1}),
			false, checker.Invalid, []any{2}, nil, nil, nil},
		{"value 1 enqueued twice but dequeued once is lost once",
			histbuild.New().Op(0, ok, "enqueue", 1).Op(0, ok, "enqueue", 1).Op(1, ok, "drain", []any{1}),
			false, checker.Invalid, []any{1}, nil, nil, nil},
		{"value 1 dequeued twice is duplicated, allowed by default",
			histbuild.New().Op(0, ok, "enqueue", 1).Op(1, ok, "dequeue", 1).Op(1, ok, "dequeue", 1),
			false, checker.Valid, nil, []any{1}, nil, nil},
		{"value 1 dequeued twice is invalid when duplicates are forbidden",
			histbuild.New().Op(0, ok, "enqueue", 1).Op(1, ok, "dequeue", 1).Op(1, ok, "dequeue", 1),
			true, checker.Invalid, nil, []any{1}, nil, nil},
		{"value 9 dequeued but never enqueued is unexpected",
			histbuild.New().Op(0, ok, "enqueue", 1).Op(1, ok, "drain", []any{1, 9}),
			false, checker.Invalid, nil, nil, []any{9}, nil},
		{"a failed enqueue that shows up is recovered, not unexpected",
			histbuild.New().Op(0, fail, "enqueue", 5).Op(1, ok, "dequeue", 5),
			false, checker.Valid, nil, nil, nil, []any{5}},
		{"nothing dequeued is unknown",
			histbuild.New().Op(0, info, "enqueue", 1),
			false, checker.Unknown, nil, nil, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := histbuild.Check(t, TotalChecker(TotalOptions{ForbidDuplicates: c.forbidDup}), c.h, c.want)
			d := r.Details.(*TotalDetails)
			histbuild.SameValues(t, "lost", d.Lost, c.lost)
			histbuild.SameValues(t, "duplicated", d.Duplicated, c.dup)
			histbuild.SameValues(t, "unexpected", d.Unexpected, c.unexp)
			histbuild.SameValues(t, "recovered", d.Recovered, c.recovered)
		})
	}
}

func TestADrainThatIsNotACollectionNamesTheOp(t *testing.T) {
	r := TotalChecker(TotalOptions{}).Check(context.Background(), histbuild.New().Op(0, ok, "drain", 3).History())
	if r.Valid != checker.Unknown || !strings.Contains(r.Error, "op 1 (process 0, :drain ok): a drain must return") {
		t.Fatalf("got %v %q", r.Valid, r.Error)
	}
}
