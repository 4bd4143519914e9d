package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/runstore"
)

// indexPage is the data of the index: every run (or those the filters
// keep), newest first, a page at a time.
type indexPage struct {
	Root     string
	Test     string // the ?test= filter, "" for all
	Status   string // the ?status= filter, "" for all
	Page     int
	Tests    []string
	Statuses []string
	Runs     []runInfo
	Pager    pager
	// Live is set when a run shown is running: the page reloads itself.
	Live bool
}

// pager is the paging of a list: Page of Pages, Limit per page, Total
// items; Link builds the address of another page.
type pager struct {
	Page, Pages, Limit, Total int
	Link                      func(page int) string
}

// PageLink is the address of page p, "" if there is no such page.
func (p pager) PageLink(n int) string {
	if n < 1 || n > p.Pages || n == p.Page {
		return ""
	}
	return p.Link(n)
}

// Prev, Next and LastPage help the templates.
func (p pager) Prev() int { return p.Page - 1 }
func (p pager) Next() int { return p.Page + 1 }

// index lists the runs of the store newest first: ?test=NAME keeps one
// test's, ?status=S those with that status (valid, invalid, unknown,
// running, crashed, no results), ?limit and ?page page through them.
func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page := indexPage{Root: s.Root, Test: q.Get("test"), Status: q.Get("status"), Statuses: statuses}
	if page.Status != "" && !slices.Contains(statuses, page.Status) {
		badRequest(w, badParam("status", page.Status, strings.Join(statuses, ", ")))
		return
	}
	limit, err := parseCount(q, "limit", DefaultPageSize, 1, MaxPageSize)
	if err == nil {
		page.Page, err = parseCount(q, "page", 1, 1, math.MaxInt32)
	}
	if err != nil {
		badRequest(w, err)
		return
	}
	s.withRoot(w, func(root *os.Root) {
		all, err := listRuns(root, "")
		if err != nil {
			notFound(w, "store folder "+s.Root+" cannot be read: "+err.Error())
			return
		}
		page.Tests = testNames(all)
		current := currentRun(s.Root)
		var kept []runInfo
		for _, ref := range all {
			if page.Test != "" && ref.Test != page.Test {
				continue
			}
			ri := s.info(root, ref, current)
			if page.Status == "" || ri.Verdict == page.Status {
				kept = append(kept, ri)
			}
		}
		page.Pager = pager{Page: page.Page, Limit: limit, Total: len(kept), Pages: max(1, (len(kept)+limit-1)/limit)}
		page.Pager.Link = func(n int) string {
			return "/?" + encodeQuery("test", page.Test, "status", page.Status, "limit", limitParam(limit), "page", fmt.Sprint(n))
		}
		if page.Page > page.Pager.Pages {
			notFound(w, fmt.Sprintf("page %d does not exist: %d runs match, %d pages of %d", page.Page, len(kept), page.Pager.Pages, limit))
			return
		}
		page.Runs = kept[(page.Page-1)*limit : min(page.Page*limit, len(kept))]
		for _, ri := range page.Runs {
			page.Live = page.Live || ri.Live()
		}
		render(w, "index", page)
	})
}

// limitParam is the limit as a URL parameter: "" for the default.
func limitParam(limit int) string {
	if limit == DefaultPageSize {
		return ""
	}
	return fmt.Sprint(limit)
}

// encodeQuery builds a query string from name/value pairs, leaving out
// empty values, in the order given.
func encodeQuery(pairs ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(pairs[i]) + "=" + url.QueryEscape(pairs[i+1]))
	}
	return b.String()
}

// badRequest answers 400 with what was wrong.
func badRequest(w http.ResponseWriter, err error) {
	http.Error(w, "400 bad request: "+err.Error(), http.StatusBadRequest)
}

// plot is one drawing of the run folder shown inline: Src is the file the
// page shows (the PNG when there is one, it is lighter to draw), Alt the
// other format if the run has it.
type plot struct {
	Name, Src, Alt string
}

