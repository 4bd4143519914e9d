package web

import (
	"fmt"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/faultband"
)

// faultsView is the faults a run applied over time, from the nemesis's ops
// in its history, as the plots and the timeline band them (faultband's
// table): a strip per fault family, and the list of bands.
type faultsView struct {
	End    int64 // the history's last op time, ns
	Rows   []faultRow
	Bands  []faultBand
	Active []faultBand // still running at the end of the history
	Error  string
}

type faultRow struct {
	Name, Colour string
	Y            int
	Bands        []faultBand
}

type faultBand struct {
	Fault, Colour        string
	Start, End           int64
	StartIndex, EndIndex int
	Open                 bool
	// X and W place the band on the strip (of stripWidth).
	X, W float64
}

// Size of the fault strip drawn on the run page, in SVG units.
const (
	stripWidth = 1000
	stripRow   = 18
)

// faultsOf computes the fault bands of an indexed history.
func faultsOf(x *histIndex) *faultsView {
	if len(x.nemesis) == 0 {
		return nil
	}
	v := &faultsView{End: x.maxTime}
	h, err := history.New(append([]history.Op(nil), x.nemesis...))
	if err != nil {
		v.Error = fmt.Sprintf("the nemesis's ops do not pair (%v); see the history", err)
		return v
	}
	rowOf := map[string]int{}
	for _, b := range faultband.Default().Bands(h) {
		fb := faultBand{
			Fault: b.Fault, Colour: fmt.Sprintf("#%02x%02x%02x", b.Colour.R, b.Colour.G, b.Colour.B),
			Start: b.Start, End: b.End, StartIndex: b.StartIndex, EndIndex: b.EndIndex, Open: b.Open,
		}
		if fb.Open {
			fb.End = max(fb.End, v.End)
			v.Active = append(v.Active, fb)
		}
		span := float64(max(v.End, 1))
		fb.X = float64(fb.Start) / span * stripWidth
		fb.W = max(float64(fb.End-fb.Start)/span*stripWidth, 1)
		r, ok := rowOf[fb.Fault]
		if !ok {
			r = len(v.Rows)
			rowOf[fb.Fault] = r
			v.Rows = append(v.Rows, faultRow{Name: fb.Fault, Colour: fb.Colour, Y: r * stripRow})
		}
		v.Rows[r].Bands = append(v.Rows[r].Bands, fb)
		v.Bands = append(v.Bands, fb)
	}
	if len(v.Bands) == 0 {
		return nil
	}
	return v
}

// Height is the strip's height in SVG units.
func (v *faultsView) Height() int { return len(v.Rows)*stripRow + 2 }
