package report

import (
	"io"
	"math"
	"sort"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/faultline/faultline/history"
)

// minLatencyMS is the floor of the log latency axis: an op that completed in
// the nanosecond it was invoked still needs a positive height.
const minLatencyMS = 1e-3

// quantiles drawn by LatencyQuantiles, each with its own dash pattern.
var quantiles = []struct {
	q      float64
	name   string
	dashes []vg.Length
}{
	{0.5, "p50", nil},
	{0.95, "p95", []vg.Length{vg.Points(6), vg.Points(3)}},
	{0.99, "p99", []vg.Length{vg.Points(2), vg.Points(2)}},
	{1, "max", []vg.Length{vg.Points(8), vg.Points(2), vg.Points(2), vg.Points(2)}},
}

// LatencyRaw plots every completed client operation as a point: x is when it
// was invoked, y how long it took (log scale), one series per f and outcome,
// over the history's fault bands.
func (r Renderer) LatencyRaw(h *history.History, w io.Writer, format Format) error {
	s, fig, _, err := r.clientPlot(h, "Latency (raw)", "latency (ms)", 0)
	if err != nil {
		return err
	}
	lo, hi := math.Inf(1), minLatencyMS
	all := make([]plotter.XYs, len(s.keys))
	for i, k := range s.keys {
		all[i] = make(plotter.XYs, len(s.by[k]))
		for j, x := range s.by[k] {
			pt := plotter.XY{X: seconds(x.start), Y: math.Max(float64(x.latency)/1e6, minLatencyMS)}
			all[i][j] = pt
			lo, hi = math.Min(lo, pt.Y), math.Max(hi, pt.Y)
		}
	}
	fig.logY(lo, hi)
	for i, k := range s.keys {
		sc, err := plotter.NewScatter(all[i])
		if err != nil {
			return err
		}
		sc.GlyphStyle = s.glyph(k)
		fig.add(k.String(), sc, sc)
	}
	return fig.write(w, format)
}

// LatencyQuantiles plots, per time bucket, the median, 95th, 99th percentile
// and maximum latency of the client operations invoked in that bucket, one
// line per f and outcome and quantile, over the fault bands.
func (r Renderer) LatencyQuantiles(h *history.History, w io.Writer, format Format) error {
	s, fig, dt, err := r.clientPlot(h, "Latency quantiles", "latency (ms)", 50)
	if err != nil {
		return err
	}
	lo, hi := math.Inf(1), minLatencyMS
	named := map[seriesKey]bool{}
	for _, k := range s.keys {
		buckets := map[int64][]float64{}
		for _, x := range s.by[k] {
			b := x.start / dt
			buckets[b] = append(buckets[b], math.Max(float64(x.latency)/1e6, minLatencyMS))
		}
		order := make([]int64, 0, len(buckets))
		for b, xs := range buckets {
			sort.Float64s(xs)
			order = append(order, b)
		}
		sort.Slice(order, func(i, j int) bool { return order[i] < order[j] })
		for qi, q := range quantiles {
			var pts plotter.XYs
			var runs []plotter.XYs // lines join only adjacent buckets: a gap means no ops then
			prev := int64(-2)
			for _, b := range order {
				xs := buckets[b]
				if qi+1 < len(quantiles) && rank(len(xs), q.q) == rank(len(xs), quantiles[qi+1].q) {
					continue // too few ops here to tell this quantile from the next one up
				}
				pt := plotter.XY{X: seconds(b*dt + dt/2), Y: quantile(xs, q.q)}
				lo, hi = math.Min(lo, pt.Y), math.Max(hi, pt.Y)
				if prev != b-1 {
					runs = append(runs, nil)
				}
				prev = b
				runs[len(runs)-1] = append(runs[len(runs)-1], pt)
				pts = append(pts, pt)
			}
			if len(pts) == 0 {
				continue
			}
			points, err := plotter.NewScatter(pts)
			if err != nil {
				return err
			}
			points.GlyphStyle = s.glyph(k)
			points.GlyphStyle.Radius = vg.Points(1.5)
			style := s.line(k, q.dashes)
			for _, run := range runs {
				if len(run) > 1 {
					line, err := plotter.NewLine(run)
					if err != nil {
						return err
					}
					line.LineStyle = style
					fig.p.Add(line)
				}
			}
			if !named[k] {
				named[k] = true
				fig.add(k.String(), points, &plotter.Line{LineStyle: s.line(k, nil)}, points)
			} else {
				fig.p.Add(points)
			}
		}
	}
	for _, q := range quantiles {
		fig.addLegend(q.name, quantileThumb(q.dashes))
	}
	fig.logY(lo, hi)
	return fig.write(w, format)
}

// quantileThumb is the legend key of a quantile's dash pattern.
func quantileThumb(dashes []vg.Length) *plotter.Line {
	return &plotter.Line{LineStyle: draw.LineStyle{Color: rgb(0x33, 0x33, 0x33), Width: vg.Points(1), Dashes: dashes}}
}

// clientPlot starts a plot of client operations: it groups the completed
// ones into series, picks a time-bucket width for at most buckets buckets
// (named in the title; 0 for no buckets) and shades the fault bands.
func (r Renderer) clientPlot(h *history.History, title, ylabel string, buckets int) (series, *figure, int64, error) {
	ss, err := samples(h)
	if err != nil {
		return series{}, nil, 0, err
	}
	s := groupSamples(ss)
	if len(s.keys) == 0 {
		return s, nil, 0, errNoClientOps
	}
	end := historyEnd(h)
	var dt int64
	if buckets > 0 {
		dt = bucketWidth(end, buckets)
		title += " (" + durationLabel(dt) + " windows)"
	}
	fig := newFigure(title, ylabel, end)
	fig.setBands(r.faults().Bands(h))
	return s, fig, dt, nil
}

// durationLabel renders a bucket width compactly: 500ms, 2s, 10s.
func durationLabel(ns int64) string {
	switch {
	case ns >= 1e9 && ns%1e9 == 0:
		return itoa(ns/1e9) + "s"
	case ns >= 1e6 && ns%1e6 == 0:
		return itoa(ns/1e6) + "ms"
	case ns >= 1e3 && ns%1e3 == 0:
		return itoa(ns/1e3) + "µs"
	}
	return itoa(ns) + "ns"
}
