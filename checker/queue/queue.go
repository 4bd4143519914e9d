// Package queue checks histories of a queue: :enqueue of one value,
// :dequeue returning one value (nil when the queue was empty), and :drain
// returning every value left (Jepsen's queue workloads). Neither checker
// looks at order: they treat the queue as a multiset, so they hold FIFO and
// unordered queues alike and prove nothing about ordering.
//
// Checker proves every dequeued value was enqueued before (or while) it was
// dequeued, one dequeue per enqueue. TotalChecker compares the totals at the
// end: what was acknowledged but never came out (lost), what came out more
// often than it went in (duplicated), and what came out but never went in
// (unexpected).
//
// Streaming: both checkers are checker.Streamers: Checker holds the values
// enqueued and not yet dequeued, TotalChecker every value enqueued and
// dequeued with its count.
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

// Details is what Checker found.
type Details struct {
	EnqueueCount int `json:"enqueue-count"` // enqueues invoked
	DequeueCount int `json:"dequeue-count"` // values dequeued or drained
	// BadDequeue is the index of the first ok dequeue (or drain) that took a
	// value no pending enqueue could have put there; -1 if none.
	BadDequeue int `json:"bad-dequeue"`
	Value      any `json:"value,omitempty"` // the value it took
}

// Explain says which dequeue took a value from nowhere.
func (d *Details) Explain(w io.Writer) {
	fmt.Fprintf(w, "%s invoked, %s dequeued\n", plural.Count(d.EnqueueCount, "enqueue"), plural.Count(d.DequeueCount, "value"))
	if d.BadDequeue >= 0 {
		fmt.Fprintf(w, "op %d dequeued %s, but every enqueue of %s invoked before it had already been dequeued (or there was none)\n",
			d.BadDequeue, verdict.EDN(d.Value), verdict.EDN(d.Value))
	}
}

// Checker returns the queue checker. Every invoked enqueue may have taken
// effect (even one that failed is counted, as Jepsen does, so a client that
// wrongly reports fail cannot make a valid history invalid); every ok
// dequeue must take a value some earlier-invoked enqueue put in and no
// earlier dequeue took out.
//
// It streams (checker.Streamer), holding the values enqueued and not yet
// dequeued.
func Checker() checker.Streamer {
	return checker.Streamed(func() checker.Stream {
		s := &stream{in: valueset.New(), d: &Details{BadDequeue: -1}}
		return verdict.ClientStream(s.add, s.result)
	})
}

// stream is the queue checker fed op by op.
type stream struct {
	in *valueset.Multiset // enqueued, not dequeued
	d  *Details
}

func (s *stream) add(e checker.Event) (checker.Result, bool) {
	op := e.Op
	d := s.d
	if op.F == "enqueue" && op.Type == history.Invoke {
		s.in.Add(op.Value, 1)
		d.EnqueueCount++
		return checker.Result{}, false
	}
	out, res, ok := dequeued(op)
	if !ok {
		return res, true
	}
	for _, v := range out {
		d.DequeueCount++
		if !s.in.Remove(v) {
			d.BadDequeue, d.Value = op.Index, v
			return checker.Result{Valid: checker.Invalid, Details: d,
				Summary: fmt.Sprintf("op %d dequeued %s, which was never enqueued (or already dequeued)", op.Index, verdict.EDN(v))}, true
		}
	}
	return checker.Result{}, false
}

func (s *stream) result() checker.Result {
	if s.d.DequeueCount == 0 {
		return checker.Result{Valid: checker.Unknown, Details: s.d, Summary: "nothing was dequeued"}
	}
	return checker.Result{Valid: checker.Valid, Details: s.d}
}

// dequeued returns the values an op took out of the queue: one for an ok
// dequeue with a value, all of them for an ok drain, none otherwise. ok is
// false (with an unknown result) for a drain whose value is no collection.
func dequeued(op history.Op) (vs []any, bad checker.Result, ok bool) {
	if op.Type != history.OK {
		return nil, bad, true
	}
	switch op.F {
	case "dequeue":
		if op.Value == nil {
			return nil, bad, true // the queue was empty
		}
		return []any{op.Value}, bad, true
	case "drain":
		vs, ok := valueset.Elements(op.Value)
		if !ok {
			return nil, verdict.BadOp(op, "a drain must return a vector, list or set of values, found %s", verdict.EDN(op.Value)), false
		}
		return vs, bad, true
	}
	return nil, bad, true
}
