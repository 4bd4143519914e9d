package runner

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/elle"
	"github.com/faultline/faultline/checker/independent"
	"github.com/faultline/faultline/checker/linear"
	ellereport "github.com/faultline/faultline/report/elle"
	linreport "github.com/faultline/faultline/report/linearizability"
)

// maxKeyDrawings bounds how many failing independent keys get a drawing:
// the first few explain the bug; thousands would only fill the disk.
const maxKeyDrawings = 10

// writeVerdictReports writes, next to results.json, the drawings that
// explain the verdict wherever the result tree holds one: Elle's anomalies
// (elle/anomalies.txt and a DOT and SVG per cycle) and linearizability
// counterexamples (linear.txt and linear.html, per failing key for
// independent checkers). A composed checker's parts go in subfolders named
// after them. Failure to draw is logged; the verdict is already saved.
func writeVerdictReports(dir string, res checker.Result, log *slog.Logger) {
	var files []string
	var errs []error
	note := func(written []string, err error) {
		files = append(files, written...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	var walk func(sub string, r checker.Result)
	walk = func(sub string, r checker.Result) {
		at := filepath.Join(dir, sub)
		switch d := r.Details.(type) {
		case *elle.Report:
			note(ellereport.WriteFiles(at, r))
		case *linear.Details:
			if d.Counterexample != nil {
				note(writeCounterexample(at, "linear", d.Counterexample))
			}
		case *independent.Details:
			drawn := 0
			for _, k := range d.Keys {
				ld, ok := k.Result.Details.(*linear.Details)
				if !ok || ld.Counterexample == nil || drawn == maxKeyDrawings {
					continue
				}
				drawn++
				note(writeCounterexample(at, "linear-key-"+fileSafe(fmt.Sprint(k.Key)), ld.Counterexample))
			}
		}
		for name, child := range r.Children {
			walk(filepath.Join(sub, fileSafe(name)), child)
		}
	}
	walk("", res)
	if len(errs) > 0 {
		log.Warn("some verdict reports could not be written", "err", errs[0], "failures", len(errs))
	}
	if len(files) > 0 {
		log.Info("verdict reports written", "files", len(files))
	}
}

// writeCounterexample writes name.txt (the terminal explanation) and
// name.html (the timeline) into dir.
func writeCounterexample(dir, name string, ce *linear.Counterexample) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	for _, f := range []struct {
		ext   string
		write func(*bytes.Buffer) error
	}{
		{".txt", func(b *bytes.Buffer) error { return linreport.WriteText(b, ce) }},
		{".html", func(b *bytes.Buffer) error { return linreport.WriteHTML(b, ce) }},
	} {
		var b bytes.Buffer
		if err := f.write(&b); err != nil {
			return paths, err
		}
		p := filepath.Join(dir, name+f.ext)
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// fileSafe turns a checker or key name into a file name part.
func fileSafe(s string) string {
	s = unsafeChars.ReplaceAllString(s, "_")
	if s == "" || s == "." || s == ".." {
		return "_"
	}
	return s
}
