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

func TestCancelledOnlyWhenContextIsDone(t *testing.T) {
	if _, stop := Cancelled(context.Background(), 0); stop {
		t.Fatal("a live context must not stop the check")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r, stop := Cancelled(ctx, 4096)
	if !stop || r.Valid != checker.Unknown || !strings.Contains(r.Error, "cancel") {
		t.Fatalf("cancelled context: stop=%v result=%+v", stop, r)
	}
	if _, stop := Cancelled(ctx, 1); stop {
		t.Fatal("only every 4096th step looks at the context")
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

func TestClientOpsSkipsTheNemesisAndStopsWhenCancelled(t *testing.T) {
	h := history.MustNew(
		history.Op{Index: 0, Type: history.Invoke, Process: 0, F: "read"},
		history.Op{Index: 1, Type: history.Info, Process: history.NemesisProcess, F: "kill"},
		history.Op{Index: 2, Type: history.OK, Process: 0, F: "read"},
	)
	ops, cancelled := ClientOps(context.Background(), h)
	var seen []int
	for i, op := range ops {
		seen = append(seen, i*10+op.Index)
	}
	if len(seen) != 2 || seen[0] != 0 || seen[1] != 22 {
		t.Fatalf("visited %v, want [0 22]", seen)
	}
	if _, stop := cancelled(); stop {
		t.Fatal("a walk that finished was not cancelled")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ops, cancelled = ClientOps(ctx, h)
	for range ops {
		t.Fatal("a cancelled walk yields nothing")
	}
	if r, stop := cancelled(); !stop || r.Valid != checker.Unknown {
		t.Fatalf("cancelled walk: stop=%v %+v", stop, r)
	}
}
