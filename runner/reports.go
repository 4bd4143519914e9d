package runner

import (
	"log/slog"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/faultband"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/report"
)

// writeReports draws, into the run's folder, what explains the verdict
// (report.WriteVerdict: Elle's anomalies, counterexamples) and the plots
// and timeline of the history, with the test's fault bands. Failure to draw
// never loses a verdict, which is saved already: it is logged and the run
// goes on.
func writeReports(dir string, res checker.Result, h *history.History, faults faultband.Table, log *slog.Logger) {
	files, err := report.WriteVerdict(dir, res)
	if err != nil {
		log.Warn("some verdict reports could not be written", "err", err)
	}
	if len(files) > 0 {
		log.Info("verdict reports written", "files", len(files))
	}
	if h == nil {
		return
	}
	start := time.Now()
	files, err = report.Renderer{Faults: faults}.WriteAll(dir, h)
	if err != nil {
		log.Warn("some reports could not be drawn", "err", err)
	}
	log.Info("reports written", "files", len(files), "took", time.Since(start).Round(time.Millisecond).String())
}
