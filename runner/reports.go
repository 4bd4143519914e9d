package runner

import (
	"log/slog"
	"time"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/report"
)

// writeReports renders the run's plots and timeline into its folder. Failure
// to draw a plot never loses a verdict: it is logged and the run goes on.
func writeReports(dir string, h *history.History, log *slog.Logger) {
	if h == nil {
		return
	}
	start := time.Now()
	files, err := report.WriteAll(dir, h)
	if err != nil {
		log.Warn("some reports could not be drawn", "err", err)
	}
	log.Info("reports written", "files", len(files), "took", time.Since(start).Round(time.Millisecond).String())
}
