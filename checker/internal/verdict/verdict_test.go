package verdict

import (
	"context"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
)

func TestBadOpNamesTheOpAndIsUnknown(t *testing.T) {
	op := &history.Op{Index: 7, Process: 2, Type: history.OK, F: "read", Value: "x"}
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
