// Package uniqueids checks histories of an id generator: :generate ops whose
// ok completion carries the id handed out (Jepsen's unique-ids workload). It
// proves no id was handed out twice among acknowledged generates. It cannot
// see duplicates among generates whose outcome is unknown (their ids were
// never reported), nor say anything about ordering.
//
// Streaming: Checker is a checker.Streamer holding every acknowledged id and
// the ops that returned it (a duplicate can only be found against them all).
package uniqueids

import (
	"fmt"
	"io"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/valueset"
	"github.com/faultline/faultline/checker/internal/verdict"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/internal/plural"
)

// Duplicate is an id handed out more than once, with the ok ops that
// returned it.
type Duplicate struct {
	ID  any   `json:"id"`
	Ops []int `json:"ops"`
}

// Details is what the checker found.
type Details struct {
	AttemptCount      int         `json:"attempted-count"`
	AcknowledgedCount int         `json:"acknowledged-count"`
	DuplicatedCount   int         `json:"duplicated-count"`
	Duplicated        []Duplicate `json:"duplicated,omitempty"` // sorted by id
	Range             []any       `json:"range,omitempty"`      // least and greatest integer id, if ids are integers
}

// Explain lists the ids handed out twice.
func (d *Details) Explain(w io.Writer) {
	fmt.Fprintf(w, "%s requested, %d acknowledged, %d handed out more than once\n", plural.Count(d.AttemptCount, "id"), d.AcknowledgedCount, d.DuplicatedCount)
	for i, dup := range d.Duplicated {
		if i == 20 {
			fmt.Fprintf(w, "  ... and %d more\n", len(d.Duplicated)-i)
			break
		}
		fmt.Fprintf(w, "  id %s was returned by ops %v\n", verdict.EDN(dup.ID), dup.Ops)
	}
}

// Checker returns the unique-ids checker. Without any acknowledged generate
// the result is unknown.
//
// It streams (checker.Streamer), holding every id acknowledged with the
// ops that returned it: duplicates can only be found against them all.
func Checker() checker.Streamer {
	return checker.Streamed(func() checker.Stream {
		s := &stream{d: &Details{}, ids: valueset.New(), where: make(map[string][]int), allInts: true}
		return verdict.ClientStream(s.add, s.result)
	})
}

// stream is the unique-ids checker fed op by op.
type stream struct {
	d       *Details
	ids     *valueset.Multiset
	where   map[string][]int // id's key -> indexes of the ops that returned it
	lo, hi  int64
	allInts bool
}

func (s *stream) add(e checker.Event) (checker.Result, bool) {
	op := e.Op
	if op.F != "generate" {
		return checker.Result{}, false
	}
	d := s.d
	switch op.Type {
	case history.Invoke:
		d.AttemptCount++
	case history.OK:
		if op.Value == nil {
			return verdict.BadOp(op, "an ok generate must carry the id it returned, found nil"), true
		}
		k := history.Key(op.Value)
		s.ids.Add(op.Value, 1)
		s.where[k] = append(s.where[k], op.Index)
		if n, ok := history.AsInt(op.Value); ok && s.allInts {
			if d.AcknowledgedCount == 0 || n < s.lo {
				s.lo = n
			}
			if d.AcknowledgedCount == 0 || n > s.hi {
				s.hi = n
			}
		} else {
			s.allInts = false
		}
		d.AcknowledgedCount++
	}
	return checker.Result{}, false
}

func (s *stream) result() checker.Result {
	d := s.d
	if d.AcknowledgedCount == 0 {
		return checker.Result{Valid: checker.Unknown, Details: d, Summary: "no id was ever acknowledged"}
	}
	if s.allInts {
		d.Range = []any{s.lo, s.hi}
	}
	for _, id := range s.ids.Where(func(_ any, n int) bool { return n > 1 }) {
		d.Duplicated = append(d.Duplicated, Duplicate{ID: id, Ops: s.where[history.Key(id)]})
	}
	d.DuplicatedCount = len(d.Duplicated)
	if d.DuplicatedCount > 0 {
		first := d.Duplicated[0]
		return checker.Result{Valid: checker.Invalid, Details: d,
			Summary: fmt.Sprintf("%s handed out more than once, e.g. %s by ops %v", plural.Count(d.DuplicatedCount, "id"), verdict.EDN(first.ID), first.Ops)}
	}
	return checker.Result{Valid: checker.Valid, Details: d}
}