// runPage is the data of one run's page.
type runPage struct {
	runInfo
	// Config is config.json indented; ConfigNote says why it is missing.
	Config     string
	ConfigNote string
	// Findings explain the results; ResultsNote says why they are not
	// shown (too big, unreadable).
	Findings    *finding
	ResultsNote string
	// Counts, Faults and HistoryNote come from the history index.
	Counts      *opCounts
	Faults      *faultsView
	HistoryNote string
	Plots       []plot
	Explain     []fileEntry
	Logs        []logView
	Files       []fileEntry
}

// Run is the run the page shows (for the templates).
func (p runPage) Run() runInfo { return p.runInfo }

// opCounts are a history's ops by type, and its length in time.
type opCounts struct {
	Total, Invoke, OK, Fail, Info, Processes int
	Last                                     int64 // the latest op time, ns
}

// runPage shows one run: its status and verdict, the findings that explain
// the verdict (every op they name linked), counts and faults from the
// history, plots, configuration, logs and every file. A run in progress
// reloads itself every few seconds, so its counts and faults grow.
func (s *Server) runPage(w http.ResponseWriter, r *http.Request) {
	s.withRunFiles(w, r, func(root *os.Root, ref runRef, files []fileEntry) {
		page := runPage{runInfo: s.info(root, ref, currentRun(s.Root)), Files: files}
		page.Config, page.ConfigNote = readConfig(root, ref)
		page.Plots = plots(files)
		page.Explain = explanations(files)
		page.Logs = logs(root, ref, files)
		s.addFindings(root, ref, &page, files)
		render(w, "run", page)
	})
}

// addFindings reads the results (within the cap) and the history index,
// and fills in the findings, counts and faults; each of these failing only
// leaves a note on the page.
func (s *Server) addFindings(root *os.Root, ref runRef, page *runPage, files []fileEntry) {
	if page.ResultsBig {
		page.ResultsNote = fmt.Sprintf("results.json is %s, over the %s this server loads, so its findings are not explained here; the verdict and summary above come from its first bytes.", size(page.ResultsSize), size(s.maxResults()))
	} else if b, _, err := readRegular(root, ref.Rel()+"/"+runstore.ResultsFile, s.maxResults()); err == nil {
		if doc, err := parseResult(b); err != nil {
			page.ResultsNote = err.Error()
		} else {
			have := make(map[string]bool, len(files))
			for _, f := range files {
				have[f.Name] = true
			}
			f := findingsOf(doc, have)
			page.Findings = &f
		}
	} else if !isNotExist(err) {
		page.ResultsNote = err.Error()
	}
	h, err := s.hist.acquire(root, ref)
	if err != nil {
		if err != errNoHistory {
			page.HistoryNote = err.Error()
		}
		return
	}
	defer h.close()
	page.Counts = h.opCounts()
	page.Faults = h.faults()
	if h.stopped != nil {
		page.HistoryNote = "The history could not be read to its end: " + h.stopped.Error() + "; the ops before it are counted and shown."
	}
	if page.Findings != nil {
		ops, err := h.opsByIndex(h.file, page.Findings.opIndexes())
		if err != nil {
			page.HistoryNote = err.Error()
			return
		}
		page.Findings.fillFromHistory(ops)
		page.Findings.renameKeys(h.keyName)
	}
}

// opCounts sums up an index for the run page.
func (x *histIndex) opCounts() *opCounts {
	return &opCounts{
		Total: x.Len(), Invoke: x.counts[history.Invoke], OK: x.counts[history.OK], Fail: x.counts[history.Fail],
		Info: x.counts[history.Info], Processes: len(x.procs), Last: x.maxTime,
	}
}

// maxConfig bounds the config.json a run page shows.
const maxConfig = 4 << 20

// readConfig returns config.json indented for reading, keeping the order of
// its keys (decoding into a map would sort them), or a note saying why
// there is none to show.
func readConfig(root *os.Root, ref runRef) (config, note string) {
	b, _, err := readRegular(root, ref.Rel()+"/"+runstore.ConfigFile, maxConfig)
	if isNotExist(err) {
		return "", "This run has no " + runstore.ConfigFile + "."
	}
	if err != nil {
		return "", err.Error()
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return string(b), runstore.ConfigFile + " is not valid JSON (" + err.Error() + "); shown as it is."
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
