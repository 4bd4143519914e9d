package codec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/edn/scan"
)

// SyntaxError is malformed input at file:line:col (the same type the EDN
// reader returns).
type SyntaxError = scan.Error

// parsed is what a format reader says about the op it filled in.
type parsed struct {
	pos      scan.Pos // where the op starts
	hasIndex bool     // whether the op carried its own index
}

// opSource is one format's reader: it fills in the file's ops in order, and
// returns io.EOF at the end.
type opSource interface {
	next(dst *history.Op) (parsed, error)
}

// truncation is input that ended inside an op (or inside the vector holding
// the ops). Whether that is a crashed run's last line or a damaged file is
// decided by the Reader.
type truncation struct {
	start  scan.Pos // where the unfinished op (or vector) starts
	err    *scan.Error
	always bool   // a vector left open after complete ops: always a crashed run
	what   string // what was left unfinished, when it is not an op
}

func (t *truncation) Error() string { return t.err.Error() }
func (t *truncation) Unwrap() error { return t.err }

// truncatedAt turns an EOF syntax error into a truncation of what started at
// start; what, if set, names an unclosed container whose ops were complete.
func truncatedAt(err error, start scan.Pos, what string) error {
	var se *scan.Error
	if errors.As(err, &se) && se.EOF {
		return &truncation{start: start, err: se, always: what != "", what: what}
	}
	return err
}

// lastLine reports whether an unfinished op starting at start sits on the last
// line of the input (allowing one final newline).
func (t *truncation) lastLine() bool {
	e := t.err
	return t.always || e.Line == t.start.Line || e.Line == t.start.Line+1 && e.Col == 1
}

// Reader reads a history file one op at a time. Ops come out as the file
// has them, except that missing indexes are filled in with the op's position
// and processes that invoke again after an :info completion are renamed (see
// processes). A truncated last op is a Warning, not an error.
type Reader struct {
	name     string
	format   Format
	src      opSource
	n        int
	line     int
	procs    processes
	warnings []Warning
	done     bool
	op       history.Op // what Next fills in
}

