package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/faultline/faultline/history"
)

// keepDir is where tests also leave their output for a person to look at,
// when REPORT_KEEP names a directory; otherwise output goes to t.TempDir.
func keepDir(t *testing.T) string {
	if d := os.Getenv("REPORT_KEEP"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

type plotFunc func(*history.History, io.Writer, Format) error

// checkPNG asserts data is a PNG of the figure's size.
func checkPNG(t *testing.T, name string, data []byte) {
	t.Helper()
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: not a PNG: %v", name, err)
	}
	if cfg.Width != 1152 || cfg.Height != 528 {
		t.Errorf("%s: PNG is %dx%d, want 1152x528", name, cfg.Width, cfg.Height)
	}
	if len(data) < 10_000 {
		t.Errorf("%s: PNG is only %d bytes: is anything drawn?", name, len(data))
	}
	if _, err := png.Decode(bytes.NewReader(data)); err != nil {
		t.Errorf("%s: PNG does not decode fully: %v", name, err)
	}
}

// checkSVG asserts data is well-formed XML with an <svg> root of the
// figure's size in points (12 x 5.5 inches).
func checkSVG(t *testing.T, name string, data []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	var root *xml.StartElement
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: SVG is not well-formed XML: %v", name, err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == nil {
			se := se.Copy()
			root = &se
		}
	}
	if root == nil || root.Name.Local != "svg" {
		t.Fatalf("%s: root element is %v, want svg", name, root)
	}
	size := map[string]float64{}
	for _, a := range root.Attr {
		if a.Name.Local == "width" || a.Name.Local == "height" {
			v, err := strconv.ParseFloat(strings.TrimSuffix(a.Value, "pt"), 64)
			if err != nil {
				t.Fatalf("%s: svg %s=%q is not a length in points", name, a.Name.Local, a.Value)
			}
			size[a.Name.Local] = v
		}
	}
	if size["width"] != 864 || size["height"] != 396 {
		t.Errorf("%s: svg is %vx%v pt, want 864x396", name, size["width"], size["height"])
	}
}

