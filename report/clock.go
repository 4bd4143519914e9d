package report

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"sort"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/faultline/faultline/history"
)

// errNoClockOffsets is returned by ClockOffsets for a history that measured
// no clock offsets; WriteAll skips the plot then.
var errNoClockOffsets = errors.New("report: clock offsets: no nemesis op carries a :clock-offsets map")

// nodeColours tell nodes apart in the clock plot.
var nodeColours = []color.RGBA{
	rgb(0x1f, 0x77, 0xb4), rgb(0xff, 0x7f, 0x0e), rgb(0x2c, 0xa0, 0x2c), rgb(0xd6, 0x27, 0x28),
	rgb(0x94, 0x67, 0xbd), rgb(0x8c, 0x56, 0x4b), rgb(0xe3, 0x77, 0xc2), rgb(0x7f, 0x7f, 0x7f),
	rgb(0xbc, 0xbd, 0x22), rgb(0x17, 0xbe, 0xcf),
}

// clockOffsets collects, per node, the clock offsets (seconds, node clock
// minus control clock) that nemesis ops measured, at the time of the op that
// carried them. An op carries them as a :clock-offsets map in its value
// (Jepsen's clock nemesis adds one to every clock op it completes); a
// check-clock-offsets op may also carry the node->seconds map as its whole
// value.
func clockOffsets(h *history.History) (map[string]plotter.XYs, error) {
	out := map[string]plotter.XYs{}
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
				return nil, fmt.Errorf("report: clock offsets: op %d (nemesis %s): :clock-offsets is %s, expected a map of node to seconds",
					op.Index, op.F, history.FormatEDN(inner))
			}
		} else if op.F != "check-clock-offsets" {
			continue
		}
		for _, e := range offsets {
			node, ok := history.AsString(e.Key)
			if !ok {
				node = history.FormatEDN(e.Key)
			}
			secs, ok := number(e.Value)
			if !ok {
				return nil, fmt.Errorf("report: clock offsets: op %d (nemesis %s): offset of node %s is %s, expected a number of seconds",
					op.Index, op.F, node, history.FormatEDN(e.Value))
			}
			out[node] = append(out[node], plotter.XY{X: seconds(op.Time), Y: secs})
		}
	}
	if len(out) == 0 {
		return nil, errNoClockOffsets
	}
	return out, nil
}

// ClockOffsets plots each node's measured clock offset over time, one line
// per node, over the fault bands (so a clock band lines up with its jump).
func (r Renderer) ClockOffsets(h *history.History, w io.Writer, format Format) error {
	byNode, err := clockOffsets(h)
	if err != nil {
		return err
	}
	nodes := make([]string, 0, len(byNode))
	for n := range byNode {
		nodes = append(nodes, n)
	}
	sort.Strings(nodes)
	fig := newFigure("Clock offsets (node clock minus control clock)", "offset (s)", historyEnd(h))
	fig.setBands(r.faults().Bands(h))
	for i, n := range nodes {
		line, points, err := plotter.NewLinePoints(byNode[n])
		if err != nil {
			return err
		}
		c := nodeColours[i%len(nodeColours)]
		line.LineStyle = draw.LineStyle{Color: c, Width: vg.Points(1.5)}
		points.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(2), Shape: draw.CircleGlyph{}}
		fig.add(n, line, line, points)
		fig.p.Add(points)
	}
	return fig.write(w, format)
}
