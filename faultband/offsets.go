package faultband

import (
	"fmt"
	"math"

	"github.com/faultline/faultline/history"
)

// ClockOffset is one measured clock offset: a node's clock minus the
// control node's, in seconds, at the time (ns since the test began) of the
// op that carried it.
type ClockOffset struct {
	Node    string
	Time    int64
	Seconds float64
}

// ClockOffsets reads every clock offset the clock nemesis measured, in
// history order: completions of check-clock-offsets, whose value is the
// node -> seconds map, and other nemesis ops' :clock-offsets (every clock
// fault measures after it acts). A node that could not be read at that
// moment (NaN) gives no offset. A value that is not a map of node to number
// is an error naming the op.
func ClockOffsets(h *history.History) ([]ClockOffset, error) {
	var out []ClockOffset
	for _, op := range h.All() {
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
		} else if op.F != CheckClockOffsets {
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
				out = append(out, ClockOffset{Node: node, Time: op.Time, Seconds: secs})
			}
		}
	}
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
