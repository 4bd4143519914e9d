package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
)

// timelineData is the JSON the page embeds.
type timelineData struct {
	End    int64    `json:"end"`
	Lanes  []string `json:"lanes"`
	Fs     []string `json:"fs"`
	Ops    [][]any  `json:"ops"`
	Faults [][]any  `json:"faults"`
	Bands  [][]any  `json:"bands"`
}

// extractTimelineData parses the data block out of a timeline page.
func extractTimelineData(t *testing.T, page string) timelineData {
	t.Helper()
	const open = `<script id="timeline-data" type="application/json">`
	_, rest, ok := strings.Cut(page, open)
	if !ok {
		t.Fatal("timeline page has no data block")
	}
	data, _, ok := strings.Cut(rest, "</script>")
	if !ok {
		t.Fatal("timeline data block is not closed")
	}
	var d timelineData
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		t.Fatalf("timeline data is not JSON: %v\n%.300s", err, data)
	}
	return d
}

func TestTimelineData(t *testing.T) {
	h := history.MustNew(
		history.Op{Index: 0, Time: 0, Type: history.Invoke, Process: 1, F: "write", Value: "</script><b>x</b>"},
		history.Op{Index: 1, Time: 5, Type: history.Invoke, Process: history.NemesisProcess, F: "start-partition", Value: history.Keyword("majority")},
		history.Op{Index: 2, Time: 7, Type: history.OK, Process: 1, F: "write", Value: "</script><b>x</b>", Extra: []history.Field{{Name: "node", Value: "n2"}}},
		history.Op{Index: 3, Time: 8, Type: history.Info, Process: history.NemesisProcess, F: "start-partition", Value: history.Map{{Key: "n1", Value: []any{"n2"}}}},
		history.Op{Index: 4, Time: 9, Type: history.Invoke, Process: 0, F: "read"},
		history.Op{Index: 5, Time: 11, Type: history.Fail, Process: 0, F: "read", Error: history.Keyword("timeout")},
		history.Op{Index: 6, Time: 12, Type: history.Invoke, Process: 0, F: "read"},
	)
	var buf bytes.Buffer
	if err := Timeline(h, &buf); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if strings.Count(page, "</script>") != 3 {
		t.Errorf("a value containing </script> must not close the data block early: %d closing tags", strings.Count(page, "</script>"))
	}
	d := extractTimelineData(t, page)
	if !slices.Equal(d.Lanes, []string{"nemesis", "0", "1"}) {
		t.Errorf("lanes = %v, want nemesis, 0, 1", d.Lanes)
	}
	if d.End != 12 || len(d.Ops) != 4 {
		t.Fatalf("end %d with %d ops, want 12 and 4 boxes", d.End, len(d.Ops))
	}
	// [lane, start, end, outcome, f, invokeIndex, completeIndex, value, completedValue, error, node]
	want := [][]any{
		{0.0, 5.0, 8.0, float64(tlInfo), "start-partition", 1.0, 3.0, ":majority", `{"n1" ["n2"]}`, "", ""},
		{1.0, 9.0, 11.0, float64(tlFail), "read", 4.0, 5.0, "nil", "", ":timeout", ""},
		{1.0, 12.0, 12.0, float64(tlOpen), "read", 6.0, -1.0, "nil", "", "", ""},
		{2.0, 0.0, 7.0, float64(tlOK), "write", 0.0, 2.0, `"</script><b>x</b>"`, `"</script><b>x</b>"`, "", "n2"},
	}
	for i, w := range want {
		got := slices.Clone(d.Ops[i])
		got[4] = d.Fs[int(got[4].(float64))]
		for j := range w {
			if got[j] != w[j] {
				t.Errorf("op %d field %d = %#v, want %#v (op %v)", i, j, got[j], w[j], got)
			}
		}
	}
	if len(d.Bands) != 1 || len(d.Faults) != 1 || d.Faults[0][0] != "partition" || d.Faults[0][1] != "#888888" {
		t.Errorf("bands %v faults %v, want one open partition band", d.Bands, d.Faults)
	}
	if b := d.Bands[0]; b[1] != 5.0 || b[2] != 12.0 || b[5] != true {
		t.Errorf("partition band = %v, want from 5 to the end (12), open", b)
	}
}

