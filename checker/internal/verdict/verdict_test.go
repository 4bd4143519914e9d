package verdict

import (
	"context"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
)

func TestBadOpNamesTheOpAndIsUnknown(t *testing.T) {
	op := history.Op{Index: 7, Process: 2, Type: history.OK, F: "read", Value: "x"}
	r := BadOp(op, "expected an integer, found %s", EDN(op.Value))
	if r.Valid != checker.Unknown || r.Error != `op 7 (process 2, :read ok): expected an integer, found "x"` {
		t.Fatalf("got %v %q", r.Valid, r.Error)
	}
}

func TestListCutsLongListsWithACount(t *testing.T) {
	if got := List([]any{1, 2, 3, 4}, 2); got != "[1 2 ...2 more]" {
		t.Fatalf("got %q", got)
	}
	if got := List([]any{history.Keyword("a")}, 5); got != "[:a]" {
		t.Fatalf("got %q", got)
	}
}

func TestClientStreamSkipsTheNemesisAndStopsWhereAddSays(t *testing.T) {
	h := history.MustNew(
		history.Op{Index: 0, Type: history.Invoke, Process: 0, F: "read"},
		history.Op{Index: 1, Type: history.Info, Process: history.NemesisProcess, F: "kill"},
		history.Op{Index: 2, Type: history.OK, Process: 0, F: "read", Value: "x"},
		history.Op{Index: 3, Type: history.Invoke, Process: 0, F: "read"},
	)
	var seen []int
	s := checker.Streamed(func() checker.Stream {
		return ClientStream(func(e checker.Event) (checker.Result, bool) {
			seen = append(seen, e.Op.Index)
			if e.Op.Value != nil {
				return BadOp(e.Op, "no values"), true
			}
			return checker.Result{}, false
		}, func() checker.Result { return checker.Result{Valid: checker.Valid} })
	})
	r := s.Check(context.Background(), h)
	if len(seen) != 2 || seen[0] != 0 || seen[1] != 2 {
		t.Fatalf("visited %v, want [0 2]: the nemesis skipped, nothing after the stop", seen)
	}
	if r.Valid != checker.Unknown || !strings.Contains(r.Error, "op 2") {
		t.Fatalf("result %+v, want the stop's", r)
	}
}
