package report

import (
	"errors"
	"fmt"
	"io"
	"math/big"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/faultline/faultline/history"
)

// errNotBank is returned by BankTotals for a history with no bank reads;
// WriteAll skips the plot then.
var errNotBank = errors.New("report: bank totals: the history has no ok :read whose value is an {account balance} map")

// bankRead is the total of one ok read of a bank history.
type bankRead struct {
	time  int64 // completion time
	total float64
}

// bankReads returns the totals of every ok client :read whose value is a map
// of account to balance. A nil balance (an account the read did not find)
// counts as zero, so the total drops and the plot shows it. A balance that is
// not a number is an error naming the op.
func bankReads(h *history.History) ([]bankRead, error) {
	var out []bankRead
	for op := range h.Operations() {
		if !op.Invoke.IsClient() || op.Invoke.F != "read" || op.Outcome() != history.OK {
			continue
		}
		m, ok := op.Complete.Value.(history.Map)
		if !ok {
			continue
		}
		var total float64
		for _, e := range m {
			if e.Value == nil {
				continue
			}
			x, ok := number(e.Value)
			if !ok {
				return nil, fmt.Errorf("report: bank totals: op %d (process %s): balance of account %s is %s, expected a number or nil",
					op.Complete.Index, history.ProcessString(op.Complete.Process), history.FormatEDN(e.Key), history.FormatEDN(e.Value))
			}
			total += x
		}
		out = append(out, bankRead{time: op.Complete.Time, total: total})
	}
	if len(out) == 0 {
		return nil, errNotBank
	}
	return out, nil
}

// number returns an integer or float value as a float64.
func number(v any) (float64, bool) {
	if i, ok := history.AsInt(v); ok {
		return float64(i), true
	}
	switch x := v.(type) {
	case float64:
		return x, true
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f, true
	}
	return 0, false
}

// BankTotals plots the total of every ok read of a bank history over time
// (reads are {account balance} maps). Transfers preserve the total, so in a
// correct run every point lies on one line; totals that differ from the first
// read's are drawn in the fail colour so the eye finds them.
func (r Renderer) BankTotals(h *history.History, w io.Writer, format Format) error {
	reads, err := bankReads(h)
	if err != nil {
		return err
	}
	fig := newFigure("Bank: total of all accounts per read", "total balance", historyEnd(h))
	fig.setBands(r.faults().Bands(h))
	want := reads[0].total
	var same, differ plotter.XYs
	lo, hi := want, want
	for _, rd := range reads {
		pt := plotter.XY{X: seconds(rd.time), Y: rd.total}
		if rd.total == want {
			same = append(same, pt)
		} else {
			differ = append(differ, pt)
		}
		lo, hi = min(lo, rd.total), max(hi, rd.total)
	}
	for _, s := range []struct {
		name   string
		pts    plotter.XYs
		colour history.Type
		shape  draw.GlyphDrawer
	}{
		{"read total = first read's", same, history.OK, draw.CircleGlyph{}},
		{"read total differs", differ, history.Fail, draw.CrossGlyph{}},
	} {
		if len(s.pts) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(s.pts)
		if err != nil {
			return err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: outcomeColours[s.colour], Radius: vg.Points(2.5), Shape: s.shape}
		fig.add(s.name, sc, sc)
	}
	pad := max((hi-lo)*0.1, 1)
	fig.p.Y.Min, fig.p.Y.Max = lo-pad, hi+pad
	return fig.write(w, format)
}
