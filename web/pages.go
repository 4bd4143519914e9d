package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/faultline/faultline/store"
)

// indexPage is the data of the index: every run (or one test's), newest
// first.
type indexPage struct {
	Root  string
	Test  string   // the ?test= filter, "" for all
	Tests []string // every test name, for the filter links
	Runs  []runInfo
}

// index lists every run of the store, newest first, or one test's runs with
// ?test=NAME.
func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	s.withRoot(w, func(root *os.Root) {
		all, err := listRuns(root, "")
		if err != nil {
			notFound(w, "store folder "+s.Root+" cannot be read: "+err.Error())
			return
		}
		page := indexPage{Root: s.Root, Test: r.URL.Query().Get("test"), Tests: testNames(all)}
		current := currentRun(s.Root)
		for _, ref := range all {
			if page.Test == "" || ref.Test == page.Test {
				page.Runs = append(page.Runs, s.info(root, ref, current))
			}
		}
		render(w, "index", page)
	})
}

// runPage is the data of one run's page.
type runPage struct {
	runInfo
	// Config is config.json indented; ConfigNote says why it is missing.
	Config     string
	ConfigNote string
	Children   []childResult
	Plots      []plot
	Explain    []fileEntry
	Files      []fileEntry
}

// childResult is one part of a composed checker's result.
type childResult struct {
	Name, Verdict, Summary string
}

// plot is one drawing of the run folder shown inline: Src is the file the
// page shows (the PNG when there is one, it is lighter to draw), Alt the
// other format if the run has it.
type plot struct {
	Name, Src, Alt string
}

// runPage shows one run: verdict, summary, checker parts, configuration,
// plots inline, the drawings that explain the verdict, and every file.
func (s *Server) runPage(w http.ResponseWriter, r *http.Request) {
	s.withRunFiles(w, r, func(root *os.Root, ref runRef, files []fileEntry) {
		page := runPage{runInfo: s.info(root, ref, currentRun(s.Root)), Files: files}
		page.Config, page.ConfigNote = readConfig(root, ref)
		page.Children = children(page.runInfo)
		page.Plots = plots(files)
		page.Explain = explanations(files)
		render(w, "run", page)
	})
}

// readConfig returns config.json indented for reading, keeping the order of
// its keys (decoding into a map would sort them), or a note saying why
// there is none to show.
func readConfig(root *os.Root, ref runRef) (config, note string) {
	b, err := root.ReadFile(ref.Rel() + "/" + store.ConfigFile)
	if errors.Is(err, fs.ErrNotExist) {
		return "", "This run has no " + store.ConfigFile + "."
	}
	if err != nil {
		return "", err.Error()
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return string(b), store.ConfigFile + " is not valid JSON (" + err.Error() + "); shown as it is."
	}
	return unescapeHTML(out.String()), ""
}

// unescapeHTML undoes encoding/json's \u003c, \u003e and \u0026 escapes, so
// "<redacted>" reads as written (html/template escapes the page itself).
// Every backslash in JSON starts an escape, so copying each other escape
// whole keeps an escaped backslash followed by "u003c" as it is.
func unescapeHTML(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch rest := s[i+1:]; {
		case strings.HasPrefix(rest, "u003c"):
			b.WriteByte('<')
		case strings.HasPrefix(rest, "u003e"):
			b.WriteByte('>')
		case strings.HasPrefix(rest, "u0026"):
			b.WriteByte('&')
		default:
			b.WriteString(s[i : i+2])
			i++
			continue
		}
		i += 5
	}
	return b.String()
}

// children lists the parts of a composed result by name.
func children(ri runInfo) []childResult {
	if ri.Result == nil {
		return nil
	}
	var out []childResult
	for name, c := range ri.Result.Children {
		sum := c.Summary
		if sum == "" {
			sum = c.Error
		}
		out = append(out, childResult{Name: name, Verdict: verdictOf(c.Valid), Summary: sum})
	}
	slices.SortFunc(out, func(a, b childResult) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// plots picks the drawings at the top of the run folder (report.WriteAll's
// latency, rate, bank and clock plots, each as PNG and SVG), one per name.
// Drawings in subfolders explain a verdict and are listed with those.
func plots(files []fileEntry) []plot {
	byName := map[string]*plot{}
	var order []string
	for _, f := range files {
		ext := path.Ext(f.Name)
		if strings.Contains(f.Name, "/") || (ext != ".png" && ext != ".svg") {
			continue
		}
		base := strings.TrimSuffix(f.Name, ext)
		p := byName[base]
		if p == nil {
			p = &plot{Name: base}
			byName[base] = p
			order = append(order, base)
		}
		if ext == ".png" {
			p.Src, p.Alt = f.Name, p.Src
		} else if p.Src == "" {
			p.Src = f.Name
		} else {
			p.Alt = f.Name
		}
	}
	out := make([]plot, 0, len(order))
	for _, n := range order {
		out = append(out, *byName[n])
	}
	return out
}

// explanations picks the files that explain a verdict, wherever a composed
// checker put them: the timeline, linearizability counterexamples
// (linear*.txt, linear*.html) and Elle's anomalies (elle/anomalies.txt and
// a drawing per cycle).
func explanations(files []fileEntry) []fileEntry {
	var out []fileEntry
	for _, f := range files {
		base, dir := path.Base(f.Name), path.Base(path.Dir(f.Name))
		ext := path.Ext(base)
		switch {
		case f.Name == "timeline.html",
			strings.HasPrefix(base, "linear") && (ext == ".html" || ext == ".txt"),
			dir == "elle" && (base == "anomalies.txt" || ext == ".svg"):
			out = append(out, f)
		}
	}
	return out
}

// render executes a page template into a buffer first, so a template error
// is a clean 500 rather than half a page.
func render(w http.ResponseWriter, name string, data any) {
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, name, data); err != nil {
		http.Error(w, "rendering "+name+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}
