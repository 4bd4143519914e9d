// Package offsets summarises the clock offsets the clock nemesis measured
// (read out of a history by faultband.ClockOffsets: check-clock-offsets
// values, and :clock-offsets in other clock ops' values) per node, and
// records them in the test's results. It is pure (history in, data out).
package offsets

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/faultband"
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

// Of summarises every measured clock offset per node, sorted by node.
func Of(h *history.History) ([]NodeOffsets, error) {
	samples, err := faultband.ClockOffsets(h)
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
