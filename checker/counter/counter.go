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
//
// Streaming: Checker is a checker.Streamer, fed ops as a file is read. It
// holds the bounds, the reads and adds in flight, the reads out of bounds,
// and the ops since the oldest add whose outcome is not yet known (a failed
// add widens nothing, so the reads concurrent with it wait for its
// completion); an add that never completes keeps the ops after it waiting
// until the end.
package counter

import (
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
//
// It streams (checker.Streamer): it holds the two bounds, the reads and
// adds in flight, the reads out of bounds, and the ops since the oldest add
// whose outcome is not known yet (an add that fails must not widen the
// bounds of the reads concurrent with it, so those wait for its completion).
// In a history whose adds all complete that window is about the ops
// concurrent with one add; an add that never completes keeps every later op
// waiting until the end of the history, at about 48 bytes an op.
func Checker() checker.Streamer {
	return checker.Streamed(func() checker.Stream {
		s := newStream()
		return verdict.ClientStream(s.add, s.result)
	})
}

// pendingRead tracks the widest bounds seen while a read was outstanding.
type pendingRead struct{ lower, upper int64 }

// step is one client op of interest, waiting for the outcomes of the adds
// before it: a compact copy of what the bounds need.
type step struct {
	add      bool // an add; else a read
	typ      history.Type
	inv      int // position of the op's invocation (its own, for an invocation)
	process  int
	index    int
	v        int64 // an add's delta, a read's value
	resolved bool  // an add's invocation whose completion has been seen
	failed   bool  // ... and it failed
}

// stream is the counter checker fed op by op.
type stream struct {
	lower, upper int64
	reads        map[int]*pendingRead // position of its invocation -> read in flight
	adds         map[int]int64        // position of its invocation -> delta of an add in flight
	d            *Details

	waiting []step      // steps not yet applied, oldest first
	head    int         // waiting[:head] are applied
	openAdd map[int]int // position in the history of an add's invocation -> its position in waiting, until its completion
}

func newStream() *stream {
	return &stream{reads: make(map[int]*pendingRead), adds: make(map[int]int64), openAdd: make(map[int]int), d: &Details{}}
}

// add queues the op's step and applies every step whose adds' outcomes are
// known.
func (s *stream) add(e checker.Event) (checker.Result, bool) {
	op := e.Op
	st := step{typ: op.Type, inv: e.InvPos, process: op.Process, index: op.Index, resolved: true}
	if op.Type == history.Invoke {
		st.inv = e.Pos
	}
	switch {
	case op.F == "add" && op.Type == history.Invoke:
		v, ok := history.AsInt(op.Value)
		if !ok {
			return verdict.BadOp(op, "an add's value must be an integer delta, found %s", verdict.EDN(op.Value)), true
		}
		st.add, st.v, st.resolved = true, v, false
		s.openAdd[e.Pos] = len(s.waiting)
	case op.F == "add":
		if i, ok := s.openAdd[e.InvPos]; ok {
			delete(s.openAdd, e.InvPos)
			s.waiting[i].resolved, s.waiting[i].failed = true, op.Type == history.Fail
		}
		st.add = true
	case op.F == "read" && op.Type == history.OK:
		v, ok := history.AsInt(op.Value)
		if !ok {
			return verdict.BadOp(op, "an ok read's value must be an integer, found %s", verdict.EDN(op.Value)), true
		}
		st.v = v
	case op.F != "read":
		return checker.Result{}, false
	}
	s.waiting = append(s.waiting, st)
	s.apply()
	return checker.Result{}, false
}

// apply applies waiting steps in order up to the first add whose outcome is
// still unknown, then forgets them.
func (s *stream) apply() {
	for s.head < len(s.waiting) && s.waiting[s.head].resolved {
		s.step(&s.waiting[s.head])
		s.head++
	}
	switch {
	case s.head == len(s.waiting):
		s.waiting, s.head = s.waiting[:0], 0
		clear(s.openAdd) // holds no entry: every add waiting was resolved
	case s.head > 4096 && s.head > len(s.waiting)/2:
		n := copy(s.waiting, s.waiting[s.head:])
		s.waiting = s.waiting[:n]
		for inv, i := range s.openAdd {
			s.openAdd[inv] = i - s.head
		}
		s.head = 0
	}
}

// step moves the bounds by one op, as the history has it in order.
func (s *stream) step(st *step) {
	if st.add {
		if st.typ == history.Invoke {
			v := st.v
			if st.failed {
				v = 0 // it certainly never happened, not even while in flight
			}
			s.adds[st.inv] = v
		}
		v := s.adds[st.inv]
		if st.typ != history.Invoke {
			delete(s.adds, st.inv)
		}
		switch {
		case st.typ == history.Invoke && v >= 0, st.typ == history.OK && v < 0:
			s.upper += v
		case st.typ == history.Invoke, st.typ == history.OK:
			s.lower += v
		}
		for _, r := range s.reads {
			r.lower = min(r.lower, s.lower)
			r.upper = max(r.upper, s.upper)
		}
		return
	}
	switch st.typ {
	case history.Invoke:
		s.reads[st.inv] = &pendingRead{lower: s.lower, upper: s.upper}
	case history.OK:
		r := s.reads[st.inv]
		delete(s.reads, st.inv)
		s.d.ReadCount++
		if st.v < r.lower || st.v > r.upper {
			s.d.Errors = append(s.d.Errors, Read{Index: st.index, Process: st.process, Lower: r.lower, Value: st.v, Upper: r.upper})
		}
	default:
		delete(s.reads, st.inv)
	}
}

// result applies the steps still waiting (an add never completed did not
// fail) and judges the reads.
func (s *stream) result() checker.Result {
	for i := s.head; i < len(s.waiting); i++ {
		s.waiting[i].resolved = true
	}
	s.apply()
	d := s.d
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
