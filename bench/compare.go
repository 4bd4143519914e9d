package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/linear"
	"github.com/faultline/faultline/checker/linear/model"
	"github.com/faultline/faultline/history"
)

// Case is one history to compare on.
type Case struct {
	Name    string
	History *history.History
	// Keyed says values are [key value] tuples (the kv model).
	Keyed bool
}

// Row is what one comparison measured: the best of reps runs of each
// checker, and their verdicts.
type Row struct {
	Name                 string
	Ops                  int
	Faultline, Porcupine time.Duration
	FaultlineVerdict     checker.Validity
	PorcupineVerdict     porcupine.CheckResult
}

// Agree reports whether the verdicts are the same.
func (r Row) Agree() bool {
	switch r.PorcupineVerdict {
	case porcupine.Ok:
		return r.FaultlineVerdict == checker.Valid
	case porcupine.Illegal:
		return r.FaultlineVerdict == checker.Invalid
	}
	return r.FaultlineVerdict == checker.Unknown
}

// Ratio is Porcupine's time over Faultline's: above 1, Faultline is faster.
func (r Row) Ratio() float64 { return float64(r.Porcupine) / float64(max(r.Faultline, 1)) }

func (r Row) String() string {
	return fmt.Sprintf("%-28s %9d %12s %12s %7.2fx  %-7s %-7s", r.Name, r.Ops, r.Faultline.Round(time.Microsecond), r.Porcupine.Round(time.Microsecond), r.Ratio(), r.FaultlineVerdict, r.PorcupineVerdict)
}

// Header labels the columns of Row.String.
const Header = "history                            ops    faultline    porcupine   ratio  ours    theirs"

// Compare runs both checkers reps times on c (alternating, in this
// process) and keeps each one's fastest run. Porcupine's time covers only
// its check of operations converted beforehand; Faultline's covers its whole
// Check from the history. timeout bounds each Porcupine run (0: none).
func Compare(c Case, reps int, timeout time.Duration) Row {
	var m model.Model = model.CASRegister(nil)
	if c.Keyed {
		m = model.KV(nil)
	}
	ours := linear.New(m, linear.Options{})
	pm := casRegister(c.Keyed)
	pops := toPorcupine(c.History, c.Keyed)
	row := Row{Name: c.Name, Ops: c.History.Len()}
	for i := range max(reps, 1) {
		ctx, cancel := context.Background(), context.CancelFunc(func() {})
		if timeout > 0 {
			ctx, cancel = context.WithTimeout(ctx, timeout)
		}
		start := time.Now()
		r := ours.Check(ctx, c.History)
		el := time.Since(start)
		cancel()
		if i == 0 || el < row.Faultline {
			row.Faultline = el
		}
		row.FaultlineVerdict = r.Valid

		start = time.Now()
		pr := porcupine.CheckOperationsTimeout(pm, pops, timeout)
		el = time.Since(start)
		if i == 0 || el < row.Porcupine {
			row.Porcupine = el
		}
		row.PorcupineVerdict = pr
	}
	return row
}
