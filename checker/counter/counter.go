// Package counter checks histories of a shared counter: ops :add with an
// integer delta and :read returning the counter's value (Jepsen's counter
// workload). It proves that every ok read lies within the bounds the adds
// allow: at least the sum of adds certainly applied before the read could
// have happened, at most the sum of adds that could have been applied by the
// time it ended. It cannot prove the counter is linearizable (two reads may
// each be in bounds yet disagree on order); for that use the linear checker
// with a counter model. A history without a single ok read is valid, as
// Jepsen's counter checker says (no read can be out of bounds); the summary
// says that nothing was read.
//
// Beyond Jepsen: adds may be negative (Jepsen refuses them), and an ok add
// counts with the value it was invoked with (Jepsen takes the completion's,
// and fails on a completion without one).
package counter

import (
	"context"
	"fmt"
	"io"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/verdict"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/internal/plural"
)

// Read is one ok read and the bounds it was checked against. Index and
// Process identify the read's completion op.
type Read struct {
	Index   int   `json:"index"`
	Process int   `json:"process"`
	Lower   int64 `json:"lower"`
	Value   int64 `json:"value"`
	Upper   int64 `json:"upper"`
}

// Details is the counter checker's finding.
type Details struct {
	ReadCount int    `json:"read-count"`
	Errors    []Read `json:"errors,omitempty"` // reads outside their bounds
}

// Explain writes the reads that were out of bounds, in plain words.
func (d *Details) Explain(w io.Writer) {
	fmt.Fprintf(w, "%s checked, %d out of bounds\n", plural.Count(d.ReadCount, "read"), len(d.Errors))
	for i, e := range d.Errors {
		if i == 10 {
			fmt.Fprintf(w, "  ... and %d more\n", len(d.Errors)-i)
			break
		}
		side := "below the least possible value"
		if e.Value > e.Upper {
			side = "above the greatest possible value"
		}
		fmt.Fprintf(w, "  op %d (process %s) read %d, %s: adds allowed only %d..%d\n",
			e.Index, history.ProcessString(e.Process), e.Value, side, e.Lower, e.Upper)
	}
}

// Checker returns the counter checker. Adds may be negative: a negative
// delta lowers the least possible value as soon as it is invoked and the
// greatest only once it is ok. An add completed as info may or may not have
// happened, so it stays in whichever bound it widened; one that failed never
// happened, so it widens nothing, even while in flight (as in Jepsen). An ok
// read whose value is not an integer makes the result unknown.
func Checker() checker.Checker {
	return checker.Func(check)
}

// pendingRead tracks the widest bounds seen while a read was outstanding.
type pendingRead struct{ lower, upper int64 }

func check(ctx context.Context, h *history.History) checker.Result {
	var lower, upper int64
	reads := make(map[int]*pendingRead) // process -> read in flight
	adds := make(map[int]int64)         // process -> delta of its add in flight
	d := &Details{}
	widen := func() {
		for _, r := range reads {
			r.lower = min(r.lower, lower)
			r.upper = max(r.upper, upper)
		}
	}
	ops, cancelled := verdict.ClientOps(ctx, h)
	for i, op := range ops {
		switch op.F {
		case "add":
			if op.Type == history.Invoke {
				v, ok := history.AsInt(op.Value)
				if !ok {
					return verdict.BadOp(op, "an add's value must be an integer delta, found %s", verdict.EDN(op.Value))
				}
				if c := h.Completion(i); c >= 0 && h.At(c).Type == history.Fail {
					v = 0 // it certainly never happened, not even while in flight
				}
				adds[op.Process] = v
			}
			v := adds[op.Process]
			switch {
			case op.Type == history.Invoke && v >= 0, op.Type == history.OK && v < 0:
				upper += v
			case op.Type == history.Invoke, op.Type == history.OK:
				lower += v
			}
			widen()
		case "read":
			switch op.Type {
			case history.Invoke:
				reads[op.Process] = &pendingRead{lower: lower, upper: upper}
			case history.OK:
				r := reads[op.Process]
				delete(reads, op.Process)
				v, ok := history.AsInt(op.Value)
				if !ok {
					return verdict.BadOp(op, "an ok read's value must be an integer, found %s", verdict.EDN(op.Value))
				}
				d.ReadCount++
				if v < r.lower || v > r.upper {
					d.Errors = append(d.Errors, Read{Index: op.Index, Process: op.Process, Lower: r.lower, Value: v, Upper: r.upper})
				}
			default:
				delete(reads, op.Process)
			}
		}
	}
	if r, stop := cancelled(); stop {
		return r
	}
	res := checker.Result{Valid: checker.Valid, Details: d}
	switch {
	case len(d.Errors) > 0:
		e := d.Errors[0]
		res.Valid = checker.Invalid
		res.Summary = fmt.Sprintf("%d of %s out of bounds; first: op %d read %d, allowed %d..%d", len(d.Errors), plural.Count(d.ReadCount, "read"), e.Index, e.Value, e.Lower, e.Upper)
	case d.ReadCount == 0:
		res.Summary = "no ok reads, so no bounds to check (valid, as in Jepsen)"
	}
	return res
}