// NewReader returns a streaming reader of r in format f (Auto detects it from
// the first bytes); name names r in errors and warnings.
func NewReader(r io.Reader, name string, f Format) (*Reader, error) {
	s := scan.New(r, name)
	if c, ok := s.Peek(); ok && c == 0xEF && bytes.Equal(s.Lookahead(3), utf8BOM) {
		s.SkipN(len(utf8BOM)) // some editors start UTF-8 files with a byte-order mark
	}
	if f == Auto {
		f = detectFormat(s)
		if err := s.ReadErr(); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	rd := &Reader{name: name, format: f}
	switch f {
	case EDN:
		rd.src = newEDNOps(s)
	case JSON:
		rd.src = newJSONOps(s)
	case JepsenLog:
		rd.src = newTextOps(s)
	default:
		return nil, fmt.Errorf("%s: unknown history format %q: expected auto, edn, jepsen-log or json", name, f)
	}
	return rd, nil
}

// Format is the format being read (the detected one when Auto was asked for).
func (r *Reader) Format() Format { return r.format }

// Line is the line on which the op last returned by Next starts.
func (r *Reader) Line() int { return r.line }

// Warnings returns the problems that did not stop reading, so far.
func (r *Reader) Warnings() []Warning { return r.warnings }

// Next returns the next op, or io.EOF after the last one.
func (r *Reader) Next() (history.Op, error) {
	// Read into the Reader's own op: a local one would escape to the heap
	// through the format reader's interface, one allocation per op.
	if err := r.read(&r.op); err != nil {
		return history.Op{}, err
	}
	return r.op, nil
}

// read is Next filling in dst (which ReadAll points into its own storage, to
// save copying every op).
func (r *Reader) read(dst *history.Op) error {
	if r.done {
		return io.EOF
	}
	p, err := r.src.next(dst)
	if err != nil {
		r.done = true
		var t *truncation
		switch {
		case err == io.EOF:
			if w, ok := r.src.(interface{ endWarnings() []Warning }); ok {
				r.warnings = append(r.warnings, w.endWarnings()...)
			}
			r.warnings = append(r.warnings, r.procs.summary(r.name)...)
		case errors.As(err, &t) && t.lastLine():
			msg := fmt.Sprintf("the last op is cut short (a crashed run?) and was dropped; the %d ops before it are kept: %s", r.n, t.err.Msg)
			if t.what != "" {
				msg = fmt.Sprintf("%s (a crashed run?); the %d ops in it are kept", t.what, r.n)
			}
			r.warnings = append(r.warnings, Warning{File: r.name, Line: t.start.Line, Col: t.start.Col, Msg: msg})
			r.warnings = append(r.warnings, r.procs.summary(r.name)...)
			return io.EOF
		case errors.As(err, &t):
			return fmt.Errorf("%w (the op starting at %s is never finished, and it is not on the last line)", t.err, t.start)
		}
		return err
	}
	if !p.hasIndex {
		dst.Index = r.n
	}
	if w, renamed := r.procs.assign(dst, r.name, p.pos.Line); renamed {
		r.warnings = append(r.warnings, w)
	}
	r.n++
	r.line = p.pos.Line
	return nil
}

// ReadAll reads every op, pairs them with history.New and returns the
// history. A pairing error names the file and the offending op's line.
func (r *Reader) ReadAll() (*history.History, error) {
	// Ops gather in chunks and are copied once into a slice of the exact
	// size: growing one slice by doubling would zero and copy a million ops
	// several times over.
	var chunks [][]history.Op
	var chunk []history.Op
	var lines []int32
	n := 0
	for {
		if len(chunk) == cap(chunk) {
			if chunk != nil {
				chunks = append(chunks, chunk)
			}
			chunk = make([]history.Op, 0, min(64<<10, max(1024, n)))
		}
		chunk = chunk[:len(chunk)+1]
		err := r.read(&chunk[len(chunk)-1])
		if err == io.EOF {
			chunk = chunk[:len(chunk)-1]
			break
		}
		if err != nil {
			return nil, err
		}
		lines = append(lines, int32(min(r.line, math.MaxInt32)))
		n++
	}
	ops := make([]history.Op, 0, n)
	for _, c := range append(chunks, chunk) {
		ops = append(ops, c...)
	}
	h, err := history.New(ops)
	if err != nil {
		var pe *history.PairError
		if errors.As(err, &pe) && pe.Pos < len(lines) {
			return nil, fmt.Errorf("%s:%d: %w", r.name, lines[pe.Pos], err)
		}
		return nil, fmt.Errorf("%s: %w", r.name, err)
	}
	return h, nil
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// detectFormat looks at as few bytes as it needs (a live stream may not have
// more yet) to pick the format: { or [ followed by a JSON string key is
// JSON, any other {, [, (, # or ; is EDN, anything else is Jepsen text
// (history.txt rows or jepsen.log lines). An empty input is EDN (and empty
// in every format).
func detectFormat(s *scan.Scanner) Format {
	for n := 1; ; n++ {
		la := s.Lookahead(n)
		f, ok := detect(la, len(la) < n)
		if ok {
			return f
		}
		n = len(la)
	}
}

// detect decides from the first bytes of the input; ok is false when it
// needs more of them (it always decides at EOF).
func detect(b []byte, atEOF bool) (f Format, ok bool) {
	i := skipBlank(b, 0)
	if i == len(b) {
		return EDN, atEOF
	}
	switch b[i] {
	case '{':
		return jsonOrEDN(b, i+1, atEOF)
	case '[':
		j := skipBlank(b, i+1)
		switch {
		case j == len(b):
			return JSON, atEOF
		case b[j] == '{':
			return jsonOrEDN(b, j+1, atEOF)
		case b[j] == ']':
			return JSON, true
		}
		return EDN, true
	case '(', '#', ';':
		return EDN, true
	}
	return JepsenLog, true
}

func jsonOrEDN(b []byte, i int, atEOF bool) (Format, bool) {
	i = skipBlank(b, i)
	if i == len(b) {
		return EDN, atEOF
	}
	if b[i] == '"' || b[i] == '}' {
		return JSON, true
	}
	return EDN, true
}
func skipBlank(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r' || b[i] == ',') {
		i++
	}
	return i
}
