package web

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faultline/faultline/runstore"
)

// knownHeaders are every response header the server may send. A header
// outside this list (Server, Set-Cookie, Access-Control-*) fails the test.
var knownHeaders = map[string]bool{
	"Content-Security-Policy": true, "X-Content-Type-Options": true, "X-Frame-Options": true,
	"Referrer-Policy": true, "Cross-Origin-Resource-Policy": true, "Cross-Origin-Opener-Policy": true,
	"Content-Type": true, "Content-Length": true, "Date": true, "Location": true,
	"Last-Modified": true, "Accept-Ranges": true, "Content-Range": true, "Content-Disposition": true,
}

func TestEveryResponseCarriesTheSecurityHeaders(t *testing.T) {
	f := newFixture(t)
	must(t, os.WriteFile(f.valid.Path("evil.html"), []byte("<script>document.title='pwned'</script>"), 0o644))
	srv := serve(t, f.root)
	valid := filepath.Base(f.valid.Dir)
	for _, c := range []struct {
		path   string
		status int
		file   bool // served from a run folder: the sandboxing policy
	}{
		{"/", 200, false},
		{"/?test=register&status=valid", 200, false},
		{"/?status=bogus", 400, false},
		{"/latest", 302, false},
		{f.validURL, 200, false},
		{f.runningURL, 200, false},
		{f.validURL + "history?type=ok", 200, false},
		{f.validURL + "history?limit=0", 400, false},
		{f.validURL + "op/3", 200, false},
		{"/compare?run=register/" + valid + "&run=register/" + valid, 200, false},
		{"/compare", 400, false},
		{fileURL(f.valid, "timeline.html"), 200, true},
		{fileURL(f.valid, "evil.html"), 200, true},
		{fileURL(f.valid, "latency-raw.svg"), 200, true},
		{fileURL(f.valid, "latency-raw.png"), 200, true},
		{fileURL(f.valid, "history.edn"), 200, true},
		{fileURL(f.valid, "nope.txt"), 404, false},
		{"/zip/register/" + valid, 200, false},
		{"/run/nope/20260125T120000.000Z/", 404, false},
		{"/files/a/../../etc/passwd", 400, false},
		{"/nothing-here", 404, false},
		{"/favicon.ico", 204, false},
	} {
		resp, body := get(t, srv, c.path)
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d: %.200s", c.path, resp.StatusCode, c.status, body)
		}
		h := resp.Header
		for name := range h {
			if !knownHeaders[name] {
				t.Errorf("%s: unexpected header %s: %q", c.path, name, h.Get(name))
			}
		}
		for name, want := range map[string]string{
			"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
			"Cross-Origin-Resource-Policy": "same-origin",
		} {
			if got := h.Get(name); got != want {
				t.Errorf("%s: %s %q, want %q", c.path, name, got, want)
			}
		}
		csp := h.Get("Content-Security-Policy")
		if c.file {
			if csp != runFileCSP || !strings.HasPrefix(csp, "sandbox allow-scripts;") || strings.Contains(csp, "allow-same-origin") {
				t.Errorf("%s: run file served with CSP %q, want the sandbox", c.path, csp)
			}
		} else if csp != pageCSP || strings.Contains(csp, "script-src") || !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q, want the page policy (no script at all)", c.path, csp)
		}
	}
}

func TestThePageStyleIsTheOneItsPolicyAllows(t *testing.T) {
	f := newFixture(t)
	srv := serve(t, f.root)
	for _, p := range []string{"/", f.invalidURL, f.validURL + "history"} {
		resp, body := get(t, srv, p)
		styles := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindAllStringSubmatch(body, -1)
		if len(styles) != 1 {
			t.Fatalf("%s: %d style blocks, want 1", p, len(styles))
		}
		sum := sha256.Sum256([]byte(styles[0][1]))
		if want := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(resp.Header.Get("Content-Security-Policy"), want) {
			t.Errorf("%s: the style block's hash %s is not in the CSP, so browsers would drop the style", p, want)
		}
		if regexp.MustCompile(`<[^>]+ style=`).MatchString(body) || strings.Contains(body, "<script") || regexp.MustCompile(`<[^>]+ on[a-z]+=`).MatchString(body) {
			t.Errorf("%s: a style attribute, script or event handler the policy would block", p)
		}
	}
}

// timedClient fails a request that hangs instead of hanging the test.
func timedClient(srv *httptest.Server) *http.Client {
	c := *srv.Client()
	c.Timeout = 5 * time.Second
	return &c
}

