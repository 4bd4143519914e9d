// Package progress tells someone waiting on a long check how far it has got:
// the phase (read, check, search cycles, ...), bytes and ops per second, and
// the time left while a file of known size is read. The work updates a
// Meter; a Printer, on its own goroutine, shows it on standard error: a
// status line redrawn in place on a terminal (package statusline) once the
// work has taken a couple of seconds, otherwise a plain log line every ten
// seconds or so. Nothing ever goes to standard output, which scripts parse.
package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faultline/faultline/internal/statusline"
)

// Meter is what the work reports as it goes. Its methods are safe to call
// from any goroutine; a nil *Meter ignores every report.
type Meter struct {
	bytes, ops atomic.Int64
	size       atomic.Int64 // bytes in all, 0 if not known
	mu         sync.Mutex
	phase      string
}

// Phase says that the work has entered the phase name (it satisfies
// checker.Phases, so checkers can report their own phases).
func (m *Meter) Phase(name string) {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.phase = name
	m.mu.Unlock()
}

// SetSize gives the number of bytes the input holds (0: not known, as for
// a pipe).
func (m *Meter) SetSize(n int64) {
	if m != nil {
		m.size.Store(n)
	}
}

// Restart forgets the bytes and ops counted, for work that starts reading
// its input again.
func (m *Meter) Restart() {
	if m != nil {
		m.bytes.Store(0)
		m.ops.Store(0)
	}
}

// AddOps counts ops handled.
func (m *Meter) AddOps(n int64) {
	if m != nil {
		m.ops.Add(n)
	}
}

// Reader returns r counting the bytes read through it.
func (m *Meter) Reader(r io.Reader) io.Reader {
	if m == nil {
		return r
	}
	return &countingReader{r: r, n: &m.bytes}
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// Snapshot is a Meter at one moment.
type Snapshot struct {
	Phase            string
	Bytes, Size, Ops int64
}

// Snapshot returns what the Meter holds now.
func (m *Meter) Snapshot() Snapshot {
	m.mu.Lock()
	phase := m.phase
	m.mu.Unlock()
	return Snapshot{Phase: phase, Bytes: m.bytes.Load(), Size: m.size.Load(), Ops: m.ops.Load()}
}

// Line says where the work on name stands after elapsed: "history.edn:
// read 41% (312.4 of 760.0 MB, 48.2 MB/s, 1204332 ops), about 9s left, 6s
// so far". Rates are averages since the start; the time left is only
// given while a file of known size is read (the bytes still to read at the
// rate so far).
func (s Snapshot) Line(name string, elapsed time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", name, s.Phase)
	secs := elapsed.Seconds()
	var facts []string
	reading := s.Bytes < s.Size || s.Size == 0 && s.Bytes > 0
	if reading && s.Size > 0 {
		fmt.Fprintf(&b, " %d%%", s.Bytes*100/s.Size)
		facts = append(facts, fmt.Sprintf("%.1f of %.1f MB", mb(s.Bytes), mb(s.Size)))
	} else if s.Bytes > 0 {
		facts = append(facts, fmt.Sprintf("%.1f MB", mb(s.Bytes)))
	}
	if reading && secs > 0 {
		facts = append(facts, fmt.Sprintf("%.1f MB/s", mb(s.Bytes)/secs))
	}
	if s.Ops > 0 {
		op := fmt.Sprintf("%d ops", s.Ops)
		if reading && secs > 0 {
			op += fmt.Sprintf(" at %.0f/s", float64(s.Ops)/secs)
		}
		facts = append(facts, op)
	}
	if len(facts) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(facts, ", "))
	}
	if reading && s.Size > 0 && s.Bytes > 0 {
		left := time.Duration(float64(elapsed) * float64(s.Size-s.Bytes) / float64(s.Bytes))
		fmt.Fprintf(&b, ", about %s left", left.Round(time.Second))
	}
	fmt.Fprintf(&b, ", %s so far", elapsed.Truncate(time.Second))
	return b.String()
}

func mb(n int64) float64 { return float64(n) / 1e6 }

// Printer shows a Meter's progress on standard error.
type Printer struct {
	Name string // what is being worked on (a file name)
	// Term, if not nil, is the terminal whose status line shows progress;
	// else each report is a log line written to Log.
	Term *statusline.Terminal
	Log  io.Writer
	// After is how long the work runs before a terminal shows anything
	// (quick checks stay quiet).
	After time.Duration
}

// Run shows m at each tick (whose value is the time now) until done is
// closed, counting time from start; on a terminal it then clears the status
// line. It is the Printer's loop, driven by any ticker (a fake one in
// tests).
func (p Printer) Run(m *Meter, start time.Time, ticks <-chan time.Time, done <-chan struct{}) {
	if p.Term != nil {
		defer p.Term.Clear()
	}
	for {
		select {
		case <-done:
			return
		case now := <-ticks:
			elapsed := now.Sub(start)
			line := m.Snapshot().Line(p.Name, elapsed)
			switch {
			case p.Term == nil:
				fmt.Fprintf(p.Log, "progress: %s\n", line)
			case elapsed >= p.After:
				p.Term.Set(line)
			}
		}
	}
}

// Options say how often progress shows.
type Options struct {
	Every time.Duration // log lines without a terminal (default 10 s)
	After time.Duration // the terminal's quiet start (default 2 s)
}

// Show starts showing m's progress on stderr (a status line updated twice a
// second if stderr is a terminal, else a log line every o.Every). It
// returns the writer through which other lines reach stderr meanwhile
// (above the status line, never in the middle of a log line) and the
// function that stops it (once; later calls do nothing), after which
// nothing more is written.
func Show(name string, m *Meter, stderr io.Writer, o Options) (w io.Writer, stop func()) {
	if o.Every <= 0 {
		o.Every = 10 * time.Second
	}
	if o.After <= 0 {
		o.After = 2 * time.Second
	}
	p := Printer{Name: name, After: o.After}
	every := o.Every
	if statusline.IsTerminal(stderr) {
		p.Term, every = statusline.New(stderr), 500*time.Millisecond
		w = p.Term
	} else {
		p.Log = &lockedWriter{w: stderr}
		w = p.Log
	}
	tick := time.NewTicker(every)
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		p.Run(m, time.Now(), tick.C, done)
	}()
	var once sync.Once
	return w, func() {
		once.Do(func() {
			tick.Stop()
			close(done)
			<-finished
		})
	}
}

// lockedWriter lets the Printer and the work write whole lines to one
// writer from two goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
