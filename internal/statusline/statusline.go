// Package statusline is one status line at the bottom of a terminal, redrawn
// in place while log lines scroll above it: the live status of a run
// (runner) and the progress of a long check (cli, through package
// progress). It only draws; what the line says is its callers' business.
package statusline

import (
	"io"
	"os"
	"sync"
)

// IsTerminal reports whether w is a character device (a terminal), where a
// line redrawn in place makes sense. TERM=dumb says it does not.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("TERM") == "dumb" {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Terminal is an output shared by log lines and a status line that is
// redrawn in place: a log line written through it first clears the status,
// then the status is drawn again below it. Safe for concurrent use.
type Terminal struct {
	mu     sync.Mutex
	w      io.Writer
	status string
}

// New returns a Terminal writing to w (which should be a terminal).
func New(w io.Writer) *Terminal { return &Terminal{w: w} }

// Write writes log lines above the status line.
func (t *Terminal) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, err := io.WriteString(t.w, "\r\033[K"); err != nil {
		return 0, err
	}
	n, err := t.w.Write(p)
	if err == nil && t.status != "" {
		_, err = io.WriteString(t.w, t.status)
	}
	return n, err
}

// Set replaces the status line.
func (t *Terminal) Set(s string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.status = s
	_, _ = io.WriteString(t.w, "\r\033[K"+s)
}

// Clear removes the status line for good (the work is over).
func (t *Terminal) Clear() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.status = ""
	_, _ = io.WriteString(t.w, "\r\033[K")
}