func TestTimelineOf100kOpsIsQuick(t *testing.T) {
	h := genHistory(genOpts{seed: 42, ops: 100_000, concurrency: 10, nemesis: true, seconds: 120})
	if h.Len() < 100_000 {
		t.Fatalf("generated %d ops, want at least 100k", h.Len())
	}
	var buf bytes.Buffer
	start := time.Now()
	if err := Timeline(h, &buf); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	// The target is 2 s (BenchmarkTimeline100k measures it); the bound is
	// generous because the test machine is shared with other builds.
	if took > 6*time.Second {
		t.Errorf("timeline of %d ops took %v, want well under 2 s", h.Len(), took)
	}
	d := extractTimelineData(t, buf.String())
	if got, want := len(d.Ops), len(slices.Collect(h.Operations())); got != want {
		t.Errorf("timeline holds %d boxes, want one per operation (%d)", got, want)
	}
	t.Logf("timeline of %d ops: %v, %d bytes", h.Len(), took, buf.Len())
}

func TestWriteAll(t *testing.T) {
	for _, c := range []struct {
		name string
		h    *history.History
		want []string
	}{
		{"register with nemesis", genHistory(genOpts{seed: 5, ops: 1000, concurrency: 3, nemesis: true}),
			[]string{"latency-raw.png", "latency-raw.svg", "latency-quantiles.png", "latency-quantiles.svg", "rate.png", "rate.svg", "clock-offsets.png", "clock-offsets.svg", "timeline.html"}},
		{"bank without nemesis", genHistory(genOpts{seed: 5, ops: 1000, concurrency: 3, bank: true}),
			[]string{"latency-raw.png", "latency-raw.svg", "latency-quantiles.png", "latency-quantiles.svg", "rate.png", "rate.svg", "bank.png", "bank.svg", "timeline.html"}},
		{"empty history", history.MustNew(), []string{"timeline.html"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			paths, err := WriteAll(dir, c.h)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, p := range paths {
				names = append(names, filepath.Base(p))
				if filepath.Dir(p) != dir {
					t.Errorf("%s written outside %s", p, dir)
				}
			}
			if !slices.Equal(names, c.want) {
				t.Errorf("wrote %v, want %v", names, c.want)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != len(c.want) {
				t.Errorf("directory holds %d files, want exactly the %d written (no empty leftovers)", len(entries), len(c.want))
			}
			for _, p := range paths {
				data, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				switch filepath.Ext(p) {
				case ".png":
					checkPNG(t, p, data)
				case ".svg":
					checkSVG(t, p, data)
				}
			}
		})
	}
}

func TestWriteAllNamesTheFileThatFailed(t *testing.T) {
	h := history.MustNew(
		history.Op{Index: 0, Time: 1, Type: history.Invoke, Process: 0, F: "read"},
		history.Op{Index: 1, Time: 5, Type: history.OK, Process: 0, F: "read", Value: history.Map{{Key: int64(0), Value: true}}},
	)
	dir := t.TempDir()
	paths, err := WriteAll(dir, h)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "bank.png")) || !strings.Contains(err.Error(), "op 1") {
		t.Fatalf("want an error naming bank.png and op 1, got %v", err)
	}
	if len(paths) != 7 { // the other plots and the timeline are still written
		t.Errorf("wrote %v, want the 3 other plots in both formats and the timeline", paths)
	}
	if _, err := os.Stat(filepath.Join(dir, "bank.png")); !os.IsNotExist(err) {
		t.Errorf("a failed plot leaves no file behind, yet bank.png exists (%v)", err)
	}
}

