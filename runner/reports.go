package runner

import (
	"log/slog"

	"github.com/faultline/faultline/history"
)

// writeReports renders the run's plots and timeline into its folder. Failure
// to draw a plot never loses a verdict: it is logged and the run goes on.
func writeReports(dir string, h *history.History, log *slog.Logger) {
	// TODO(report): call report.WriteAll(dir, h) once package report lands.
	_, _, _ = dir, h, log
}
