package longfork

import (
	"context"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/histbuild"
	"github.com/faultline/faultline/history"
)

var r, w = history.Keyword("r"), history.Keyword("w")

// rd builds a read transaction from key, value pairs (nil = unwritten).
func rd(kv ...any) []any {
	var txn []any
	for i := 0; i < len(kv); i += 2 {
		txn = append(txn, []any{r, kv[i], kv[i+1]})
	}
	return txn
}

func wr(k int) []any { return []any{[]any{w, k, 1}} }

func TestLongFork(t *testing.T) {
	ok := history.OK
	cases := []struct {
		name      string
		h         *histbuild.B
		groupSize int
		want      checker.Validity
		fork      *Fork
	}{
		{"reads that agree on the order of writes pass",
			histbuild.New().Op(0, ok, "txn", wr(0)).Op(1, ok, "txn", rd(0, 1, 1, nil)).Op(0, ok, "txn", wr(1)).Op(1, ok, "txn", rd(0, 1, 1, 1)),
			2, checker.Valid, nil},
		{"one read saw key 0 without 1, another 1 without 0: a long fork",
			histbuild.New().Invoke(0, "txn", wr(0)).Invoke(1, "txn", wr(1)).
				Op(2, ok, "txn", rd(0, 1, 1, nil)).Op(3, ok, "txn", rd(0, nil, 1, 1)).
				OK(0, "txn", wr(0)).OK(1, "txn", wr(1)),
			2, checker.Invalid, &Fork{
				A:     Read{Op: 3, Process: 2, Seen: []any{int64(0)}, Missing: []any{int64(1)}},
				B:     Read{Op: 5, Process: 3, Seen: []any{int64(1)}, Missing: []any{int64(0)}},
				OnlyA: int64(0), OnlyB: int64(1)}},
		{"without a group size, each read's keys are its group",
			histbuild.New().Op(2, ok, "txn", rd(5, 1, 9, nil)).Op(3, ok, "txn", rd(9, 1, 5, nil)),
			0, checker.Invalid, &Fork{
				A:     Read{Op: 1, Process: 2, Seen: []any{5}, Missing: []any{9}},
				B:     Read{Op: 3, Process: 3, Seen: []any{9}, Missing: []any{5}},
				OnlyA: 5, OnlyB: 9}},
		{"reads of different groups never fork",
			histbuild.New().Op(2, ok, "txn", rd(0, 1, 1, nil)).Op(3, ok, "txn", rd(2, nil, 3, 1)),
			2, checker.Valid, nil},
		{"a read of keys 1 and 2 with group size 2 is malformed",
			histbuild.New().Op(2, ok, "txn", rd(1, 1, 2, nil)),
			2, checker.Unknown, nil},
		{"ops other than :read and :txn are never taken for reads",
			histbuild.New().Op(0, ok, "drain", []any{1}).Op(2, ok, "read", rd(0, 1, 1, nil)),
			2, checker.Valid, nil},
		{"no reads is unknown",
			histbuild.New().Op(0, ok, "txn", wr(0)),
			2, checker.Unknown, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := histbuild.Check(t, Checker(Options{GroupSize: c.groupSize}), c.h, c.want)
			d := res.Details.(*Details)
			histbuild.OnlyFinding(t, d.Forks, c.fork)
			if c.fork == nil {
				return
			}
			if got := histbuild.Explain(d); !strings.Contains(got, "they saw the two writes in opposite orders") {
				t.Fatalf("explain = %q", got)
			}
		})
	}
}

func TestLongForkCountsEarlyAndLateReadsAndNamesMalformedOnes(t *testing.T) {
	h := histbuild.New().Op(0, history.OK, "txn", rd(0, nil, 1, nil)).Op(0, history.OK, "txn", rd(0, 1, 1, 1)).Op(0, history.OK, "txn", rd(1, nil, 2, nil)).History()
	d := Checker(Options{GroupSize: 2}).Check(context.Background(), h).Details.(*Details)
	if d.ReadCount != 3 || d.EarlyReadCount != 1 || d.LateReadCount != 1 {
		t.Fatalf("details = %+v", d)
	}
	if len(d.Malformed) != 1 || d.Malformed[0].Op != 5 || !history.Equal(d.Malformed[0].Want, []any{0, 1}) {
		t.Fatalf("malformed = %+v, want op 5 with group [0 1] (the group of its first key)", d.Malformed)
	}
}

func TestLongForkRejectsUnknownMicroOps(t *testing.T) {
	h := histbuild.New().Op(0, history.OK, "txn", []any{[]any{history.Keyword("x"), 1, 2}}).History()
	res := Checker(Options{}).Check(context.Background(), h)
	if res.Valid != checker.Unknown || !strings.Contains(res.Error, "op 1 (process 0, :txn ok): micro-op [:x 1 2]: expected :r or :w") {
		t.Fatalf("got %v %q", res.Valid, res.Error)
	}
}
