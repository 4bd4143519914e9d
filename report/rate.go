package report

import (
	"io"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/faultline/faultline/history"
)

// Rate plots throughput: completed client operations per second in each time
// bucket, by completion time, one line per f and outcome, over the fault
// bands. Buckets with no completions count as zero, so an outage shows as a
// drop to the axis.
func (r Renderer) Rate(h *history.History, w io.Writer, format Format) error {
	s, fig, dt, err := r.clientPlot(h, "Throughput", "operations per second", 100)
	if err != nil {
		return err
	}
	n := historyEnd(h)/dt + 1
	for _, k := range s.keys {
		counts := make([]int, n)
		for _, x := range s.by[k] {
			counts[x.end/dt]++
		}
		pts := make(plotter.XYs, n)
		for b := range pts {
			pts[b].X = seconds(int64(b)*dt + dt/2)
			pts[b].Y = float64(counts[b]) / seconds(dt)
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return err
		}
		line.LineStyle = s.line(k, nil)
		points.GlyphStyle = s.glyph(k)
		points.GlyphStyle.Radius = vg.Points(1.5)
		fig.add(k.String(), line, line, points)
		fig.p.Add(points)
	}
	fig.p.Y.Min = 0
	return fig.write(w, format)
}
