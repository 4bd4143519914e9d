package web

import (
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/elle"
	"github.com/faultline/faultline/runstore"
)

// focusRow returns the data-index of the highlighted row of a history
// page, or "" if no row is highlighted (and fails if several are).
func focusRow(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`<tr id="op-(\d+)" data-index="\d+" class="[a-z]+ focus">`).FindAllStringSubmatch(body, -1)
	if len(m) > 1 {
		t.Fatalf("%d rows highlighted, want one", len(m))
	}
	if len(m) == 0 {
		return ""
	}
	return m[0][1]
}

// rowIndexes returns the data-index of every row of a history page.
func rowIndexes(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<tr id="op-\d+" data-index="(\d+)"`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestElleAnomalyLinksEachTransactionToItsHistoryRowAndTimeline(t *testing.T) {
	s := &runstore.Store{Root: t.TempDir()}
	run := elleRun(t, s, t0)
	srv := serve(t, s.Root)
	resp, body := get(t, srv, runURL(run))
	if resp.StatusCode != 200 {
		t.Fatalf("%d\n%s", resp.StatusCode, body)
	}
	// The checker's own report: every transaction of every anomaly it
	// lists must be on the page, linked.
	loaded, err := runstore.Load(run.Dir)
	must(t, err)
	raw, _ := os.ReadFile(run.Path(runstore.ResultsFile))
	doc, err := parseResult(raw)
	must(t, err)
	if loaded.Results.Valid != checker.Invalid || len(doc.Details) == 0 {
		t.Fatalf("fixture: results %v", loaded.Results.Valid)
	}
	f := findingsOf(doc, nil)
	if f.Elle == nil || len(f.Elle.Anomalies) == 0 {
		t.Fatalf("the Elle report was not recognised: %+v", f)
	}
	for _, an := range f.Elle.Anomalies {
		if !strings.Contains(body, "<h4>"+an.Type) {
			t.Errorf("anomaly %s is not shown", an.Type)
		}
		for _, tx := range an.Txns {
			link := `href="` + runURL(run) + "history?op=" + itoa(tx.Index) + "#op-" + itoa(tx.Index) + `"`
			if !strings.Contains(body, link) {
				t.Errorf("%s %s (op %d) has no history link %s", an.Type, tx.Name, tx.Index, link)
			}
			if tl := fileURL(run, "timeline.html") + "?op=" + itoa(tx.Index); !strings.Contains(body, tl) {
				t.Errorf("%s %s has no timeline link %s", an.Type, tx.Name, tl)
			}
		}
	}
	for _, want := range []string{
		// T1 (op 4) as the history has it: keywords stay keywords (the
		// JSON of results.json would have made them strings).
		`[[:r :x []] [:r :y [1]]]`,
		"Ruled out: <b>",
		`<img class="drawing" src="` + fileURL(run, "elle/"),
		// The partition is a fault over time, linked to its ops.
		`<h2 id="faults">Faults</h2>`, "<td>partition</td>",
		`href="` + runURL(run) + `history?op=0#op-0">0</a> - <a href="` + runURL(run) + `history?op=9#op-9">9</a>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("run page lacks %q", want)
		}
	}
	if strings.Contains(body, `[["r" "x"`) {
		t.Errorf("values shown from results.json's JSON, not from the history")
	}

	// Following T1's link lands on op 4, highlighted, its invoke (op 2)
	// marked as its pair.
	_, hist := get(t, srv, runURL(run)+"history?op=4")
	if got := focusRow(t, hist); got != "4" {
		t.Errorf("history?op=4 highlights row %q, want 4", got)
	}
	if !strings.Contains(hist, `<tr id="op-2" data-index="2" class="invoke pair">`) {
		t.Errorf("op 4's invoke (op 2) is not marked as its pair")
	}
}

func TestIndependentCounterexampleLinksToTheKeysOp(t *testing.T) {
	s := &runstore.Store{Root: t.TempDir()}
	run := keyedRun(t, s, t0)
	srv := serve(t, s.Root)
	_, body := get(t, srv, runURL(run))
	// The failing key, linked to its history; the blocked op (the read
	// invoked at op 10, completed at 11 with [:y 1]) linked with its key.
	keyLink := runURL(run) + "history?key=" + url.QueryEscape(":y")
	blocked := runURL(run) + "history?key=" + url.QueryEscape(":y") + "&amp;op=10#op-10"
	for _, want := range []string{
		"2 keys: 1 invalid, 0 unknown, 1 valid.",
		`<a href="` + keyLink + `">:y</a>`,
		`<tr class="invalid"><td>blocked</td><td><a class="op" href="` + blocked + `" data-op="10">op 10</a>`,
		"[:y 1]", // the completion's value, from the history
		"Linearizability against the cas-register model",
		"<td>kill</td>",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("run page lacks %q", want)
		}
	}
	if strings.Contains(body, `<a href="`+runURL(run)+"history?key="+url.QueryEscape(":x")+`">`) {
		t.Errorf("the valid key :x is listed as failing")
	}
	// The link lands on op 10 among :y's ops only.
	_, hist := get(t, srv, runURL(run)+"history?key=:y&op=10")
	if got := focusRow(t, hist); got != "10" {
		t.Errorf("highlighted row %q, want 10", got)
	}
	if got := strings.Join(rowIndexes(hist), ","); got != "1,3,6,7,10,11" {
		t.Errorf("key :y's ops are %s, want 1,3,6,7,10,11", got)
	}
}

func TestDetailsOfAnUnknownCheckerAreShownAsJSON(t *testing.T) {
	s := &runstore.Store{Root: t.TempDir()}
	run, err := s.Create("custom", t0)
	must(t, err)
	must(t, run.WriteResults(checker.Result{Valid: checker.Invalid, Summary: "2 lost", Details: map[string]any{"lost": []int{3, 4}, "note": "<b>not html</b>"}}))
	must(t, run.Finish())
	srv := serve(t, s.Root)
	_, body := get(t, srv, runURL(run))
	if !strings.Contains(body, "&#34;lost&#34;: [\n    3,") || !strings.Contains(body, "&lt;b&gt;not html&lt;/b&gt;") {
		t.Errorf("unknown details not shown as escaped, indented JSON:\n%s", body)
	}
}

func TestFindingsOfComposedResultsNameTheirParts(t *testing.T) {
	rep := &elle.Report{Workload: "list-append", Models: []string{"serializable"}, AnomalyTypes: []string{"G0"},
		Anomalies: []elle.Anomaly{{Type: "G0", Txns: []elle.TxnRef{{Name: "T1", Index: 7, Process: 2, Type: "ok", Value: []any{"x"}}}, Explanation: []string{"T1 < T1"}}}}
	res := checker.Result{Valid: checker.Invalid, Children: map[string]checker.Result{
		"elle":  {Valid: checker.Invalid, Summary: "G0", Details: rep},
		"stats": {Valid: checker.Valid},
	}}
	s := &runstore.Store{Root: t.TempDir()}
	run, err := s.Create("composed", t0)
	must(t, err)
	must(t, run.WriteResults(res))
	writeFile(t, run, "elle/elle/G0-1.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>")
	must(t, run.Finish())
	raw, _ := os.ReadFile(run.Path(runstore.ResultsFile))
	doc, err := parseResult(raw)
	must(t, err)
	f := findingsOf(doc, map[string]bool{})
	if len(f.Children) != 2 || f.Children[0].Name != "elle" || f.Children[0].Elle == nil || f.Children[1].Name != "stats" {
		t.Fatalf("children %+v", f.Children)
	}
	if got := f.Children[0].Elle.Anomalies[0].Txns[0]; got.Index != 7 || got.Value != `["x"]` {
		t.Errorf("T1 read back as %+v", got)
	}
	srv := serve(t, s.Root)
	_, body := get(t, srv, runURL(run))
	// Without a history the value comes from results.json, and the
	// drawing from the part's folder.
	for _, want := range []string{`<span class="badge invalid">invalid</span> elle</h3>`, `op 7</a>`, `[&#34;x&#34;]`, fileURL(run, "elle/elle/G0-1.svg")} {
		if !strings.Contains(body, want) {
			t.Errorf("run page lacks %q", want)
		}
	}
}

func TestResultsOverTheCapAreSummarisedNotLoaded(t *testing.T) {
	s := &runstore.Store{Root: t.TempDir()}
	run, err := s.Create("huge", t0)
	must(t, err)
	big := make([]string, 5000)
	for i := range big {
		big[i] = strings.Repeat("x", 100)
	}
	must(t, run.WriteResults(checker.Result{Valid: checker.Invalid, Summary: "lost 5000 writes", Details: map[string]any{"lost": big}}))
	must(t, run.Finish())
	st, _ := os.Stat(run.Path(runstore.ResultsFile))
	srv := New(s.Root)
	srv.MaxResults = 64 << 10
	hs := serveHandler(t, srv)
	_, body := get(t, hs, "/")
	rs := rows(body)
	if len(rs) != 1 || !strings.Contains(rs[0], `<td class="status">invalid</td>`) || !strings.Contains(rs[0], "over the 64.0 KiB this server loads) lost 5000 writes") {
		t.Errorf("index row of a results file of %d bytes over a 64 KiB cap:\n%s", st.Size(), rs)
	}
	_, body = get(t, hs, runURL(run))
	if !strings.Contains(body, "over the 64.0 KiB this server loads, so its findings are not explained here") || strings.Contains(body, strings.Repeat("x", 100)) {
		t.Errorf("run page of a results file over the cap:\n%.2000s", body)
	}
	// A results file that is not a result is unreadable, not a verdict.
	writeFile(t, run, runstore.ResultsFile, `{"summary": "no verdict here"}`)
	_, body = get(t, hs, "/")
	if !strings.Contains(body, `<td class="status">unreadable results</td>`) || !strings.Contains(body, `no &#34;valid&#34; field`) {
		t.Errorf("a results.json without a verdict:\n%s", rows(body))
	}
}

func TestSummaryCacheRereadsOnlyWhenTheFileChanges(t *testing.T) {
	s := &runstore.Store{Root: t.TempDir()}
	run, err := s.Create("cached", t0)
	must(t, err)
	must(t, run.WriteResults(checker.Result{Valid: checker.Valid, Summary: "first"}))
	root, err := os.OpenRoot(s.Root)
	must(t, err)
	defer root.Close()
	var c summaryCache
	path := "cached/" + filepathBase(run.Dir) + "/" + runstore.ResultsFile
	if got := c.get(root, path, DefaultMaxResults); got.summary != "first" || got.verdict != verdictValid {
		t.Fatalf("first read: %+v", got)
	}
	// Same size, same time, same inode: the cached summary stands (the
	// file is not read again).
	st, _ := os.Stat(run.Path(runstore.ResultsFile))
	b, _ := os.ReadFile(run.Path(runstore.ResultsFile))
	tampered := strings.Replace(string(b), "first", "FIRST", 1)
	f, err := os.OpenFile(run.Path(runstore.ResultsFile), os.O_WRONLY, 0)
	must(t, err)
	_, err = f.WriteAt([]byte(tampered), 0)
	must(t, err)
	must(t, f.Close())
	must(t, os.Chtimes(run.Path(runstore.ResultsFile), st.ModTime(), st.ModTime()))
	if got := c.get(root, path, DefaultMaxResults); got.summary != "first" {
		t.Errorf("an unchanged file was read again: %+v", got)
	}
	// A new modification time invalidates it.
	must(t, os.Chtimes(run.Path(runstore.ResultsFile), st.ModTime().Add(time.Second), st.ModTime().Add(time.Second)))
	if got := c.get(root, path, DefaultMaxResults); got.summary != "FIRST" {
		t.Errorf("a changed file kept its old summary: %+v", got)
	}
}

// TestIndexRequestsDoNotRereadABigResultsFile is the measurement:
// five index requests over a store with a big results.json used to read it
// five times over. Now the first request reads its head, and the others
// use the cached summary.
func TestIndexRequestsDoNotRereadABigResultsFile(t *testing.T) {
	s := &runstore.Store{Root: t.TempDir()}
	run, err := s.Create("huge", t0)
	must(t, err)
	f, err := os.Create(run.Path(runstore.ResultsFile))
	must(t, err)
	_, err = f.WriteString(`{"valid": false, "summary": "lost everything", "details": {"lost": "`)
	must(t, err)
	chunk := strings.Repeat("x", 1<<20)
	for range 24 {
		_, err = f.WriteString(chunk)
		must(t, err)
	}
	_, err = f.WriteString(`"}}`)
	must(t, err)
	must(t, f.Close())
	must(t, run.Finish())
	srv := New(s.Root)
	index := func() string {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		return rec.Body.String()
	}
	index() // warm: templates, the summary
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 5 {
		if body := index(); !strings.Contains(body, "lost everything") || !strings.Contains(body, `<td class="status">invalid</td>`) {
			t.Fatalf("index row of the 24 MiB results file:\n%s", rows(body))
		}
	}
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > 4<<20 {
		t.Errorf("five index requests allocated %d MiB over a 24 MiB results file, want a few KiB each", got>>20)
	}
}
