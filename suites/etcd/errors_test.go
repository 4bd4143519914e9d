package etcd

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/faultline/faultline/history"
)

// The classification is the soundness of every etcd run: a write called
// failed that may have happened would make a correct etcd look broken.
func TestClassifyCallsFailOnlyWhatCertainlyDidNotHappen(t *testing.T) {
	cases := []struct {
		name     string
		err      error
		readOnly bool
		want     history.Type
	}{
		{"no error", nil, false, history.OK},
		{"client deadline", context.DeadlineExceeded, false, history.Info},
		{"wrapped deadline", fmt.Errorf("put: %w", context.DeadlineExceeded), false, history.Info},
		{"grpc deadline", status.Error(codes.DeadlineExceeded, "context deadline exceeded"), false, history.Info},
		{"etcd request timed out", rpctypes.ErrGRPCTimeout, false, history.Info},
		{"timed out due to leader failure", rpctypes.ErrGRPCTimeoutDueToLeaderFail, false, history.Info},
		{"timed out due to connection lost", rpctypes.ErrGRPCTimeoutDueToConnectionLost, false, history.Info},
		{"leader changed", rpctypes.ErrGRPCLeaderChanged, false, history.Info},
		{"server stopped", rpctypes.ErrGRPCStopped, false, history.Info},
		{"connection lost after sending", status.Error(codes.Unavailable, "error reading from server: EOF"), false, history.Info},
		{"transport closing", status.Error(codes.Unavailable, "transport is closing"), false, history.Info},
		{"something unknown", errors.New("the sky fell"), false, history.Info},
		{"no leader (require-leader)", rpctypes.ErrGRPCNoLeader, false, history.Fail},
		{"too many requests", rpctypes.ErrGRPCRequestTooManyRequests, false, history.Fail},
		{"compacted", rpctypes.ErrGRPCCompacted, false, history.Fail},
		{"duplicate key in txn", rpctypes.ErrGRPCDuplicateKey, false, history.Fail},
		{"connection refused", status.Error(codes.Unavailable, `connection error: desc = "transport: Error while dialing: dial tcp 10.0.0.1:2379: connect: connection refused"`), false, history.Fail},
		{"read timed out", context.DeadlineExceeded, true, history.Fail},
		{"read with leader changed", rpctypes.ErrGRPCLeaderChanged, true, history.Fail},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, msg := classify(c.err, c.readOnly)
			if got != c.want {
				t.Fatalf("classify(%v, readOnly=%v) = %s (%s), want %s", c.err, c.readOnly, got, msg, c.want)
			}
			if c.err != nil && msg == "" {
				t.Fatal("no error message kept for the history")
			}
		})
	}
}

func TestParseTxnNamesTheBadMicroOp(t *testing.T) {
	op := history.Op{F: "txn", Value: []any{[]any{history.Keyword("r"), int64(1), nil}, []any{history.Keyword("w"), int64(2), int64(3)}}}
	if _, err := parseTxn(op, history.Keyword("append")); err == nil || err.Error() != "txn micro-op 1 [:w 2 3]: expected :r or :append" {
		t.Fatalf("err = %v", err)
	}
	op.Value = []any{[]any{history.Keyword("append"), "k", int64(3)}}
	if _, err := parseTxn(op, history.Keyword("append")); err == nil || err.Error() != `txn micro-op 0 [:append "k" 3]: expected an integer key` {
		t.Fatalf("err = %v", err)
	}
	mops, err := parseTxn(history.Op{Value: []any{[]any{history.Keyword("append"), int64(4), int64(9)}}}, history.Keyword("append"))
	if err != nil || len(mops) != 1 || mops[0] != (mop{f: "append", key: 4, val: 9}) {
		t.Fatalf("parsed %v, %v", mops, err)
	}
}

func TestListEncodingRoundTripsAndRejectsGarbage(t *testing.T) {
	for _, vs := range [][]int64{nil, {1}, {1, 2, 30}} {
		got, err := decodeInts(encodeInts(vs))
		if err != nil || fmt.Sprint(got) != fmt.Sprint(vs) {
			t.Fatalf("%v -> %q -> %v, %v", vs, encodeInts(vs), got, err)
		}
	}
	if _, err := decodeInts("1,x"); err == nil || err.Error() != `element 1: expected an integer, found "x"` {
		t.Fatalf("err = %v", err)
	}
}
