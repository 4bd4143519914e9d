package web

import (
	"fmt"

	"github.com/faultline/faultline/faultband"
	"github.com/faultline/faultline/history"
)

// faultsView is the faults a run applied over time, from the nemesis's ops
// in its history, as the plots and the timeline band them (faultband's
// table): a strip per fault family, and the list of bands.
type faultsView struct {
	End    int64 // the history's last op time, ns
	Rows   []faultRow
	Bands  []faultBand // the first maxBandRows, for the table
	More   int         // bands beyond those
	Active []faultBand // still running at the end of the history
	Error  string
}

type faultRow struct {
	Name, Colour string
	Y            int
	// Rects are the row's bands on the strip; bands closer than a unit of
	// the strip are drawn as one, so a run with thousands of faults draws
	// no more rectangles than the strip has room for.
	Rects []faultBand
}

type faultBand struct {
	Fault, Colour        string
	Start, End           int64
	StartIndex, EndIndex int
	Open                 bool
	// X and W place the band on the strip (of stripWidth); Count is how
	// many bands a drawn rectangle stands for.
	X, W  float64
	Count int
}

// Size of the fault strip drawn on the run page, in SVG units, and the most
// bands the page lists.
const (
	stripWidth  = 1000
	stripRow    = 18
	maxBandRows = 100
)

// faults returns the fault bands of the indexed history, computed once per
// length of the index (a growing journal recomputes them).
func (x *histIndex) faults() *faultsView {
	if !x.faultsKnown || x.faultsAt != x.Len() {
		x.faultsView, x.faultsAt, x.faultsKnown = faultsOf(x.nemesis, x.maxTime), x.Len(), true
	}
	return x.faultsView
}

// faultsOf computes the fault bands of a history's nemesis ops; end is the
// time of the history's last op.
func faultsOf(nemesis []history.Op, end int64) *faultsView {
	if len(nemesis) == 0 {
		return nil
	}
	v := &faultsView{End: end}
	h, err := history.New(append([]history.Op(nil), nemesis...))
	if err != nil {
		v.Error = fmt.Sprintf("the nemesis's ops do not pair (%v); see the history", err)
		return v
	}
	rowOf := map[string]int{}
	span := float64(max(end, 1))
	for _, b := range faultband.Default().Bands(h) {
		fb := faultBand{
			Fault: b.Fault, Colour: fmt.Sprintf("#%02x%02x%02x", b.Colour.R, b.Colour.G, b.Colour.B),
			Start: b.Start, End: b.End, StartIndex: b.StartIndex, EndIndex: b.EndIndex, Open: b.Open, Count: 1,
		}
		if fb.Open {
			fb.End = max(fb.End, end)
			v.Active = append(v.Active, fb)
		}
		fb.X = float64(fb.Start) / span * stripWidth
		fb.W = max(float64(fb.End-fb.Start)/span*stripWidth, 1)
		r, ok := rowOf[fb.Fault]
		if !ok {
			r = len(v.Rows)
			rowOf[fb.Fault] = r
			v.Rows = append(v.Rows, faultRow{Name: fb.Fault, Colour: fb.Colour, Y: r * stripRow})
		}
		row := &v.Rows[r]
		if n := len(row.Rects); n > 0 && fb.X <= row.Rects[n-1].X+row.Rects[n-1].W+1 {
			last := &row.Rects[n-1]
			last.W = max(last.W, fb.X+fb.W-last.X)
			last.Count++
		} else {
			row.Rects = append(row.Rects, fb)
		}
		if len(v.Bands) < maxBandRows {
			v.Bands = append(v.Bands, fb)
		} else {
			v.More++
		}
	}
	if len(v.Bands) == 0 {
		return nil
	}
	return v
}

// Height is the strip's height in SVG units.
func (v *faultsView) Height() int { return len(v.Rows)*stripRow + 2 }
