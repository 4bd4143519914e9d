// Package verdict holds what every classic checker needs around its own
// logic: the walk over client ops that gives up (as unknown) when the check
// is cancelled, results that say why a history could not be checked by
// naming the offending op, and values printed as EDN (the form users see in
// their history files).
package verdict

import (
	"context"
	"fmt"
	"iter"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
)

// BadOp is an unknown result whose error names the op (its index and
// process) and says what was expected of it.
func BadOp(op history.Op, format string, args ...any) checker.Result {
	return checker.Result{Valid: checker.Unknown, Error: fmt.Sprintf("op %d (process %s, :%s %s): ", op.Index, history.ProcessString(op.Process), op.F, op.Type) + fmt.Sprintf(format, args...)}
}

// ClientOps walks the client ops of h in order (nemesis ops skipped),
// yielding each op's position and the op. It looks at ctx every 4096 ops and
// ends the walk early when ctx is done; cancelled then returns the unknown
// result to give back. Loops that return early need not call it.
func ClientOps(ctx context.Context, h *history.History) (ops iter.Seq2[int, history.Op], cancelled func() (checker.Result, bool)) {
	var stop checker.Result
	var stopped bool
	ops = func(yield func(int, history.Op) bool) {
		for i, op := range h.All() {
			if stop, stopped = Cancelled(ctx, i); stopped {
				return
			}
			if op.IsClient() && !yield(i, op) {
				return
			}
		}
	}
	return ops, func() (checker.Result, bool) { return stop, stopped }
}

// Cancelled returns an unknown result if ctx is done, checking only every
// 4096th step i so that hot loops stay cheap (checker.Cancelled).
func Cancelled(ctx context.Context, i int) (checker.Result, bool) { return checker.Cancelled(ctx, i) }

// EDN renders a value as EDN text.
func EDN(v any) string { return string(history.AppendEDN(nil, v)) }

// List renders values as an EDN vector, cut after max elements with a count
// of the rest, so an explanation stays readable for huge sets.
func List(vs []any, max int) string {
	b := []byte{'['}
	for i, v := range vs {
		if i == max {
			b = fmt.Appendf(b, " ...%d more", len(vs)-max)
			break
		}
		if i > 0 {
			b = append(b, ' ')
		}
		b = history.AppendEDN(b, v)
	}
	return string(append(b, ']'))
}
