package etcd

import (
	"context"
	"errors"
	"strings"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/faultline/faultline/history"
)

// classify decides what an error from etcd means for the op that got it:
// Fail when the request certainly changed nothing, Info when it may have
// been applied (or may still be). This is what keeps the checkers sound: a
// write wrongly called failed would make a correct etcd look broken, and
// one wrongly called unknown only weakens the check. So anything not known
// to be harmless is Info.
//
// readOnly ops (reads, read-only transactions) change nothing whatever
// happened, so they fail on every error: a failed read is simply left out
// of the analysis.
//
// Definite failures:
//   - the server rejected the request before proposing it to Raft: no
//     leader (with WithRequireLeader), too many requests, request too large,
//     no space, a compacted or future revision, a malformed request
//     (duplicate key, too many ops, empty key), permission errors;
//   - the connection to the node could not be made at all (refused, no
//     route): the request never left this machine.
//
// Unknown (Info):
//   - timeouts (the client's deadline, or etcd's own "request timed out",
//     also "due to leader failure" and "due to connection lost"): the
//     proposal may still commit;
//   - "leader changed": the proposal may have been committed by the old
//     leader's term;
//   - a connection lost after the request was sent, a stopped server, and
//     anything unrecognised.
func classify(err error, readOnly bool) (history.Type, string) {
	if err == nil {
		return history.OK, ""
	}
	msg := err.Error()
	if readOnly {
		return history.Fail, msg
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return history.Info, "timeout: " + msg
	}
	var ee rpctypes.EtcdError
	if errors.As(rpctypes.Error(err), &ee) {
		switch ee {
		case rpctypes.ErrNoLeader, rpctypes.ErrNotLeader, rpctypes.ErrTooManyRequests,
			rpctypes.ErrRequestTooLarge, rpctypes.ErrNoSpace, rpctypes.ErrCompacted,
			rpctypes.ErrFutureRev, rpctypes.ErrDuplicateKey, rpctypes.ErrTooManyOps,
			rpctypes.ErrEmptyKey, rpctypes.ErrKeyNotFound, rpctypes.ErrPermissionDenied,
			rpctypes.ErrAuthNotEnabled, rpctypes.ErrInvalidAuthToken, rpctypes.ErrUnhealthy,
			rpctypes.ErrCorrupt:
			return history.Fail, msg
		}
		return history.Info, msg
	}
	if s, ok := status.FromError(err); ok {
		switch s.Code() {
		case codes.DeadlineExceeded, codes.Canceled:
			return history.Info, "timeout: " + msg
		case codes.Unavailable:
			if neverSent(s.Message()) {
				return history.Fail, msg
			}
		case codes.InvalidArgument, codes.FailedPrecondition, codes.OutOfRange,
			codes.PermissionDenied, codes.Unauthenticated, codes.ResourceExhausted:
			return history.Fail, msg
		}
	}
	return history.Info, msg
}

// neverSent reports whether an Unavailable error's message says the client
// could not connect at all, so the request never reached the server.
func neverSent(msg string) bool {
	for _, s := range []string{"connection refused", "no route to host", "no such host", "while dialing"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