// FuzzJSONString checks the page's string encoder against encoding/json:
// whatever bytes a value renders to, the page must read back the same text
// (invalid UTF-8 as U+FFFD, as encoding/json does), and no "<" may appear raw.
func FuzzJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", `"quoted" \back\`, "</script><!--", "tab\tnl\ncr\r\x00\x1f", "\u2028\u2029", "é ü 漢字 🙂", "\xff\xfe bad", "a\xc3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendJSONString(nil, s)
		if bytes.ContainsAny(got, "<>&") {
			t.Fatalf("%q encodes with raw <, > or &: %s", s, got)
		}
		var back, want string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%q encodes to invalid JSON %s: %v", s, got, err)
		}
		ref, _ := json.Marshal(s)
		if err := json.Unmarshal(ref, &want); err != nil {
			t.Fatal(err)
		}
		if back != want {
			t.Fatalf("%q reads back as %q, encoding/json gives %q", s, back, want)
		}
	})
}

// TestTimelineOpensAtAnOp opens the page with ?op=N (and #op=N), as the web
// UI links to it, and checks the op's details are shown and the view is
// zoomed to it; an index the history lacks says so.
func TestTimelineOpensAtAnOp(t *testing.T) {
	chromiumPath(t)
	h := genHistory(genOpts{seed: 7, ops: 4000, concurrency: 4, nemesis: true, seconds: 60})
	var buf bytes.Buffer
	if err := Timeline(h, &buf); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(t.TempDir(), "at-op.html")
	if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// A completion deep in the run: the page must find its box by the
	// completion's index too, and zoom in far from the whole run's span.
	var target history.Op
	for _, op := range h.Ops()[h.Len()/2:] {
		if op.Type == history.OK && op.IsClient() {
			target = op
			break
		}
	}
	inv := h.At(h.Invocation(target.Index))
	for _, url := range []string{page + "?op=" + strconv.Itoa(target.Index), page + "#op=" + strconv.Itoa(target.Index)} {
		dom, log := runChromium(t, url, "--dump-dom", "--window-size=1200,600")
		if strings.Contains(log, "Uncaught") || strings.Contains(dom, `id="timeline-error"`) {
			t.Fatalf("%s: script error:\n%s", url, tail(dom+log, 2000))
		}
		focus := regexp.MustCompile(`(?s)<pre id="timeline-focus">(.*?)</pre>`).FindStringSubmatch(dom)
		if focus == nil {
			t.Fatalf("%s: no #timeline-focus; DOM tail:\n%s", url, tail(dom, 1500))
		}
		for _, want := range []string{"opened at op " + strconv.Itoa(target.Index), ":f " + target.F, "index " + strconv.Itoa(inv.Index) + " → " + strconv.Itoa(target.Index), "process " + history.ProcessString(target.Process)} {
			if !strings.Contains(focus[1], want) {
				t.Errorf("%s: focus box lacks %q:\n%s", url, want, focus[1])
			}
		}
		win := regexp.MustCompile(`<span id="window">([0-9.]+) s – ([0-9.]+) s</span>`).FindStringSubmatch(dom)
		if win == nil {
			t.Fatalf("%s: no time window shown", url)
		}
		from, _ := strconv.ParseFloat(win[1], 64)
		to, _ := strconv.ParseFloat(win[2], 64)
		at := float64(inv.Time) / 1e9
		if from > at || to < float64(target.Time)/1e9 || to-from > 5 {
			t.Errorf("%s: window %.3f-%.3f s does not zoom onto the op (%.3f-%.3f s)", url, from, to, at, float64(target.Time)/1e9)
		}
	}
	dom, _ := runChromium(t, page+"?op=99999999", "--dump-dom")
	if !strings.Contains(dom, `<pre id="timeline-focus">op 99999999 is not in this timeline</pre>`) {
		t.Errorf("a missing op is not reported; DOM tail:\n%s", tail(dom, 1000))
	}
}
