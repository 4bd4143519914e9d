package web

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/report"
	"github.com/faultline/faultline/runstore"
)

// fixture is a real store written through the runstore package: a finished
// valid run and a finished invalid run of "register", a crashed run of
// "bank" (streamed history, no results, the heartbeat of a process that is
// gone) and a "bank" run in progress (heartbeat of this test's process)
// that store/current points at.
type fixture struct {
	root                       string
	valid, invalid, crashed    *runstore.Run
	running                    *runstore.Run
	outside                    string // a folder outside the store with a secret in it
	validURL, invalidURL       string
	crashedURL, runningURL     string
	validHistory, validResults []byte
}

const secret = "TOP-SECRET-OUTSIDE-THE-STORE"

var t0 = time.Date(2026, 1, 25, 12, 0, 0, 0, time.UTC)

// registerOps is a small read/write history: n writes and reads.
func registerOps(n int) []history.Op {
	var ops []history.Op
	for i := range n {
		f, v := "write", any(int64(i))
		if i%2 == 1 {
			f = "read"
		}
		tm := int64(i) * 1e7
		ops = append(ops,
			history.Op{Index: len(ops), Time: tm, Type: history.Invoke, Process: i % 3, F: f, Value: v},
			history.Op{Index: len(ops) + 1, Time: tm + 5e6, Type: history.OK, Process: i % 3, F: f, Value: v})
	}
	return ops
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// finishedRun writes a run that got to the end: history, results, config,
// run.log, a node log folder, and (for draw) the real plots and timeline.
func finishedRun(t *testing.T, s *runstore.Store, test string, start time.Time, res checker.Result, draw bool) *runstore.Run {
	t.Helper()
	run, err := s.Create(test, start)
	must(t, err)
	ops := registerOps(10)
	must(t, run.WriteHistory(ops))
	must(t, run.WriteResults(res))
	must(t, run.WriteConfig(map[string]any{"name": test, "nodes": []string{"n1", "n2"}, "password": "hunter2"}))
	must(t, os.WriteFile(run.Path(runstore.LogFile), []byte("run started\nrun ended\n"), 0o644))
	dir, err := run.NodeDir("n1")
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, "etcd.log"), []byte("<html>not a page, a log line\n"), 0o644))
	if draw {
		h, err := history.New(ops)
		must(t, err)
		_, err = report.WriteAll(run.Dir, h)
		must(t, err)
	}
	must(t, run.Finish())
	return run
}

// streamedRun starts a run and journals a few ops without finishing it.
func streamedRun(t *testing.T, s *runstore.Store, test string, start time.Time) *runstore.Run {
	t.Helper()
	run, err := s.Create(test, start)
	must(t, err)
	j, err := run.OpenJournal(runstore.JournalOptions{})
	must(t, err)
	for _, op := range registerOps(3) {
		must(t, j.Append(op))
	}
	must(t, j.Close())
	return run
}

// beating gives run the heartbeat of this (live) process until the test ends.
func beating(t *testing.T, run *runstore.Run) {
	t.Helper()
	beat, err := run.StartHeartbeat(50 * time.Millisecond)
	must(t, err)
	t.Cleanup(func() { _ = beat.Stop() })
}

