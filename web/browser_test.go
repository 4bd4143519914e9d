package web

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/runstore"
)

// chromium finds Debian's Chromium (scripts/setup.sh installs it), or skips.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium is not installed (scripts/setup.sh installs it): the web UI is not tested in a browser")
	return ""
}

// browser is a headless Chromium driven through chromedp, recording every
// console message, and saving screenshots into dir.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	dir  string

	mu       sync.Mutex
	messages []chromedp.ConsoleMessage
}

func newBrowser(t *testing.T, base string) *browser {
	bin := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	b := &browser{t: t, ctx: ctx, base: base, dir: os.Getenv("FAULTLINE_SCREENSHOTS")}
	if b.dir == "" {
		b.dir = t.TempDir()
	}
	must(t, os.MkdirAll(b.dir, 0o755))
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.messages = append(b.messages, m)
			b.mu.Unlock()
		}
	}()
	return b
}

// step runs actions with a time limit, failing the test with what was tried.
func (b *browser) step(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// follow runs an action that navigates (a click, a submit) and waits for the
// new page.
func (b *browser) follow(what string, a chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	if resp.Status != 200 {
		b.t.Fatalf("%s: HTTP %d", what, resp.Status)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// shot saves a screenshot of the whole page.
func (b *browser) shot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(b.dir, name+".png")
	must(b.t, os.WriteFile(p, png, 0o644))
	b.t.Logf("screenshot %s (%d bytes)", p, len(png))
}

// errors returns the console messages that are errors or exceptions.
func (b *browser) errors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, m := range b.messages {
		if m.Type == chromedp.ConsoleError || m.IsException() {
			out = append(out, fmt.Sprintf("%s (%s %s:%d)", m, m.Source, m.URL, m.Line+1))
		}
	}
	return out
}

// liveRun starts a run that journals ops as a runner would, ten every
// 100 ms, with its heartbeat, until the test ends.
func liveRun(t *testing.T, s *runstore.Store, start time.Time) *runstore.Run {
	run, err := s.Create("live", start)
	must(t, err)
	beating(t, run)
	must(t, run.WriteConfig(map[string]any{"name": "live", "nodes": []string{"n1", "n2"}}))
	j, err := run.OpenJournal(runstore.JournalOptions{SyncEvery: 50 * time.Millisecond})
	must(t, err)
	ops := genOps(100_000)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for i := 0; i < len(ops); i += 10 {
			for _, op := range ops[i : i+10] {
				_ = j.Append(op)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	t.Cleanup(func() { close(stop); <-done; _ = j.Close() })
	return run
}

// TestBrowserFollowsAFailureFromTheIndexToItsOps drives Debian's Chromium
// through the UI as a person reading a failure would: the index, filtered to
// invalid runs; an invalid Elle run; an anomaly's op, landing on its
// highlighted row in the history view; that op in the timeline; an
// independent checker's failing key, landing on that key's op; a run in
// progress, whose count grows; and a run file's script, which must run
// without the server's origin. No page may log an error.
func TestBrowserFollowsAFailureFromTheIndexToItsOps(t *testing.T) {
	chromium(t)
	s := &runstore.Store{Root: t.TempDir()}
	elleRunAt := elleRun(t, s, t0)
	keyed := keyedRun(t, s, t0.Add(time.Minute))
	valid, _ := checkedRun(t, s, "register", t0.Add(2*time.Minute), history.MustNew(registerOps(50)...), checker.Func(func(context.Context, *history.History) checker.Result {
		return checker.Result{Valid: checker.Valid, Summary: "fine"}
	}))
	writeFile(t, valid, "evil.html", `<!DOCTYPE html><title>evil</title><p id="out">not run</p><script>document.getElementById("out").textContent = "origin " + window.origin;</script>`)
	live := liveRun(t, s, t0.Add(3*time.Minute))
	srv := serveHandler(t, New(s.Root))
	b := newBrowser(t, srv.URL)

	// The index, then only the invalid runs, through the filter form.
	b.step("open the index", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("runs")))
	if n := eval[int](b, `document.querySelectorAll("#runs tr[class]").length`); n != 4 {
		t.Errorf("the index shows %d runs, want 4", n)
	}
	b.shot("01-index")
	b.step("choose status invalid", chromedp.SetValue(chromedp.CSS(`select[name="status"]`), "invalid"))
	b.follow("filter the index", chromedp.Submit(chromedp.CSS("form.filters")))
	if got := eval[string](b, `Array.from(document.querySelectorAll("#runs tr[class]")).map(r => r.className + ":" + r.querySelector("td.status").textContent).join(",")`); got != "invalid:invalid,invalid:invalid" {
		t.Errorf("filtered to invalid, the index shows %q", got)
	}
	if loc := eval[string](b, "location.search"); loc != "?test=&status=invalid" {
		t.Errorf("filter URL %q", loc)
	}
	b.shot("02-index-invalid")

	// The Elle run, and its first anomaly's first transaction.
	b.follow("open the Elle run", chromedp.Click(chromedp.CSS(`#runs a[href="`+runURL(elleRunAt)+`"]`)))
	if v := eval[string](b, `document.getElementById("verdict").textContent`); v != "invalid" {
		t.Errorf("Elle run verdict %q", v)
	}
	b.shot("03-run-elle")
	op := eval[string](b, `document.querySelector(".anomaly a.op").dataset.op`)
	b.follow("follow the anomaly's op", chromedp.Click(chromedp.CSS(`.anomaly a.op`)))
	if got := eval[string](b, `document.querySelector("tr.focus").dataset.index`); got != op {
		t.Errorf("the anomaly's op %s lands on row %s", op, got)
	}
	if !eval[bool](b, `(r => r.top >= 0 && r.bottom <= innerHeight)(document.querySelector("tr.focus").getBoundingClientRect())`) {
		t.Errorf("the highlighted row is not scrolled into view")
	}
	if bg := eval[string](b, `getComputedStyle(document.querySelector("tr.focus td")).backgroundColor`); bg != "rgb(255, 224, 102)" {
		t.Errorf("the highlighted row's colour is %q: is the page's style applied under its CSP?", bg)
	}
	b.shot("04-history-at-op")

	// The same op in the timeline (a sandboxed run file with its script).
	b.follow("open the timeline at the op", chromedp.Click(chromedp.CSS(`tr.focus a[href*="timeline.html"]`)))
	b.step("wait for the timeline", chromedp.WaitVisible(chromedp.ID("timeline-focus")))
	focus := eval[string](b, `document.getElementById("timeline-focus").textContent`)
	if !strings.Contains(focus, "opened at op "+op) || !strings.Contains(focus, "→ "+op) && !strings.Contains(focus, "index "+op) {
		t.Errorf("the timeline opened at op %s shows %q", op, focus)
	}
	if eval[bool](b, `!!document.getElementById("timeline-error")`) {
		t.Errorf("the timeline reports a script error")
	}
	b.shot("05-timeline-at-op")

	// The independent checker's failing key, and its blocked op.
	b.step("open the keyed run", chromedp.Navigate(srv.URL+runURL(keyed)), chromedp.WaitVisible(chromedp.ID("verdict")))
	b.shot("06-run-keyed")
	blocked := eval[string](b, `document.querySelector(".counterexample tr.invalid a.op").dataset.op`)
	b.follow("follow the blocked op", chromedp.Click(chromedp.CSS(`.counterexample tr.invalid a.op`)))
	if got := eval[string](b, `document.querySelector("tr.focus").dataset.index`); got != blocked || blocked != "10" {
		t.Errorf("the blocked op %s lands on row %s, want op 10", blocked, got)
	}
	if got := eval[string](b, `Array.from(document.querySelectorAll("#ops tr[data-index]")).map(r => r.dataset.index).join(",")`); got != "1,3,6,7,10,11" {
		t.Errorf("the key's history shows ops %s, want :y's 1,3,6,7,10,11", got)
	}
	b.shot("07-history-key")

	// A run in progress: its page reloads itself and its count grows.
	b.step("open the live run", chromedp.Navigate(srv.URL+runURL(live)), chromedp.WaitVisible(chromedp.ID("op-count")))
	first, _ := strconv.Atoi(eval[string](b, `document.getElementById("op-count").textContent`))
	if v := eval[string](b, `document.getElementById("verdict").textContent`); v != "running" {
		t.Errorf("live run shows %q", v)
	}
	grown := first
	for deadline := time.Now().Add(20 * time.Second); grown <= first && time.Now().Before(deadline); {
		time.Sleep(500 * time.Millisecond)
		grown, _ = strconv.Atoi(eval[string](b, `(e => e ? e.textContent : "0")(document.getElementById("op-count"))`))
	}
	if grown <= first {
		t.Errorf("the live run's count stayed at %d", first)
	}
	t.Logf("live run: %d ops, then %d after its page reloaded", first, grown)
	b.shot("08-live-run")

	// Console errors so far: none allowed.
	for _, e := range b.errors() {
		t.Errorf("console: %s", e)
	}

	// A run file's script runs in an origin of its own, not the server's.
	b.step("open a run file with a script", chromedp.Navigate(srv.URL+fileURL(valid, "evil.html")), chromedp.WaitVisible(chromedp.ID("out")))
	if got := eval[string](b, `document.getElementById("out").textContent`); got != "origin null" {
		t.Errorf("a run file's script ran as %q, want the opaque origin null", got)
	}
}
