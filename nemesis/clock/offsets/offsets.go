// Package offsets reads the clock offsets the clock nemesis measured out of
// a history (check-clock-offsets values, and :clock-offsets in other clock
// ops' values) and records them in the test's results. It is pure (history
// in, data out), so plots and checkers can share it.
package offsets

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
)

// NodeOffsets summarises one node's measured clock offsets.
type NodeOffsets struct {
	Node    string  `json:"node"`
	Samples int     `json:"samples"`
	Min     float64 `json:"min"` // seconds, node clock minus control clock
	Max     float64 `json:"max"`
	Last    float64 `json:"last"`
}

// Sample is one measured offset: a node's clock minus the control node's, in
// seconds, at the time (ns since the test began) of the op that carried it.
type Sample struct {
	Node    string
	Time    int64
	Seconds float64
}

// Samples reads every clock offset the nemesis measured, in history order:
// completions of check-clock-offsets, whose value is the node -> seconds map,
// and other clock ops' :clock-offsets. A node that could not be read at that
// moment (NaN) gives no sample. A value that is not a map of node to number
// is an error naming the op.
func Samples(h *history.History) ([]Sample, error) {
	var out []Sample
	for i := range h.Ops {
		op := &h.Ops[i]
		if !op.IsNemesis() || op.Type == history.Invoke {
			continue
		}
		m, ok := op.Value.(history.Map)
		if !ok {
			continue
		}
		offsets := m
		if inner, ok := m.Get(history.Keyword("clock-offsets")); ok {
			if offsets, ok = inner.(history.Map); !ok {
				return nil, fmt.Errorf("op %d (%s): :clock-offsets is %s, expected a map of node to seconds", op.Index, op.F, history.FormatEDN(inner))
			}
		} else if op.F != "check-clock-offsets" {
			continue
		}
		for _, e := range offsets {
			node, ok := history.AsString(e.Key)
			if !ok {
				node = history.FormatEDN(e.Key)
			}
			secs, ok := seconds(e.Value)
			if !ok {
				return nil, fmt.Errorf("op %d (%s): offset of node %s is %s, expected a number of seconds", op.Index, op.F, node, history.FormatEDN(e.Value))
			}
			if !math.IsNaN(secs) {
				out = append(out, Sample{Node: node, Time: op.Time, Seconds: secs})
			}
		}
	}
	return out, nil
}

// Of summarises every measured clock offset per node, sorted by node.
func Of(h *history.History) ([]NodeOffsets, error) {
	samples, err := Samples(h)
	if err != nil {
		return nil, err
	}
	by := map[string]*NodeOffsets{}
	for _, s := range samples {
		o := by[s.Node]
		if o == nil {
			o = &NodeOffsets{Node: s.Node, Min: s.Seconds, Max: s.Seconds}
			by[s.Node] = o
		}
		o.Samples++
		o.Min, o.Max, o.Last = min(o.Min, s.Seconds), max(o.Max, s.Seconds), s.Seconds
	}
	out := make([]NodeOffsets, 0, len(by))
	for _, o := range by {
		out = append(out, *o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Node < out[j].Node })
	return out, nil
}

func seconds(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	}
	return 0, false
}

// Checker records the clock offsets in the test's results. Offsets are
// what the faults did, not what the database did wrong, so the verdict is
// always valid (a malformed value is unknown, with the error); the
// details list each node's range and last offset.
func Checker() checker.Checker {
	return checker.Func(func(_ context.Context, h *history.History) checker.Result {
		offs, err := Of(h)
		if err != nil {
			return checker.Result{Valid: checker.Unknown, Error: err.Error()}
		}
		if len(offs) == 0 {
			return checker.Result{Valid: checker.Valid, Summary: "no clock offsets measured"}
		}
		parts := make([]string, len(offs))
		for i, o := range offs {
			parts[i] = fmt.Sprintf("%s %+.3f..%+.3f s", o.Node, o.Min, o.Max)
		}
		return checker.Result{Valid: checker.Valid, Summary: "clock offsets: " + strings.Join(parts, ", "), Details: offs}
	})
}
