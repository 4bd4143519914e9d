// Package set checks histories of a grow-only set: :add of one element at a
// time and :read returning every element present (Jepsen's set workload),
// with the last ok read taken as the final state.
//
// Checker proves that every acknowledged add is in the final read (nothing
// lost) and that the final read holds only elements someone tried to add
// (nothing unexpected). It says nothing about reads before the last one; for
// that, and for how long elements took to appear, use FullChecker.
//
// Streaming: both checkers are checker.Streamers. Checker holds the elements
// attempted and acknowledged and the last read; FullChecker holds one record
// per element added (the ops that decide its outcome), the read being judged
// and any element read before anyone tried to add it; neither holds the
// history.
package set

import (
	"fmt"
	"io"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/valueset"
	"github.com/faultline/faultline/checker/internal/verdict"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/internal/plural"
)

// Details is what Checker found. Lists are sorted.
type Details struct {
	AttemptCount      int   `json:"attempt-count"`        // adds invoked
	AcknowledgedCount int   `json:"acknowledged-count"`   // adds ok
	OKCount           int   `json:"ok-count"`             // acknowledged and read
	FinalRead         int   `json:"final-read"`           // index of the final read's completion
	Lost              []any `json:"lost,omitempty"`       // acknowledged, not in the final read
	Unexpected        []any `json:"unexpected,omitempty"` // read, never added
	Recovered         []any `json:"recovered,omitempty"`  // add not acknowledged (info), yet read
}

// Explain writes the lost and unexpected elements in plain words.
func (d *Details) Explain(w io.Writer) {
	fmt.Fprintf(w, "%s attempted, %d acknowledged; the final read (op %d) holds %d of the acknowledged ones\n",
		plural.Count(d.AttemptCount, "add"), d.AcknowledgedCount, d.FinalRead, d.OKCount)
	if n := len(d.Lost); n > 0 {
		fmt.Fprintf(w, "lost: %s %s missing from the final read: %s\n", plural.Count(n, "acknowledged add"), plural.Pick(n, "is", "are"), verdict.List(d.Lost, 20))
	}
	if n := len(d.Unexpected); n > 0 {
		fmt.Fprintf(w, "unexpected: %s %s read that nobody added: %s\n", plural.Count(n, "element"), plural.Pick(n, "was", "were"), verdict.List(d.Unexpected, 20))
	}
	if n := len(d.Recovered); n > 0 {
		fmt.Fprintf(w, "recovered (fine): %s of unknown outcome turned out to have happened: %s\n", plural.Count(n, "add"), verdict.List(d.Recovered, 20))
	}
}

// Checker returns the set checker. A history without an ok read is unknown:
// the set was never read.
//
// It streams (checker.Streamer), holding the elements attempted and
// acknowledged, and the elements of the last ok read.
func Checker() checker.Streamer {
	return checker.Streamed(func() checker.Stream {
		s := &setStream{attempts: valueset.New(), acked: valueset.New()}
		return verdict.ClientStream(s.add, s.result)
	})
}

// setStream is the set checker fed op by op.
type setStream struct {
	attempts, acked *valueset.Multiset
	final           history.Op // the last ok read
	finalElems      []any
	everRead        bool
}

func (s *setStream) add(e checker.Event) (checker.Result, bool) {
	op := e.Op
	switch {
	case op.F == "add" && op.Type == history.Invoke:
		s.attempts.Add(op.Value, 1)
	case op.F == "add" && op.Type == history.OK:
		s.acked.Add(op.Value, 1)
	case op.F == "read" && op.Type == history.OK:
		elems, ok := valueset.Elements(op.Value)
		if !ok {
			return verdict.BadOp(op, "a read must return a set, vector or list of elements, found %s", verdict.EDN(op.Value)), true
		}
		s.final, s.finalElems, s.everRead = op, elems, true
	}
	return checker.Result{}, false
}

func (s *setStream) result() checker.Result {
	if !s.everRead {
		return checker.Result{Valid: checker.Unknown, Summary: "the set was never read"}
	}
	attempts, acked := s.attempts, s.acked
	read := valueset.Of(s.finalElems...)
	d := &Details{
		AttemptCount:      attempts.Len(),
		AcknowledgedCount: acked.Len(),
		FinalRead:         s.final.Index,
		Lost:              acked.Where(func(v any, _ int) bool { return !read.Has(v) }),
		Unexpected:        read.Where(func(v any, _ int) bool { return !attempts.Has(v) }),
		Recovered:         read.Where(func(v any, _ int) bool { return attempts.Has(v) && !acked.Has(v) }),
	}
	d.OKCount = d.AcknowledgedCount - len(d.Lost)
	res := checker.Result{Valid: checker.Valid, Details: d}
	if len(d.Lost) > 0 || len(d.Unexpected) > 0 {
		res.Valid = checker.Invalid
		res.Summary = fmt.Sprintf("%d lost, %d unexpected", len(d.Lost), len(d.Unexpected))
	}
	return res
}