// deadBeat leaves run the heartbeat of a process that is gone: this
// machine, this boot, this pid, but another process start time (as a
// reused pid would have).
func deadBeat(t *testing.T, run *runstore.Run) {
	t.Helper()
	beat, err := run.StartHeartbeat(time.Hour)
	must(t, err)
	b, err := os.ReadFile(run.Path(runstore.HeartbeatFile))
	must(t, err)
	hb, err := runstore.ParseHeartbeat(b)
	must(t, err)
	hb.ProcStart++
	b, err = json.Marshal(hb)
	must(t, err)
	// Stop first (it removes the file), then leave the dead owner's file.
	must(t, beat.Stop())
	must(t, os.WriteFile(run.Path(runstore.HeartbeatFile), b, 0o644))
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{root: t.TempDir(), outside: t.TempDir()}
	s := &runstore.Store{Root: f.root}
	f.valid = finishedRun(t, s, "register", t0, checker.Result{Valid: checker.Valid, Summary: "all 10 ops linearizable"}, true)
	f.invalid = finishedRun(t, s, "register", t0.Add(time.Hour), checker.Result{
		Valid: checker.Invalid, Summary: "read of 3 saw 2",
		Children: map[string]checker.Result{
			"linear": {Valid: checker.Invalid, Summary: "not linearizable"},
			"stats":  {Valid: checker.Valid, Summary: "ok"},
		},
	}, false)
	must(t, os.WriteFile(f.invalid.Path("linear.html"), []byte("<html>counterexample</html>"), 0o644))
	must(t, os.MkdirAll(f.invalid.Path("elle"), 0o755))
	must(t, os.WriteFile(f.invalid.Path("elle/anomalies.txt"), []byte("G0\n"), 0o644))
	must(t, os.WriteFile(f.invalid.Path("elle/G0-0.svg"), []byte("<svg xmlns='http://www.w3.org/2000/svg'/>"), 0o644))
	f.crashed = streamedRun(t, s, "bank", t0.Add(2*time.Hour))
	deadBeat(t, f.crashed)
	f.running = streamedRun(t, s, "bank", t0.Add(3*time.Hour))
	beating(t, f.running)

	// Ways out of the store: a file symlinked from inside a run, and a
	// whole "test" folder symlinked to a look-alike run outside.
	must(t, os.WriteFile(filepath.Join(f.outside, "secret.txt"), []byte(secret), 0o644))
	must(t, os.Symlink(filepath.Join(f.outside, "secret.txt"), f.valid.Path("leak.txt")))
	fake := filepath.Join(f.outside, "20260101T000000.000Z")
	must(t, os.MkdirAll(fake, 0o755))
	must(t, os.WriteFile(filepath.Join(fake, runstore.HistoryEDNFile), []byte(secret), 0o644))
	must(t, os.Symlink(f.outside, filepath.Join(f.root, "evil")))

	f.validURL = "/run/register/" + filepath.Base(f.valid.Dir) + "/"
	f.invalidURL = "/run/register/" + filepath.Base(f.invalid.Dir) + "/"
	f.crashedURL = "/run/bank/" + filepath.Base(f.crashed.Dir) + "/"
	f.runningURL = "/run/bank/" + filepath.Base(f.running.Dir) + "/"
	var err error
	f.validHistory, err = os.ReadFile(f.valid.Path(runstore.HistoryTxtFile))
	must(t, err)
	f.validResults, err = os.ReadFile(f.valid.Path(runstore.ResultsFile))
	must(t, err)
	return f
}

// fileURL is the /files/ address of a file in run.
func fileURL(run *runstore.Run, name string) string {
	return "/files/" + run.Test + "/" + filepath.Base(run.Dir) + "/" + name
}

// get requests a raw path (sent as written: no client-side cleaning) from
// the server and returns the response with its body read. Redirects are not
// followed, so a path the server would only clean and redirect shows as such.
func get(t *testing.T, srv *httptest.Server, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", srv.URL, nil)
	must(t, err)
	req.URL.Opaque = path // keeps "..", "%2e" and "//" exactly as given
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := *srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	return resp, string(b)
}

func serve(t *testing.T, root string) *httptest.Server {
	srv := httptest.NewServer(Handler(root))
	t.Cleanup(srv.Close)
	return srv
}

// rows returns the <tr class=...> rows of the index's run table, in order.
func rows(body string) []string {
	var out []string
	for _, part := range strings.Split(body, "<tr class=")[1:] {
		out = append(out, part[:strings.Index(part, "</tr>")])
	}
	return out
}

func TestIndexListsEveryRunNewestFirstWithItsVerdict(t *testing.T) {
	f := newFixture(t)
	srv := serve(t, f.root)
	resp, body := get(t, srv, "/")
	if resp.StatusCode != 200 {
		t.Fatalf("GET /: %d\n%s", resp.StatusCode, body)
	}
	want := []struct{ url, class, verdict, summary string }{
		{f.runningURL, `"running"`, `<td class="status">running</td>`, ""},
		{f.crashedURL, `"crashed"`, `<td class="status">crashed</td>`, ""},
		{f.invalidURL, `"invalid"`, `<td class="status">invalid</td>`, "read of 3 saw 2"},
		{f.validURL, `"valid"`, `<td class="status">valid</td>`, "all 10 ops linearizable"},
	}
	got := rows(body)
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d (the evil symlink and the latest/current links are not runs):\n%s", len(got), len(want), body)
	}
	for i, w := range want {
		r := got[i]
		for _, s := range []string{w.url, w.class, w.verdict, w.summary} {
			if !strings.Contains(r, s) {
				t.Errorf("row %d lacks %q:\n%s", i, s, r)
			}
		}
	}
	// Op counts: 20 ops in the finished runs, 6 streamed in the others.
	if !strings.Contains(got[3], `<td class="num">20</td>`) || !strings.Contains(got[0], `<td class="num">6</td>`) {
		t.Errorf("op counts missing:\n%s\n%s", got[3], got[0])
	}
	if !strings.Contains(got[3], fileURL(f.valid, "timeline.html")) || !strings.Contains(got[3], `href="`+f.validURL+`history"`) {
		t.Errorf("valid row lacks timeline or history link:\n%s", got[3])
	}
	if !strings.Contains(body, "A run is in progress: its own page follows it") || strings.Contains(body, `http-equiv="refresh"`) {
		t.Errorf("the index shows a running run: it must say so, and not reload itself (ticked runs would be lost)")
	}
	if strings.Contains(body, secret) || strings.Contains(body, "evil") {
		t.Errorf("index shows the symlinked folder outside the store:\n%s", body)
	}
}

