package report

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"sort"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/faultline/faultline/history"
)

// errNoClientOps is returned by plots of client operations when a history has
// none that completed; WriteAll skips such plots.
var errNoClientOps = errors.New("report: the history has no completed client operations to plot")

// sample is one completed client operation as the latency and rate plots see
// it. Operations that never completed have no latency and are left out.
type sample struct {
	key     seriesKey
	start   int64 // invoke time, ns
	end     int64 // completion time, ns
	latency int64 // ns
}

// seriesKey names one series of a plot: an f and an outcome.
type seriesKey struct {
	f       string
	outcome history.Type
}

func (k seriesKey) String() string { return k.f + " " + k.outcome.String() }

// outcomeOrder puts ok before info before fail in legends.
func outcomeOrder(t history.Type) int {
	switch t {
	case history.OK:
		return 0
	case history.Info:
		return 1
	}
	return 2
}

// outcomeColours: ok blue, info orange, fail magenta, as Jepsen colours them
// (so people moving between the two read plots the same way).
var outcomeColours = map[history.Type]color.RGBA{
	history.OK:   rgb(0x1f, 0x6f, 0xc4),
	history.Info: rgb(0xff, 0x9a, 0x00),
	history.Fail: rgb(0xe0, 0x1e, 0x90),
}

// fShapes tell fs apart within one colour; fs get them in sorted order, so
// the same workload draws the same shapes every run.
var fShapes = []draw.GlyphDrawer{
	draw.CircleGlyph{}, draw.TriangleGlyph{}, draw.SquareGlyph{}, draw.CrossGlyph{},
	draw.PlusGlyph{}, draw.RingGlyph{}, draw.PyramidGlyph{}, draw.BoxGlyph{},
}

// samples returns the completed client operations of h. Time runs from the
// start of the test, so a negative time is an error that names the op.
func samples(h *history.History) ([]sample, error) {
	var out []sample
	for op := range h.Operations() {
		if !op.Invoke.IsClient() || !op.Completed {
			continue
		}
		for _, o := range []history.Op{op.Invoke, op.Complete} {
			if o.Time < 0 {
				return nil, fmt.Errorf("report: op %d (process %s): time %d is negative, expected nanoseconds since the test started", o.Index, history.ProcessString(o.Process), o.Time)
			}
		}
		out = append(out, sample{
			key:     seriesKey{f: op.Invoke.F, outcome: op.Complete.Type},
			start:   op.Invoke.Time,
			end:     op.Complete.Time,
			latency: op.Complete.Time - op.Invoke.Time,
		})
	}
	return out, nil
}

// series groups samples by key; keys come sorted by f, then outcome.
type series struct {
	keys   []seriesKey
	by     map[seriesKey][]sample
	shapes map[string]draw.GlyphDrawer
}

func groupSamples(ss []sample) series {
	s := series{by: map[seriesKey][]sample{}, shapes: map[string]draw.GlyphDrawer{}}
	for _, x := range ss {
		if _, ok := s.by[x.key]; !ok {
			s.keys = append(s.keys, x.key)
		}
		s.by[x.key] = append(s.by[x.key], x)
	}
	sort.Slice(s.keys, func(i, j int) bool {
		a, b := s.keys[i], s.keys[j]
		if a.f != b.f {
			return a.f < b.f
		}
		return outcomeOrder(a.outcome) < outcomeOrder(b.outcome)
	})
	for _, k := range s.keys {
		if _, ok := s.shapes[k.f]; !ok {
			s.shapes[k.f] = fShapes[len(s.shapes)%len(fShapes)]
		}
	}
	return s
}

// glyph is the point style of a series.
func (s series) glyph(k seriesKey) draw.GlyphStyle {
	return draw.GlyphStyle{Color: outcomeColours[k.outcome], Radius: vg.Points(2), Shape: s.shapes[k.f]}
}

// line is the line style of a series.
func (s series) line(k seriesKey, dashes []vg.Length) draw.LineStyle {
	return draw.LineStyle{Color: outcomeColours[k.outcome], Width: vg.Points(1), Dashes: dashes}
}

// historyEnd is the time of the history's last op.
func historyEnd(h *history.History) int64 {
	var end int64
	for _, op := range h.All() {
		end = max(end, op.Time)
	}
	return end
}

// bucketWidth picks a round time-bucket width (1, 2 or 5 times a power of
// ten nanoseconds, at least 1 ms) that cuts a history of the given length
// into at most n buckets: enough to show change, few enough that each
// bucket holds several ops.
func bucketWidth(end int64, n int) int64 {
	target := math.Max(float64(end)/float64(n), 1e6)
	p := math.Pow(10, math.Floor(math.Log10(target)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= target {
			return int64(m * p)
		}
	}
	return int64(10 * p)
}

// quantile returns the q-quantile of sorted xs by the nearest-rank method.
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	return sorted[rank(len(sorted), q)]
}

// rank is the position of the q-quantile among n sorted values.
func rank(n int, q float64) int {
	return min(max(int(math.Ceil(q*float64(n)))-1, 0), n-1)
}
