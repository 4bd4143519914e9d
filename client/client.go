// Package client describes how a test talks to the system under test, and
// enforces the one rule that keeps checkers sound: a client that does not
// know whether an operation happened must say info, never fail.
//
// A Client value is first a prototype: the runner calls Open once per worker
// to get a client bound to that worker's node, Setup once per node before the
// run (to create tables, say), Invoke for every operation, Teardown once per
// node after the run and Close on every opened client.
//
// The completion contract, checked by Call for every op:
//
//   - Invoke returns the same op with Type set to OK (it happened), Fail (it
//     certainly did not happen: a rejected write, a conflict detected before
//     commit) or Info (unknown: a timeout, a dropped connection after the
//     request was sent). Value carries what was read; Error may say why.
//   - The completion keeps the invoke's Process and F.
//   - Returning an error or panicking means "unknown": the op is recorded as
//     info with the error, and the worker's process is retired and its
//     client reopened, since the old connection may still be doing the op.
//
// A completion that breaks the contract (another process, another f, a type
// that is not a completion) is a bug in the client; Call records it as info
// with an error that says what was wrong, so the run goes on and the bug
// shows in the history.
package client

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/faultline/faultline/history"
)

// Client talks to the system under test. See the package doc for the life
// cycle and the completion contract.
type Client interface {
	// Open returns a client bound to node; the receiver is left unchanged.
	Open(ctx context.Context, node string) (Client, error)
	// Setup prepares the database for the workload; called once per node.
	Setup(ctx context.Context) error
	// Invoke performs op (Type Invoke) and returns its completion.
	Invoke(ctx context.Context, op history.Op) (history.Op, error)
	// Teardown undoes Setup; called once per node after the run.
	Teardown(ctx context.Context) error
	// Close releases what Open acquired.
	Close(ctx context.Context) error
}

// Outcome is what Call made of one invocation.
type Outcome struct {
	// Completion is the op to record: the client's own completion, or an
	// info op carrying the error when the client failed.
	Completion history.Op
	// Retire says the process must be retired and the client reopened: the
	// op ended as info (for any reason), so it may still take effect.
	Retire bool
	// Violation is set when the client broke the completion contract.
	Violation error
}

// Call invokes op on c and enforces the completion contract: errors and
// panics become info completions, and so do completions with the wrong
// process, f or type (with Violation set). Index and Time are left for the
// runner to fill in when it records the op.
func Call(ctx context.Context, c Client, op history.Op) (out Outcome) {
	defer func() {
		if p := recover(); p != nil {
			out = Outcome{Completion: Unknown(op, fmt.Sprintf("client panicked: %v\n%s", p, debug.Stack())), Retire: true}
		}
	}()
	done, err := c.Invoke(ctx, op)
	if err != nil {
		return Outcome{Completion: Unknown(op, err.Error()), Retire: true}
	}
	if v := Validate(op, done); v != nil {
		return Outcome{Completion: Unknown(op, v.Error()), Retire: true, Violation: v}
	}
	return Outcome{Completion: done, Retire: done.Type == history.Info}
}

// Validate checks that done is a well-formed completion of invoke.
func Validate(invoke, done history.Op) error {
	switch {
	case !done.Type.IsCompletion():
		return fmt.Errorf("client contract violation: completion of process %d f %s has type %s, expected ok, fail or info", invoke.Process, invoke.F, done.Type)
	case done.Process != invoke.Process:
		return fmt.Errorf("client contract violation: completion of process %d f %s names process %d, expected the invoking process", invoke.Process, invoke.F, done.Process)
	case done.F != invoke.F:
		return fmt.Errorf("client contract violation: completion of process %d f %s has f %q, expected the invoke's f", invoke.Process, invoke.F, done.F)
	}
	return nil
}

// Unknown returns the info completion of op with the given error: the op may
// or may not have happened.
func Unknown(op history.Op, msg string) history.Op {
	op.Type = history.Info
	op.Error = msg
	return op
}
