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

	"github.com/faultline/faultline/faultband"
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
// carried them (faultband.ClockOffsets says which ops carry them).
func clockOffsets(h *history.History) (map[string]plotter.XYs, error) {
	samples, err := faultband.ClockOffsets(h)
	if err != nil {
		return nil, fmt.Errorf("report: clock offsets: %w", err)
	}
	out := map[string]plotter.XYs{}
	for _, s := range samples {
		out[s.Node] = append(out[s.Node], plotter.XY{X: seconds(s.Time), Y: s.Seconds})
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
