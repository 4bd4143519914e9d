// Package report turns a history and its verdict into the files people look
// at after a run: latency (raw and quantiles), throughput, bank totals and
// clock-offset plots as PNG and SVG, and timeline.html, an interactive view
// of every op, with the fault periods computed from nemesis ops shaded as
// bands on all of them; and the drawings that explain a verdict (Drawings,
// WriteVerdict: counterexamples, Elle's anomalies, rendered by report/elle
// and report/linearizability), chosen here alone for the runner, analyze
// and check.
//
// Everything here is data in, file out: functions read a history or a
// result and write to an io.Writer (or, for WriteAll and WriteVerdict, a
// folder). Checkers never write files; this package is where rendering
// lives, so it may do I/O, but it decides nothing about validity.
package report

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"

	"github.com/faultline/faultline/faultband"
	"github.com/faultline/faultline/history"
)

// Renderer draws reports with a fault table; the zero value uses
// faultband.Default(). A suite that brings fault families of its own
// renders with Renderer{Faults: faultband.Default().With(theirs...)}.
type Renderer struct {
	Faults faultband.Table
}

// LatencyRaw is Renderer{}.LatencyRaw: the latency scatter with the default faults.
func LatencyRaw(h *history.History, w io.Writer, f Format) error {
	return Renderer{}.LatencyRaw(h, w, f)
}

// LatencyQuantiles is Renderer{}.LatencyQuantiles with the default faults.
func LatencyQuantiles(h *history.History, w io.Writer, f Format) error {
	return Renderer{}.LatencyQuantiles(h, w, f)
}

// Rate is Renderer{}.Rate with the default faults.
func Rate(h *history.History, w io.Writer, f Format) error { return Renderer{}.Rate(h, w, f) }

// BankTotals is Renderer{}.BankTotals with the default faults.
func BankTotals(h *history.History, w io.Writer, f Format) error {
	return Renderer{}.BankTotals(h, w, f)
}

// ClockOffsets is Renderer{}.ClockOffsets with the default faults.
func ClockOffsets(h *history.History, w io.Writer, f Format) error {
	return Renderer{}.ClockOffsets(h, w, f)
}

// Timeline is Renderer{}.Timeline with the default faults.
func Timeline(h *history.History, w io.Writer) error { return Renderer{}.Timeline(h, w) }

// WriteAll writes every report that applies to h into dir (which must exist)
// with the default faults, and returns the paths written. See
// Renderer.WriteAll.
func WriteAll(dir string, h *history.History) ([]string, error) {
	return Renderer{}.WriteAll(dir, h)
}

// namedPlot is a plot WriteAll renders, with its file base name.
type namedPlot struct {
	name string
	draw func(*history.History, io.Writer, Format) error
}

// plots are the plots WriteAll renders. A plot that does not apply to a
// history (no client ops, not a bank history, no clock measurements) reports
// one of the errors skip recognises.
func (r Renderer) plots() []namedPlot {
	return []namedPlot{
		{"latency-raw", r.LatencyRaw},
		{"latency-quantiles", r.LatencyQuantiles},
		{"rate", r.Rate},
		{"bank", r.BankTotals},
		{"clock-offsets", r.ClockOffsets},
	}
}

// skip reports whether err only says that a plot does not apply.
func skip(err error) bool {
	return errors.Is(err, errNoClientOps) || errors.Is(err, errNotBank) || errors.Is(err, errNoClockOffsets)
}

// WriteAll writes, into dir, each applicable plot as <name>.png and
// <name>.svg (latency-raw, latency-quantiles, rate, bank, clock-offsets) and
// timeline.html, and returns the paths written in that order. A plot that
// fails does not stop the others: the errors are joined, each naming its file.
// Files are rendered in parallel, one per available CPU: the runner calls this
// at the end of every run, and a 100k-op run has ten images to draw.
func (r Renderer) WriteAll(dir string, h *history.History) ([]string, error) {
	return r.writeAll(dir, h, runtime.GOMAXPROCS(0))
}

// writeAll is WriteAll with a given number of workers.
func (r Renderer) writeAll(dir string, h *history.History, workers int) ([]string, error) {
	type job struct {
		path string
		fill func(io.Writer) error
		err  error
	}
	var jobs []*job
	for _, pl := range r.plots() {
		for _, f := range []Format{PNG, SVG} {
			jobs = append(jobs, &job{
				path: filepath.Join(dir, pl.name+"."+string(f)),
				fill: func(w io.Writer) error { return pl.draw(h, w, f) },
			})
		}
	}
	jobs = append(jobs, &job{path: filepath.Join(dir, "timeline.html"), fill: func(w io.Writer) error { return r.Timeline(h, w) }})

	next := make(chan *job)
	var wg sync.WaitGroup
	for range max(min(workers, len(jobs)), 1) {
		wg.Go(func() {
			for j := range next {
				j.err = writeFile(j.path, j.fill)
			}
		})
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()

	var written []string
	var errs []error
	for _, j := range jobs {
		switch {
		case j.err == nil:
			written = append(written, j.path)
		case skip(j.err):
		default:
			errs = append(errs, j.err)
		}
	}
	return written, errors.Join(errs...)
}

// writeFile creates path and fills it with write; an error names the file.
func writeFile(path string, write func(io.Writer) error) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("%s: %w", path, cerr)
		}
	}()
	if err := write(f); err != nil {
		_ = os.Remove(path) // a half-written plot would look like a real one
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func itoa(x int64) string { return strconv.FormatInt(x, 10) }
