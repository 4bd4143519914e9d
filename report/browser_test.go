package report

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
)

// chromiumPath finds the headless browser scripts/setup.sh installs.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium is not installed (scripts/setup.sh installs it); the timeline page is not loaded in a browser")
	return ""
}

// runChromium loads a file in headless Chromium with the given extra flags
// and returns its stdout and stderr. The browser runs in a process group of
// its own that is killed afterwards, so no renderer outlives the test.
func runChromium(t *testing.T, file string, flags ...string) (stdout, stderr string) {
	t.Helper()
	bin := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0",
	}, flags...)
	args = append(args, "file://"+file)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	if err := cmd.Wait(); err != nil {
		t.Fatalf("chromium %v: %v\nstderr:\n%s", flags, err, tail(errb.String(), 3000))
	}
	return out.String(), errb.String()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

var renderedMarker = regexp.MustCompile(`<span id="timeline-rendered">(\d+) ops in (\d+) lanes \((\d+) drawn, (\d+) ms\)</span>`)

func TestTimelineLoadsInHeadlessChromium(t *testing.T) {
	chromiumPath(t)
	dir := keepDir(t)
	for _, c := range []struct {
		name string
		opts genOpts
	}{
		{"timeline-empty", genOpts{seed: 11, ops: 0, concurrency: 1}},
		{"timeline-small", genOpts{seed: 11, ops: 3000, concurrency: 5, nemesis: true}},
		{"timeline-100k", genOpts{seed: 42, ops: 100_000, concurrency: 10, nemesis: true, seconds: 120}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := genHistory(c.opts)
			page := filepath.Join(dir, c.name+".html")
			f, err := os.Create(page)
			if err != nil {
				t.Fatal(err)
			}
			if err := Timeline(h, f); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			dom, log := runChromium(t, page, "--dump-dom", "--virtual-time-budget=5000")
			if i := strings.Index(dom, `id="timeline-error"`); i >= 0 {
				t.Fatalf("the page reported a script error: %s", tail(dom[i:], 500))
			}
			if strings.Contains(log, "Uncaught") {
				t.Fatalf("console shows an uncaught exception:\n%s", tail(log, 2000))
			}
			m := renderedMarker.FindStringSubmatch(dom)
			if m == nil {
				t.Fatalf("the page never finished rendering (no marker); DOM tail:\n%s", tail(dom, 1500))
			}
			ops, _ := strconv.Atoi(m[1])
			lanes, _ := strconv.Atoi(m[2])
			drawn, _ := strconv.Atoi(m[3])
			if ops != len(slices.Collect(h.Operations())) || lanes != len(h.Processes()) {
				t.Errorf("page shows %d ops in %d lanes, history has %d operations of %d processes", ops, lanes, len(slices.Collect(h.Operations())), len(h.Processes()))
			}
			if (ops > 0 && drawn == 0) || drawn > ops {
				t.Errorf("page drew %d of %d ops: want some, and no more than exist", drawn, ops)
			}
			t.Logf("page parsed, indexed and drew %d ops in %s ms", ops, m[4])
		})
	}
	shot := filepath.Join(dir, "timeline-small.png")
	runChromium(t, filepath.Join(dir, "timeline-small.html"), "--screenshot="+shot, "--window-size=1400,800", "--hide-scrollbars")
	data, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1400 || b.Dy() != 800 {
		t.Errorf("screenshot is %v, want 1400x800", b)
	}
	// The canvas must hold boxes in the ok colour, not just a blank page.
	okBlue := 0
	near := func(a uint32, b int) bool { return int(a>>8)-b < 12 && b-int(a>>8) < 12 }
	for y := 70; y < 800; y++ { // below the toolbar's legend swatch
		for x := 80; x < 1400; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if near(r, 0x1f) && near(g, 0x6f) && near(b, 0xc4) {
				okBlue++
			}
		}
	}
	if okBlue < 300 {
		t.Errorf("screenshot has only %d pixels of the ok colour: are the op boxes drawn?", okBlue)
	}
	t.Logf("screenshot: %s, %d ok-coloured pixels", shot, okBlue)
}

// TestTimelineReportsScriptErrors checks the check above can fail: a page
// whose data is broken must show the error marker, not the rendered one.
func TestTimelineReportsScriptErrors(t *testing.T) {
	chromiumPath(t)
	var buf bytes.Buffer
	if err := Timeline(genHistory(genOpts{seed: 1, ops: 100, concurrency: 2}), &buf); err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(buf.String(), `{"end":`, `{"end":,`, 1)
	page := filepath.Join(t.TempDir(), "broken.html")
	if err := os.WriteFile(page, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	dom, _ := runChromium(t, page, "--dump-dom")
	if !strings.Contains(dom, `id="timeline-error"`) || !strings.Contains(dom, "timeline error:") {
		t.Errorf("broken data did not produce the error marker; DOM tail:\n%s", tail(dom, 1000))
	}
	if renderedMarker.MatchString(dom) {
		t.Errorf("broken data still claims to have rendered")
	}
}

// TestTimelineHoverShowsDetails hovers boxes (through the page's #probe hook,
// which dispatches a real mousemove at the box) and checks the tooltip.
func TestTimelineHoverShowsDetails(t *testing.T) {
	chromiumPath(t)
	h := history.MustNew(
		history.Op{Index: 0, Time: 0, Type: history.Invoke, Process: 1, F: "cas", Value: []any{int64(1), int64(2)}},
		history.Op{Index: 1, Time: 2e9, Type: history.Invoke, Process: history.NemesisProcess, F: "start-partition"},
		history.Op{Index: 2, Time: 3e9, Type: history.Fail, Process: 1, F: "cas", Value: []any{int64(1), int64(2)}, Error: history.Keyword("conflict"),
			Extra: []history.Field{{Name: "node", Value: "n3"}}},
		history.Op{Index: 3, Time: 25e8, Type: history.Info, Process: history.NemesisProcess, F: "start-partition", Value: history.Keyword("halves")},
		history.Op{Index: 4, Time: 4e9, Type: history.Invoke, Process: 0, F: "read"},
		history.Op{Index: 5, Time: 6e9, Type: history.OK, Process: 0, F: "read", Value: int64(7)},
	)
	var buf bytes.Buffer
	if err := Timeline(h, &buf); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(t.TempDir(), "hover.html")
	if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	dom, _ := runChromium(t, page+"#probe=0,2,1", "--dump-dom", "--window-size=1200,600")
	probeRe := regexp.MustCompile(`(?s)<pre class="probe" data-box="(\d+)">(.*?)</pre>`)
	tips := map[string]string{}
	for _, m := range probeRe.FindAllStringSubmatch(dom, -1) {
		tips[m[1]] = m[2]
	}
	for _, c := range []struct {
		box  string
		want []string
	}{
		{"0", []string{":f start-partition", "info", "process nemesis", "index 1 → 3", "invoked 2.000000 s, completed 2.500000 s (500.000 ms)", "completed with :halves"}},
		{"2", []string{":f cas", "fail", "process 1", "node n3", "index 0 → 2", "value [1 2]", "error :conflict"}},
		{"1", []string{":f read", "ok", "process 0", "index 4 → 5", "value nil", "completed with 7"}},
	} {
		tip, ok := tips[c.box]
		if !ok || tip == "" {
			t.Errorf("box %s: no tooltip after hovering it; DOM tail:\n%s", c.box, tail(dom, 800))
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(tip, w) {
				t.Errorf("box %s: tooltip %q lacks %q", c.box, tip, w)
			}
		}
	}
}