func TestFIFOsInARunFolderAreNeitherServedNorZipped(t *testing.T) {
	f := newFixture(t)
	for _, name := range []string{"pipe.txt", runstore.ResultsFile} {
		p := f.crashed.Path(name)
		_ = os.Remove(p)
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
	}
	// A heartbeat that is a FIFO too: the status must not hang on it.
	_ = os.Remove(f.running.Path(runstore.HeartbeatFile))
	must(t, syscall.Mkfifo(f.running.Path(runstore.HeartbeatFile), 0o644))
	srv := serve(t, f.root)
	client := timedClient(srv)
	crashed := "/zip/bank/" + filepath.Base(f.crashed.Dir)
	for _, p := range []string{fileURL(f.crashed, "pipe.txt"), fileURL(f.crashed, runstore.ResultsFile), f.crashedURL, f.runningURL, "/", crashed} {
		start := time.Now()
		resp, err := client.Get(srv.URL + p)
		if err != nil {
			t.Fatalf("%s: %v (a FIFO hung the request?)", p, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if time.Since(start) > 3*time.Second {
			t.Errorf("%s took %s", p, time.Since(start))
		}
		switch {
		case strings.HasPrefix(p, "/files/"):
			if resp.StatusCode != 403 || !strings.Contains(string(body), "not a regular file") {
				t.Errorf("%s: %d %q, want 403 naming the reason", p, resp.StatusCode, body)
			}
		case strings.HasPrefix(p, "/zip/"):
			zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
			must(t, err)
			for _, zf := range zr.File {
				if strings.HasSuffix(zf.Name, "pipe.txt") || strings.HasSuffix(zf.Name, runstore.ResultsFile) {
					t.Errorf("the zip holds the FIFO %s", zf.Name)
				}
			}
		case p == f.crashedURL:
			if !strings.Contains(string(body), `id="verdict">unreadable results<`) || strings.Contains(string(body), "pipe.txt</a>") {
				t.Errorf("crashed run page with FIFOs:\n%.2000s", body)
			}
		}
	}
}

func TestHardLinkedFilesAreRefused(t *testing.T) {
	f := newFixture(t)
	outside := filepath.Join(f.outside, "secret.txt")
	if err := os.Link(outside, f.valid.Path("linked.txt")); err != nil {
		t.Skipf("cannot hard-link within the test's folders: %v", err)
	}
	srv := serve(t, f.root)
	resp, body := get(t, srv, fileURL(f.valid, "linked.txt"))
	if resp.StatusCode != 403 || strings.Contains(body, secret) || !strings.Contains(body, "more than one hard link (2 links)") {
		t.Errorf("hard link: %d %q", resp.StatusCode, body)
	}
	_, body = get(t, srv, "/zip/register/"+filepath.Base(f.valid.Dir))
	if strings.Contains(body, secret) {
		t.Errorf("the zip holds a hard-linked file's content")
	}
	_, body = get(t, srv, f.validURL)
	if !strings.Contains(body, "linked.txt <span class=\"note\">(linked.txt is not served") || strings.Contains(body, `href="`+fileURL(f.valid, "linked.txt")) {
		t.Errorf("run page does not mark the hard link as refused")
	}
	// A results file with two links is not trusted for a verdict.
	must(t, os.Remove(f.valid.Path(runstore.ResultsFile)))
	must(t, os.Link(outside, f.valid.Path(runstore.ResultsFile)))
	_, body = get(t, srv, "/?test=register")
	if r := rows(body); len(r) != 2 || !strings.Contains(r[1], "unreadable results") || !strings.Contains(r[1], "hard link") {
		t.Errorf("index row of a hard-linked results.json: %q", r)
	}
}

func TestHTTPServerHasTimeouts(t *testing.T) {
	s := HTTPServer(Handler(t.TempDir()))
	if s.ReadHeaderTimeout <= 0 || s.ReadTimeout <= 0 || s.WriteTimeout <= 0 || s.IdleTimeout <= 0 || s.MaxHeaderBytes <= 0 {
		t.Fatalf("timeouts %v %v %v %v, max header %d: want all set", s.ReadHeaderTimeout, s.ReadTimeout, s.WriteTimeout, s.IdleTimeout, s.MaxHeaderBytes)
	}
}

// TestLargeDownloadsOutliveTheWriteTimeout serves a file slower than the
// server's write timeout allows a whole response: the download must go on
// while it makes progress (the deadline moves with it).
func TestLargeDownloadsOutliveTheWriteTimeout(t *testing.T) {
	f := newFixture(t)
	big := make([]byte, 6<<20)
	_, _ = rand.Read(big) // incompressible, so the zip is as big
	must(t, os.WriteFile(f.valid.Path("big.png"), big, 0o644))
	hs := HTTPServer(Handler(f.root))
	hs.WriteTimeout = 300 * time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Shutdown(context.Background()) })
	for _, p := range []string{fileURL(f.valid, "big.png"), "/zip/register/" + filepath.Base(f.valid.Dir)} {
		resp, err := http.Get("http://" + ln.Addr().String() + p)
		must(t, err)
		n := 0
		buf := make([]byte, 256<<10)
		start := time.Now()
		for {
			k, err := resp.Body.Read(buf)
			n += k
			if err != nil {
				if err != io.EOF {
					t.Errorf("%s: cut after %d bytes and %s: %v", p, n, time.Since(start), err)
				}
				break
			}
			time.Sleep(25 * time.Millisecond) // a slow reader
		}
		resp.Body.Close()
		if time.Since(start) < hs.WriteTimeout {
			t.Errorf("%s: read in %s, not slower than the write timeout: the test proves nothing", p, time.Since(start))
		}
		if strings.HasPrefix(p, "/files/") && n != len(big) {
			t.Errorf("%s: %d of %d bytes", p, n, len(big))
		}
	}
}

func TestTheTemporaryFilesOfACrashedWriteAreNotListedOrZipped(t *testing.T) {
	f := newFixture(t)
	leftover := "." + runstore.ResultsFile + ".tmp12345"
	must(t, os.WriteFile(f.crashed.Path(leftover), []byte(`{"valid?": tru`), 0o644))
	srv := serve(t, f.root)
	_, page := get(t, srv, f.crashedURL)
	if strings.Contains(page, leftover) {
		t.Errorf("the run page lists the leftover %s", leftover)
	}
	resp, body := get(t, srv, "/zip/bank/"+filepath.Base(f.crashed.Dir))
	if resp.StatusCode != 200 {
		t.Fatalf("zip: %d", resp.StatusCode)
	}
	zr, err := zip.NewReader(strings.NewReader(body), int64(len(body)))
	must(t, err)
	if len(zr.File) == 0 {
		t.Fatal("the zip is empty: the test would pass for the wrong reason")
	}
	for _, zf := range zr.File {
		if strings.HasSuffix(zf.Name, leftover) {
			t.Errorf("the zip holds the leftover %s", zf.Name)
		}
	}
}
