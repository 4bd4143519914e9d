package progress

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/statusline"
)

func TestLineGivesRatesAndTimeLeftWhileAFileOfKnownSizeIsRead(t *testing.T) {
	cases := []struct {
		name    string
		s       Snapshot
		elapsed time.Duration
		want    string
	}{
		{"a quarter of a file in 10 s leaves 30 s",
			Snapshot{Phase: "read", Bytes: 25e6, Size: 100e6, Ops: 50000}, 10 * time.Second,
			"h.edn: read 25% (25.0 of 100.0 MB, 2.5 MB/s, 50000 ops at 5000/s), about 30s left, 10s so far"},
		{"a pipe has no size, so no time left",
			Snapshot{Phase: "read", Bytes: 3e6}, 2 * time.Second,
			"h.edn: read (3.0 MB, 1.5 MB/s), 2s so far"},
		{"once read, a phase of the check says how long it has been",
			Snapshot{Phase: "search cycles", Bytes: 100e6, Size: 100e6, Ops: 7}, 61500 * time.Millisecond,
			"h.edn: search cycles (100.0 MB, 7 ops), 1m1s so far"},
	}
	for _, c := range cases {
		if got := c.s.Line("h.edn", c.elapsed); got != c.want {
			t.Errorf("%s:\ngot  %q\nwant %q", c.name, got, c.want)
		}
	}
}

// run drives a Printer with ticks at the given offsets from start, then
// stops it, and returns what it wrote.
func run(p Printer, m *Meter, out *bytes.Buffer, offsets ...time.Duration) string {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ticks, done, finished := make(chan time.Time), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		p.Run(m, start, ticks, done)
	}()
	for _, d := range offsets {
		ticks <- start.Add(d)
	}
	close(done)
	<-finished
	return out.String()
}

func TestWithoutATerminalEachTickIsAPlainLogLine(t *testing.T) {
	var out bytes.Buffer
	m := &Meter{}
	m.SetSize(100)
	m.Phase("read")
	r := m.Reader(strings.NewReader(strings.Repeat("x", 40)))
	if _, err := io.Copy(io.Discard, r); err != nil {
		t.Fatal(err)
	}
	got := run(Printer{Name: "f", Log: &out}, m, &out, 10*time.Second, 20*time.Second)
	want := "progress: f: read 40% (0.0 of 0.0 MB, 0.0 MB/s), about 15s left, 10s so far\n" +
		"progress: f: read 40% (0.0 of 0.0 MB, 0.0 MB/s), about 30s left, 20s so far\n"
	if got != want {
		t.Fatalf("got\n%q\nwant\n%q", got, want)
	}
}

func TestATerminalStaysQuietForTheFirstSecondsThenRedrawsAndClears(t *testing.T) {
	var out bytes.Buffer
	m := &Meter{}
	m.Phase("check")
	got := run(Printer{Name: "f", Term: statusline.New(&out), After: 2 * time.Second}, m, &out,
		500*time.Millisecond, 1500*time.Millisecond, 2500*time.Millisecond)
	want := "\r\033[Kf: check, 2s so far" + "\r\033[K"
	if got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

func TestANilMeterIgnoresReports(t *testing.T) {
	var m *Meter
	m.Phase("read")
	m.AddOps(3)
	m.SetSize(4)
	if r := strings.NewReader("x"); m.Reader(r) != io.Reader(r) {
		t.Fatal("a nil meter wraps readers")
	}
}

func TestShowWritesNothingAfterItIsStopped(t *testing.T) {
	var out bytes.Buffer
	m := &Meter{}
	m.Phase("read")
	_, stop := Show("f", m, &out, Options{Every: time.Millisecond})
	time.Sleep(20 * time.Millisecond)
	stop()
	stop() // a second stop does nothing
	n := out.Len()
	if n == 0 || !strings.HasPrefix(out.String(), "progress: f: read") {
		t.Fatalf("no log line in 20 ms at one a millisecond: %q", out.String())
	}
	time.Sleep(10 * time.Millisecond)
	if out.Len() != n {
		t.Fatal("progress written after stop")
	}
}

func TestRestartForgetsWhatWasRead(t *testing.T) {
	m := &Meter{}
	m.AddOps(5)
	if _, err := io.Copy(io.Discard, m.Reader(strings.NewReader("abc"))); err != nil {
		t.Fatal(err)
	}
	m.Restart()
	if s := m.Snapshot(); s.Bytes != 0 || s.Ops != 0 {
		t.Fatalf("after Restart: %+v", s)
	}
}
