package queue

import (
	"fmt"
	"io"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/valueset"
	"github.com/faultline/faultline/checker/internal/verdict"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/internal/plural"
)

// TotalOptions configure TotalChecker.
type TotalOptions struct {
	// ForbidDuplicates makes a value dequeued more often than it was enqueued
	// invalid. Jepsen reports duplicates but allows them (at-least-once
	// delivery), which is the default here too.
	ForbidDuplicates bool
}

// TotalDetails is what TotalChecker found. Lists are sorted.
type TotalDetails struct {
	AttemptCount      int   `json:"attempt-count"`        // enqueues invoked
	AcknowledgedCount int   `json:"acknowledged-count"`   // enqueues ok
	DequeueCount      int   `json:"dequeue-count"`        // values dequeued or drained
	Lost              []any `json:"lost,omitempty"`       // acknowledged, never dequeued
	Duplicated        []any `json:"duplicated,omitempty"` // dequeued more often than enqueued
	Unexpected        []any `json:"unexpected,omitempty"` // dequeued, never enqueued
	Recovered         []any `json:"recovered,omitempty"`  // enqueue not acknowledged, yet dequeued
}

// Explain writes the lost, duplicated and unexpected values in plain words.
func (d *TotalDetails) Explain(w io.Writer) {
	fmt.Fprintf(w, "%s attempted, %d acknowledged, %s dequeued\n", plural.Count(d.AttemptCount, "enqueue"), d.AcknowledgedCount, plural.Count(d.DequeueCount, "value"))
	if n := len(d.Lost); n > 0 {
		fmt.Fprintf(w, "lost: %s never came out: %s\n", plural.Count(n, "acknowledged enqueue"), verdict.List(d.Lost, 20))
	}
	if n := len(d.Duplicated); n > 0 {
		fmt.Fprintf(w, "duplicated: %s came out more often than %s in: %s\n", plural.Count(n, "value"), plural.Pick(n, "it went", "they went"), verdict.List(d.Duplicated, 20))
	}
	if n := len(d.Unexpected); n > 0 {
		fmt.Fprintf(w, "unexpected: %s came out that nobody enqueued: %s\n", plural.Count(n, "value"), verdict.List(d.Unexpected, 20))
	}
}

// TotalChecker returns Jepsen's total-queue checker. Run it on a history
// that ends by draining the queue, or every value still queued counts as
// lost. Lost or unexpected values make the history invalid; duplicated ones
// only with ForbidDuplicates. With nothing dequeued at all it is unknown.
//
// It streams (checker.Streamer), holding the values enqueued (attempted and
// acknowledged) and dequeued, each with its count.
func TotalChecker(opts TotalOptions) checker.Streamer {
	return checker.Streamed(func() checker.Stream {
		s := &totalStream{opts: opts, attempts: valueset.New(), acked: valueset.New(), out: valueset.New(), d: &TotalDetails{}}
		return verdict.ClientStream(s.add, s.result)
	})
}

// totalStream is the total-queue checker fed op by op.
type totalStream struct {
	opts                 TotalOptions
	attempts, acked, out *valueset.Multiset
	d                    *TotalDetails
}

func (s *totalStream) add(e checker.Event) (checker.Result, bool) {
	op := e.Op
	d := s.d
	switch {
	case op.F == "enqueue" && op.Type == history.Invoke:
		s.attempts.Add(op.Value, 1)
		d.AttemptCount++
	case op.F == "enqueue" && op.Type == history.OK:
		s.acked.Add(op.Value, 1)
		d.AcknowledgedCount++
	default:
		vs, res, ok := dequeued(op)
		if !ok {
			return res, true
		}
		for _, v := range vs {
			s.out.Add(v, 1)
			d.DequeueCount++
		}
	}
	return checker.Result{}, false
}

func (s *totalStream) result() checker.Result {
	d, attempts, acked, out := s.d, s.attempts, s.acked, s.out
	d.Lost = acked.Where(func(v any, n int) bool { return out.Count(v) < n })
	d.Unexpected = out.Where(func(v any, _ int) bool { return !attempts.Has(v) })
	d.Duplicated = out.Where(func(v any, n int) bool { return attempts.Has(v) && n > attempts.Count(v) })
	d.Recovered = out.Where(func(v any, _ int) bool { return attempts.Has(v) && !acked.Has(v) })
	res := checker.Result{Valid: checker.Valid, Details: d}
	switch {
	case len(d.Lost) > 0 || len(d.Unexpected) > 0 || (s.opts.ForbidDuplicates && len(d.Duplicated) > 0):
		res.Valid = checker.Invalid
		res.Summary = fmt.Sprintf("%d lost, %d duplicated, %d unexpected", len(d.Lost), len(d.Duplicated), len(d.Unexpected))
	case d.DequeueCount == 0:
		res.Valid = checker.Unknown
		res.Summary = "nothing was dequeued"
	}
	return res
}
