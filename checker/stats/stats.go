// Package stats counts how each kind of client operation (each f) ended: ok,
// fail or info (an op that never completed counts as info). It proves only
// that every f succeeded at least once: an f that never did means the test
// exercised nothing of it (a broken client, a cluster that was down the whole
// time), so the other checkers' verdicts about it mean little. Nemesis ops
// are not counted.
package stats

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/verdict"
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
func Checker() checker.Checker { return checker.Func(check) }

func check(ctx context.Context, h *history.History) checker.Result {
	d := &Details{ByF: make(map[string]Counts)}
	i := 0
	for op := range h.Operations() {
		if r, stop := verdict.Cancelled(ctx, i); stop {
			return r
		}
		i++
		if !op.Invoke.IsClient() {
			continue
		}
		c := d.ByF[op.Invoke.F]
		for _, t := range []*Counts{&c, &d.Counts} {
			t.Count++
			switch op.Outcome() {
			case history.OK:
				t.OK++
			case history.Fail:
				t.Fail++
			default:
				t.Info++
			}
			t.Valid = t.OK > 0
		}
		d.ByF[op.Invoke.F] = c
	}
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
