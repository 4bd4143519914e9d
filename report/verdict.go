package report

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/elle"
	"github.com/faultline/faultline/checker/independent"
	"github.com/faultline/faultline/checker/linear"
	ellereport "github.com/faultline/faultline/report/elle"
	linreport "github.com/faultline/faultline/report/linearizability"
)

// The drawings of a linearizability counterexample, as Drawings names them
// for a result whose own details hold one: the terminal explanation and the
// HTML timeline.
const (
	LinearText     = "linear.txt"
	LinearTimeline = "linear.html"
)

// maxKeyDrawings bounds how many failing independent keys get a drawing:
// the first few explain the bug; thousands would only fill the disk.
const maxKeyDrawings = 10

// Drawing is one file that explains a verdict: Name is its path under the
// folder it goes to (slash-separated), Write fills it.
type Drawing struct {
	Name  string
	Write func(io.Writer) error
}

// Drawings lists the files that explain res, wherever its tree of results
// holds an explanation: for an Elle report, elle/anomalies.txt and a DOT
// and SVG drawing per cycle (elle/<type>-<n>.dot, .svg); for a
// linearizability counterexample, linear.txt and linear.html; for the
// failing keys of an independent checker (the first ten), the same per key
// (linear-key-<key>.txt, .html). A composed result's parts go in subfolders
// named after them, in name order. A result that explains nothing has no
// drawings.
//
// This is the one place that decides which drawings a verdict gets: the
// runner, analyze and check all come here.
func Drawings(res checker.Result) []Drawing {
	var out []Drawing
	var walk func(dir string, r checker.Result)
	walk = func(dir string, r checker.Result) {
		for _, d := range ownDrawings(r) {
			d.Name = path.Join(dir, d.Name)
			out = append(out, d)
		}
		names := make([]string, 0, len(r.Children))
		for name := range r.Children {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			walk(path.Join(dir, fileSafe(name)), r.Children[name])
		}
	}
	walk("", res)
	return out
}

// ownDrawings are the drawings of r's own details, not its children's.
func ownDrawings(r checker.Result) []Drawing {
	switch d := r.Details.(type) {
	case *elle.Report:
		return elleDrawings(r, d)
	case *linear.Details:
		if d.Counterexample != nil {
			return counterexample("linear", d.Counterexample)
		}
	case *independent.Details:
		var out []Drawing
		drawn := 0
		for _, k := range d.Keys {
			ld, ok := k.Result.Details.(*linear.Details)
			if !ok || ld.Counterexample == nil {
				continue
			}
			if drawn == maxKeyDrawings {
				break
			}
			drawn++
			out = append(out, counterexample("linear-key-"+fileSafe(fmt.Sprint(k.Key)), ld.Counterexample)...)
		}
		return out
	}
	return nil
}

// elleDrawings are the text account of an Elle result and a drawing of
// each anomaly that has steps (a cycle).
func elleDrawings(r checker.Result, rep *elle.Report) []Drawing {
	out := []Drawing{{Name: "elle/anomalies.txt", Write: func(w io.Writer) error { return ellereport.Text(w, r) }}}
	count := map[string]int{}
	for _, an := range rep.Anomalies {
		if len(an.Steps) == 0 {
			continue
		}
		count[an.Type]++
		base := fmt.Sprintf("elle/%s-%d", fileSafe(an.Type), count[an.Type])
		out = append(out,
			Drawing{Name: base + ".dot", Write: func(w io.Writer) error { _, err := io.WriteString(w, ellereport.DOT(an)); return err }},
			Drawing{Name: base + ".svg", Write: func(w io.Writer) error { _, err := w.Write(ellereport.SVG(an)); return err }})
	}
	return out
}

// counterexample is name.txt (the terminal explanation) and name.html (the
// timeline) of a linearizability counterexample.
func counterexample(name string, ce *linear.Counterexample) []Drawing {
	return []Drawing{
		{Name: name + ".txt", Write: func(w io.Writer) error { return linreport.WriteText(w, ce) }},
		{Name: name + ".html", Write: func(w io.Writer) error { return linreport.WriteHTML(w, ce) }},
	}
}

// WriteVerdict writes the drawings that explain res (see Drawings) into
// dir, creating the subfolders they need, and returns the paths written.
// A drawing that fails does not stop the others: the errors are joined,
// each naming its file.
func WriteVerdict(dir string, res checker.Result) ([]string, error) {
	var written []string
	var errs []error
	for _, d := range Drawings(res) {
		p := filepath.Join(dir, filepath.FromSlash(d.Name))
		err := os.MkdirAll(filepath.Dir(p), 0o755)
		if err == nil {
			err = writeFile(p, d.Write)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		written = append(written, p)
	}
	return written, errors.Join(errs...)
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// fileSafe turns a checker, key or anomaly name into a file name part.
func fileSafe(s string) string {
	s = unsafeChars.ReplaceAllString(s, "_")
	if s == "" || s == "." || s == ".." {
		return "_"
	}
	return s
}
