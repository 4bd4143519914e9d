// Package stats counts how each kind of client operation (each f) ended: ok,
// fail or info (an op that never completed counts as info). It proves only
// that every f succeeded at least once: an f that never did means the test
// exercised nothing of it (a broken client, a cluster that was down the whole
// time), so the other checkers' verdicts about it mean little. Nemesis ops
// are not counted.
//
// Streaming: Checker is a checker.Streamer holding the counts and the f of
// each operation in flight.
package stats

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
)

// Counts is how the ops of one f ended.
type Counts struct {
	Count int  `json:"count"`
	OK    int  `json:"ok-count"`
	Fail  int  `json:"fail-count"`
	Info  int  `json:"info-count"`
	Valid bool `json:"valid"` // at least one ok
}

// Details holds the counts over all fs and per f.
type Details struct {
	Counts
	ByF map[string]Counts `json:"by-f"`
}

// Explain writes a table of counts per f, marking those that never succeeded.
func (d *Details) Explain(w io.Writer) {
	fs := make([]string, 0, len(d.ByF))
	for f := range d.ByF {
		fs = append(fs, f)
	}
	sort.Strings(fs)
	fmt.Fprintf(w, "%-16s %8s %8s %8s %8s\n", "f", "count", "ok", "fail", "info")
	for _, f := range fs {
		c := d.ByF[f]
		mark := ""
		if !c.Valid {
			mark = "  <- never succeeded"
		}
		fmt.Fprintf(w, "%-16s %8d %8d %8d %8d%s\n", f, c.Count, c.OK, c.Fail, c.Info, mark)
	}
}

// Checker returns the stats checker. A history without client ops is
// unknown.
//
// It streams (checker.Streamer): it counts each operation when it
// completes, and those still outstanding at the end as info; it holds the
// counts and the f of each operation in flight.
func Checker() checker.Streamer {
	return checker.Streamed(func() checker.Stream {
		return &stream{d: &Details{ByF: make(map[string]Counts)}, open: make(map[int]string)}
	})
}

// stream is the stats checker fed op by op.
type stream struct {
	d    *Details
	open map[int]string // position of an invocation not yet completed -> its f
}

func (s *stream) Add(e checker.Event) {
	op := e.Op
	switch {
	case !op.IsClient():
	case op.Type == history.Invoke:
		s.open[e.Pos] = op.F
	case e.InvPos >= 0:
		delete(s.open, e.InvPos)
		s.count(e.Inv.F, op.Type)
	}
}

// count counts one operation of f with outcome t.
func (s *stream) count(f string, t history.Type) {
	c := s.d.ByF[f]
	for _, n := range []*Counts{&c, &s.d.Counts} {
		n.Count++
		switch t {
		case history.OK:
			n.OK++
		case history.Fail:
			n.Fail++
		default:
			n.Info++
		}
		n.Valid = n.OK > 0
	}
	s.d.ByF[f] = c
}

func (s *stream) Result() checker.Result {
	for _, f := range s.open {
		s.count(f, history.Info) // never completed: it may or may not have happened
	}
	d := s.d
	var never []string
	for f, c := range d.ByF {
		if !c.Valid {
			never = append(never, f)
		}
	}
	sort.Strings(never)
	res := checker.Result{Valid: checker.Valid, Details: d}
	switch {
	case len(never) > 0:
		res.Valid = checker.Invalid
		res.Summary = "never succeeded: " + strings.Join(never, ", ")
	case d.Count == 0:
		res.Valid = checker.Unknown
		res.Summary = "no client operations"
	}
	return res
}
