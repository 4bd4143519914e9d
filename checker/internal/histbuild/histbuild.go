// Package histbuild writes histories for the classic checkers' tests, so
// every checker's tests build and judge them the same way: small ones in a
// few readable lines (each call appends one op, numbered and timed in order,
// one millisecond apart so latencies are visible), big ones by simulating a
// correct store under random interleavings (Sim), which a test may then
// corrupt on purpose; plus the assertions the table tests share (Check,
// OnlyFinding, SameValues, Explain).
package histbuild

import (
	"time"

	"github.com/faultline/faultline/history"
)

// Step is the time between consecutive ops.
const Step = int64(time.Millisecond)

// B accumulates ops.
type B struct{ ops []history.Op }

// New returns an empty builder.
func New() *B { return &B{} }

func (b *B) add(t history.Type, p int, f string, v any) *B {
	n := len(b.ops)
	b.ops = append(b.ops, history.Op{Index: n, Time: int64(n) * Step, Type: t, Process: p, F: f, Value: v})
	return b
}

// Invoke appends an invocation.
func (b *B) Invoke(p int, f string, v any) *B { return b.add(history.Invoke, p, f, v) }

// OK appends an ok completion.
func (b *B) OK(p int, f string, v any) *B { return b.add(history.OK, p, f, v) }

// Fail appends a fail completion.
func (b *B) Fail(p int, f string, v any) *B { return b.add(history.Fail, p, f, v) }

// Info appends an info completion.
func (b *B) Info(p int, f string, v any) *B { return b.add(history.Info, p, f, v) }

// Op invokes and completes an op at once (no concurrency), with the same
// value on both halves, except that a read's invoke carries nil.
func (b *B) Op(p int, t history.Type, f string, v any) *B {
	inv := v
	if f == "read" {
		inv = nil
	}
	return b.Invoke(p, f, inv).add(t, p, f, v)
}

// With sets an extra field on the last op.
func (b *B) With(name string, v any) *B {
	b.ops[len(b.ops)-1].Set(name, v)
	return b
}

// History returns the paired history; it panics on a malformed one, since
// that is a bug in the test.
func (b *B) History() *history.History {
	return history.MustNew(b.ops...) // a copy: the builder may go on
}