func TestPlotsRenderAsPNGAndSVG(t *testing.T) {
	reg := genHistory(genOpts{seed: 7, ops: 4000, concurrency: 5, nemesis: true})
	bank := genHistory(genOpts{seed: 8, ops: 2000, concurrency: 4, nemesis: true, bank: true, badTotals: true})
	dir := keepDir(t)
	for _, c := range []struct {
		name string
		h    *history.History
		draw plotFunc
	}{
		{"latency-raw", reg, LatencyRaw},
		{"latency-quantiles", reg, LatencyQuantiles},
		{"rate", reg, Rate},
		{"clock-offsets", reg, ClockOffsets},
		{"bank", bank, BankTotals},
	} {
		for _, f := range []Format{PNG, SVG} {
			var buf bytes.Buffer
			if err := c.draw(c.h, &buf, f); err != nil {
				t.Fatalf("%s.%s: %v", c.name, f, err)
			}
			name := c.name + "." + string(f)
			if f == PNG {
				checkPNG(t, name, buf.Bytes())
			} else {
				checkSVG(t, name, buf.Bytes())
			}
			if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestSVGLegendNamesSeriesAndFaults(t *testing.T) {
	h := genHistory(genOpts{seed: 7, ops: 4000, concurrency: 5, nemesis: true})
	var buf bytes.Buffer
	if err := LatencyRaw(h, &buf, SVG); err != nil {
		t.Fatal(err)
	}
	svg := buf.String()
	for _, want := range []string{"read ok", "read info", "read fail", "write ok", "cas fail", "partition", "kill", "pause", "packet", "clock", "time (s)", "latency (ms)"} {
		if !strings.Contains(svg, ">"+want+"<") {
			t.Errorf("latency SVG has no text %q", want)
		}
	}
	if strings.Contains(svg, ">check-clock-offsets<") {
		t.Errorf("check-clock-offsets measures, it injects no fault, yet it has a legend entry")
	}
}

func TestPlotsRejectHistoriesTheyDoNotApplyTo(t *testing.T) {
	onlyNemesis := history.MustNew(
		history.Op{Index: 0, Time: 1, Type: history.Invoke, Process: history.NemesisProcess, F: "kill"},
		history.Op{Index: 1, Time: 2, Type: history.Info, Process: history.NemesisProcess, F: "kill"},
	)
	register := genHistory(genOpts{seed: 3, ops: 200, concurrency: 2})
	for _, c := range []struct {
		name string
		h    *history.History
		draw plotFunc
		want error
	}{
		{"latency-raw of no client ops", onlyNemesis, LatencyRaw, errNoClientOps},
		{"quantiles of no client ops", onlyNemesis, LatencyQuantiles, errNoClientOps},
		{"rate of no client ops", onlyNemesis, Rate, errNoClientOps},
		{"bank of a register history", register, BankTotals, errNotBank},
		{"clock offsets without measurements", register, ClockOffsets, errNoClockOffsets},
	} {
		err := c.draw(c.h, io.Discard, PNG)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
}

func TestPlotErrorsSayWhereAndWhat(t *testing.T) {
	badBalance := history.MustNew(
		history.Op{Index: 0, Time: 1, Type: history.Invoke, Process: 3, F: "read"},
		history.Op{Index: 1, Time: 5, Type: history.OK, Process: 3, F: "read", Value: history.Map{{Key: int64(0), Value: int64(10)}, {Key: int64(1), Value: "lots"}}},
	)
	badOffset := history.MustNew(
		history.Op{Index: 0, Time: 1, Type: history.Invoke, Process: history.NemesisProcess, F: "bump-clock"},
		history.Op{Index: 1, Time: 5, Type: history.Info, Process: history.NemesisProcess, F: "bump-clock",
			Value: history.Map{{Key: history.Keyword("clock-offsets"), Value: history.Map{{Key: "n1", Value: history.Keyword("soon")}}}}},
	)
	notAMap := history.MustNew(
		history.Op{Index: 0, Time: 1, Type: history.Invoke, Process: history.NemesisProcess, F: "reset-clock"},
		history.Op{Index: 1, Time: 5, Type: history.Info, Process: history.NemesisProcess, F: "reset-clock",
			Value: history.Map{{Key: history.Keyword("clock-offsets"), Value: []any{int64(1)}}}},
	)
	negative := history.MustNew(
		history.Op{Index: 0, Time: -3, Type: history.Invoke, Process: 2, F: "read"},
		history.Op{Index: 1, Time: 5, Type: history.OK, Process: 2, F: "read"},
	)
	for _, c := range []struct {
		name string
		h    *history.History
		draw plotFunc
		want []string
	}{
		{"negative time", negative, Rate, []string{"op 0", "process 2", "time -3 is negative", "expected nanoseconds since the test started"}},
		{"non-numeric balance", badBalance, BankTotals, []string{"op 1", "process 3", "account 1", `"lots"`, "expected a number"}},
		{"non-numeric offset", badOffset, ClockOffsets, []string{"op 1", "bump-clock", "node n1", ":soon", "expected a number of seconds"}},
		{"offsets not a map", notAMap, ClockOffsets, []string{"op 1", "reset-clock", "[1]", "expected a map of node to seconds"}},
	} {
		err := c.draw(c.h, io.Discard, PNG)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", c.name, err, w)
			}
		}
	}
	h := genHistory(genOpts{seed: 3, ops: 200, concurrency: 2})
	if err := Rate(h, io.Discard, Format("gif")); err == nil || !strings.Contains(err.Error(), `"gif"`) || !strings.Contains(err.Error(), `expected "png" or "svg"`) {
		t.Errorf("unknown format: got %v", err)
	}
}

func TestBankTotalsSeparatesWrongTotals(t *testing.T) {
	good := genHistory(genOpts{seed: 8, ops: 1000, concurrency: 4, bank: true})
	bad := genHistory(genOpts{seed: 8, ops: 1000, concurrency: 4, bank: true, badTotals: true})
	for _, c := range []struct {
		name        string
		h           *history.History
		wantDiffers bool
	}{{"conserved totals", good, false}, {"wrong totals", bad, true}} {
		reads, err := bankReads(c.h)
		if err != nil {
			t.Fatal(err)
		}
		differs := 0
		for _, r := range reads {
			if r.total != 100 {
				differs++
			}
		}
		if (differs > 0) != c.wantDiffers {
			t.Fatalf("%s: %d of %d reads have a total other than 100", c.name, differs, len(reads))
		}
		var buf bytes.Buffer
		if err := BankTotals(c.h, &buf, SVG); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(buf.String(), ">read total differs<"); got != c.wantDiffers {
			t.Errorf("%s: legend entry for differing totals present=%v, want %v", c.name, got, c.wantDiffers)
		}
	}
}

func TestClockOffsetsPerNode(t *testing.T) {
	h := history.MustNew(
		history.Op{Index: 0, Time: 1e9, Type: history.Invoke, Process: history.NemesisProcess, F: "check-clock-offsets"},
		history.Op{Index: 1, Time: 1e9 + 5, Type: history.Info, Process: history.NemesisProcess, F: "check-clock-offsets",
			Value: history.Map{{Key: "n1", Value: 0.5}, {Key: "n2", Value: int64(-1)}}},
		history.Op{Index: 2, Time: 2e9, Type: history.Invoke, Process: history.NemesisProcess, F: "bump-clock", Value: history.Map{{Key: "n1", Value: int64(3)}}},
		history.Op{Index: 3, Time: 2e9 + 5, Type: history.Info, Process: history.NemesisProcess, F: "bump-clock",
			Value: history.Map{{Key: history.Keyword("clock-offsets"), Value: history.Map{{Key: "n1", Value: 3.5}}}}},
		history.Op{Index: 4, Time: 3e9, Type: history.Invoke, Process: history.NemesisProcess, F: "start-partition"},
		history.Op{Index: 5, Time: 3e9 + 5, Type: history.Info, Process: history.NemesisProcess, F: "start-partition",
			Value: history.Map{{Key: "n1", Value: history.Keyword("isolated")}}},
	)
	got, err := clockOffsets(h)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(got["n1"]) != 2 || len(got["n2"]) != 1 {
		t.Fatalf("want n1 twice and n2 once, got %v", got)
	}
	if got["n1"][1].X != 2.000000005 || got["n1"][1].Y != 3.5 || got["n2"][0].Y != -1 {
		t.Errorf("wrong points: %v", got)
	}
}

func TestBucketWidthAndQuantile(t *testing.T) {
	for _, c := range []struct{ end, want int64 }{
		{0, 1e6}, {50e6, 1e6}, {150e6, 2e6}, {60e9, 1e9}, {100e9, 1e9}, {101e9, 2e9}, {3600e9, 50e9},
	} {
		if got := bucketWidth(c.end, 100); got != c.want {
			t.Errorf("bucketWidth(%d) = %d, want %d", c.end, got, c.want)
		}
	}
	if got := bucketWidth(100e9, 50); got != 2e9 {
		t.Errorf("bucketWidth(100 s, 50 buckets) = %d, want 2 s", got)
	}
	xs := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, c := range []struct{ q, want float64 }{{0.5, 5}, {0.95, 10}, {0.1, 1}, {1, 10}, {0, 1}} {
		if got := quantile(xs, c.q); got != c.want {
			t.Errorf("quantile(1..10, %v) = %v, want %v", c.q, got, c.want)
		}
	}
	if got := durationLabel(2e9); got != "2s" {
		t.Errorf("durationLabel(2e9) = %q", got)
	}
	if got := durationLabel(5e6); got != "5ms" {
		t.Errorf("durationLabel(5e6) = %q", got)
	}
}