func TestIndexFiltersByTest(t *testing.T) {
	f := newFixture(t)
	srv := serve(t, f.root)
	_, body := get(t, srv, "/?test=register")
	got := rows(body)
	if len(got) != 2 || !strings.Contains(got[0], f.invalidURL) || !strings.Contains(got[1], f.validURL) {
		t.Fatalf("?test=register: rows %q", got)
	}
	if _, body := get(t, srv, "/?test=nope"); len(rows(body)) != 0 || !strings.Contains(body, "No runs of nope") {
		t.Errorf("?test=nope lists runs:\n%s", body)
	}
}

func TestRunPageShowsSummaryConfigPlotsAndFiles(t *testing.T) {
	f := newFixture(t)
	srv := serve(t, f.root)
	resp, body := get(t, srv, f.validURL)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d\n%s", f.validURL, resp.StatusCode, body)
	}
	for _, want := range []string{
		"all 10 ops linearizable",
		`class="valid"`,
		"  &#34;nodes&#34;: [\n    &#34;n1&#34;", // config.json, indented
		"&#34;password&#34;: &#34;&lt;redacted&gt;&#34;",
		`<img src="` + fileURL(f.valid, "latency-raw.png") + `"`,
		`href="` + fileURL(f.valid, "latency-raw.svg") + `"`,
		`href="` + fileURL(f.valid, "timeline.html") + `"`,
		`href="` + fileURL(f.valid, "n1/etcd.log") + `"`,
		`href="/zip/register/` + filepath.Base(f.valid.Dir) + `"`,
		`id="op-count">20</span> ops recorded (10 invoke, 10 ok, 0 fail, 0 info)`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("run page lacks %q", want)
		}
	}
	if strings.Contains(body, "hunter2") || strings.Contains(body, "leak.txt") {
		t.Errorf("run page shows a secret or the symlink out of the store")
	}

	_, body = get(t, srv, f.invalidURL)
	for _, want := range []string{
		"read of 3 saw 2", "not linearizable",
		`<h3><span class="badge invalid">invalid</span> linear</h3>`,
		`<h3><span class="badge valid">valid</span> stats</h3>`,
		`href="` + fileURL(f.invalid, "linear.html") + `"`,
		`href="` + fileURL(f.invalid, "elle/G0-0.svg") + `"`,
		`href="` + fileURL(f.invalid, "elle/anomalies.txt") + `"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("invalid run page lacks %q", want)
		}
	}
	_, body = get(t, srv, f.runningURL)
	if !strings.Contains(body, `id="verdict">running<`) || !strings.Contains(body, "has no config.json") ||
		!strings.Contains(body, "is alive") || !strings.Contains(body, `<meta http-equiv="refresh"`) {
		t.Errorf("running run page:\n%s", body)
	}
	_, body = get(t, srv, f.crashedURL)
	if !strings.Contains(body, `id="verdict">crashed<`) || !strings.Contains(body, "is gone") || strings.Contains(body, `http-equiv="refresh"`) {
		t.Errorf("crashed run page:\n%s", body)
	}
}

func TestFilesAreServedWithTheirContentType(t *testing.T) {
	f := newFixture(t)
	srv := serve(t, f.root)
	for name, want := range map[string]string{
		"results.json":    "text/plain; charset=utf-8",
		"history.edn":     "text/plain; charset=utf-8",
		"history.txt":     "text/plain; charset=utf-8",
		"run.log":         "text/plain; charset=utf-8",
		"n1/etcd.log":     "text/plain; charset=utf-8",
		"latency-raw.png": "image/png",
		"latency-raw.svg": "image/svg+xml",
		"timeline.html":   "text/html; charset=utf-8",
	} {
		resp, body := get(t, srv, fileURL(f.valid, name))
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != want {
			t.Errorf("%s: %d %q, want 200 %q", name, resp.StatusCode, resp.Header.Get("Content-Type"), want)
		}
		disk, _ := os.ReadFile(f.valid.Path(name))
		if body != string(disk) {
			t.Errorf("%s: served %d bytes, file has %d", name, len(body), len(disk))
		}
	}
	resp, _ := get(t, srv, fileURL(f.running, "history.jsonl"))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("history.jsonl: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestRangeRequest(t *testing.T) {
	f := newFixture(t)
	srv := serve(t, f.root)
	resp, body := get(t, srv, fileURL(f.valid, "history.txt"), "Range", "bytes=5-14")
	if resp.StatusCode != http.StatusPartialContent {
		t.Fatalf("range: status %d", resp.StatusCode)
	}
	if body != string(f.validHistory[5:15]) {
		t.Errorf("range body %q, want %q", body, f.validHistory[5:15])
	}
	if cr := resp.Header.Get("Content-Range"); !strings.HasPrefix(cr, "bytes 5-14/") {
		t.Errorf("Content-Range %q", cr)
	}
}

func TestZipHoldsTheRunFolder(t *testing.T) {
	f := newFixture(t)
	srv := serve(t, f.root)
	resp, body := get(t, srv, "/zip/register/"+filepath.Base(f.valid.Dir))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("zip: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	zr, err := zip.NewReader(bytes.NewReader([]byte(body)), int64(len(body)))
	must(t, err)
	prefix := "register/" + filepath.Base(f.valid.Dir) + "/"
	names := map[string]*zip.File{}
	for _, zf := range zr.File {
		names[zf.Name] = zf
	}
	for _, want := range []string{"results.json", "history.edn", "history.txt", "config.json", "run.log", "n1/etcd.log", "latency-raw.png", "timeline.html"} {
		if names[prefix+want] == nil {
			t.Errorf("zip lacks %s; has %d files", prefix+want, len(zr.File))
		}
	}
	if names[prefix+"leak.txt"] != nil {
		t.Errorf("zip holds the symlink leading out of the store")
	}
	rc, err := names[prefix+"results.json"].Open()
	must(t, err)
	got, _ := io.ReadAll(rc)
	if !bytes.Equal(got, f.validResults) {
		t.Errorf("results.json in the zip differs from the file")
	}
	if strings.Contains(body, secret) {
		t.Errorf("zip holds the secret from outside the store")
	}
}

func TestNothingOutsideTheStoreIsServed(t *testing.T) {
	f := newFixture(t)
	srv := serve(t, f.root)
	run := "/files/register/" + filepath.Base(f.valid.Dir)
	for _, p := range []string{
		run + "/../../../" + filepath.Base(f.outside) + "/secret.txt",
		run + "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
		run + "/..%2f..%2f..%2fetc%2fpasswd",
		run + "/%2E%2E/results.json",
		run + "//etc/passwd",
		run + "/leak.txt",
		run + "/n1",
		run + "/nope.txt",
		"/files/evil/20260101T000000.000Z/history.edn",
		"/run/evil/20260101T000000.000Z/",
		"/zip/evil/20260101T000000.000Z",
		"/files/..%2f..%2fetc/20260101T000000.000Z/passwd",
		"/run/register/20990101T000000.000Z/",
		"/run/register/latest/",
		"/run/nope/20260125T120000.000Z/",
	} {
		resp, body := get(t, srv, p)
		if resp.StatusCode != 404 && resp.StatusCode != 400 {
			t.Errorf("%s: status %d, want 404 or 400", p, resp.StatusCode)
		}
		if strings.Contains(body, secret) || strings.Contains(body, "root:") {
			t.Errorf("%s: served what lies outside the store", p)
		}
	}
}

func TestLatestRedirectsAndMissingStoreIs404(t *testing.T) {
	f := newFixture(t)
	srv := serve(t, f.root)
	resp, _ := get(t, srv, "/latest")
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != f.invalidURL {
		t.Errorf("/latest: %d to %q, want 302 to %s (the last finished run)", resp.StatusCode, loc, f.invalidURL)
	}
	missing := serve(t, filepath.Join(f.outside, "no-such-store"))
	resp, body := get(t, missing, "/")
	if resp.StatusCode != 404 || !strings.Contains(body, "no-such-store") {
		t.Errorf("missing store: %d %q", resp.StatusCode, body)
	}
}
