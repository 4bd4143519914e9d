package codec

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/edn/scan"
	"github.com/faultline/faultline/internal/plural"
)

// SyntaxError is malformed input at file:line:col (the same type the EDN
// reader returns).
type SyntaxError = scan.Error

// parsed is what a format reader says about the op it filled in.
type parsed struct {
	pos        scan.Pos // where the op starts
	hasIndex   bool     // whether the op carried its own index
	hasProcess bool     // whether it named its process
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
// has them, except for the repairs of processes (renamed, given, or an
// :invoke without a process left out) and missing indexes, which become the
// op's position in the file. A truncated last op is a Warning, not an error;
// two ops with the same index are an error.
type Reader struct {
	name     string
	format   Format
	gzipped  bool
	empty    bool // the input had no bytes at all
	s        *scan.Scanner
	src      opSource
	n        int // ops read from the file, left-out ones included
	line     int
	procs    processes
	indexes  indexLines
	warnings []Warning
	done     bool
	op       history.Op // what Next fills in
}

// NewReader returns a streaming reader of r in format f (Auto detects it from
// the first bytes); name names r in errors and warnings. gzip-compressed
// input is decompressed first, whatever f is, and the format is detected on
// what it holds.
func NewReader(r io.Reader, name string, f Format) (*Reader, error) {
	return NewReaderWith(r, name, f, Options{})
}

// NewReaderWith is NewReader within the limits of o.
func NewReaderWith(r io.Reader, name string, f Format, o Options) (*Reader, error) {
	s := scan.New(r, name)
	s.MaxRun = o.maxRun()
	gzipped := false
	if c, ok := s.Peek(); ok && c == gzipMagic[0] && bytes.Equal(s.Lookahead(2), gzipMagic) {
		// The scanner has read ahead; give gzip those bytes, then the rest.
		head := append([]byte(nil), s.Buffered()...)
		zr, err := gzip.NewReader(io.MultiReader(bytes.NewReader(head), r))
		if err != nil {
			return nil, fmt.Errorf("%s: reading it as gzip: %w", name, err)
		}
		s, gzipped = scan.New(zr, name), true
		s.MaxRun = o.maxRun()
	}
	c, notEmpty := s.Peek()
	if notEmpty && c == 0xEF && bytes.Equal(s.Lookahead(3), utf8BOM) {
		s.SkipN(len(utf8BOM)) // some editors start UTF-8 files with a byte-order mark
	}
	if f == Auto {
		f = detectFormat(s)
	}
	rd := &Reader{name: name, format: f, gzipped: gzipped, empty: !notEmpty, s: s}
	if err := rd.readErr(); err != nil {
		return nil, err
	}
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

var gzipMagic = []byte{0x1f, 0x8b}

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
	for {
		if r.done {
			return io.EOF
		}
		p, err := r.src.next(dst)
		if err != nil {
			r.done = true
			return r.end(err)
		}
		if !p.hasIndex {
			dst.Index = r.n
		}
		r.n++
		if prev, dup := r.indexes.see(dst.Index, p.pos.Line); dup {
			r.done = true
			return r.s.Errorf(p.pos, "op has index %d, as does the op on line %d: two ops cannot share an index%s", dst.Index, prev, missingIndex(p.hasIndex))
		}
		keep, w := r.procs.assign(dst, p.hasProcess, r.name, p.pos.Line)
		if w != nil {
			r.warnings = append(r.warnings, *w)
		}
		if keep {
			r.line = p.pos.Line
			return nil
		}
	}
}

func missingIndex(has bool) string {
	if has {
		return ""
	}
	return " (this op has no :index, so its position in the file is its index)"
}

// end turns the error that ended reading into what Next returns: io.EOF
// (with warnings) for the end of the input or a crashed run's cut-short last
// op, the error otherwise.
func (r *Reader) end(err error) error {
	if rerr := r.readErr(); rerr != nil {
		return rerr
	}
	var t *truncation
	switch {
	case err == io.EOF:
		r.warnings = append(r.warnings, r.procs.summary(r.name)...)
	case errors.As(err, &t) && t.lastLine():
		kept := r.n - r.procs.dropped()
		msg := fmt.Sprintf("the last op is cut short (a crashed run?) and was dropped; the %d ops before it are kept: %s", kept, t.err.Msg)
		if t.what != "" {
			msg = fmt.Sprintf("%s (a crashed run?); the %d ops in it are kept", t.what, kept)
		}
		r.warnings = append(r.warnings, Warning{File: r.name, Line: t.start.Line, Col: t.start.Col, Msg: msg})
		r.warnings = append(r.warnings, r.procs.summary(r.name)...)
		return io.EOF
	case errors.As(err, &t):
		return fmt.Errorf("%w (the op starting at %s is never finished, and it is not on the last line)", t.err, t.start)
	}
	return err
}

// ReadAll reads every op, pairs them with history.NewInvokingAtStart and
// returns the history: a completion that has no invocation (histories of
// completions alone) is taken as invoked at the start of the history, with a
// Warning. Input without a single op is a *NoOpsError. A pairing error names
// the file and the offending op's line.
func (r *Reader) ReadAll() (*history.History, error) {
	// A Builder gathers the ops in chunks and copies them once into the
	// history: growing one slice by doubling would zero and copy a million
	// ops several times over.
	var b history.Builder
	var lines []int32
	var op history.Op
	for {
		op = history.Op{}
		err := r.read(&op)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		b.Add(op)
		lines = append(lines, int32(min(r.line, math.MaxInt32)))
	}
	if b.Len() == 0 {
		return nil, r.noOps()
	}
	h, err := b.BuildInvokingAtStart()
	if err != nil {
		var pe *history.PairError
		if errors.As(err, &pe) && pe.Pos < len(lines) {
			return nil, fmt.Errorf("%s:%d: %w", r.name, lines[pe.Pos], err)
		}
		return nil, fmt.Errorf("%s: %w", r.name, err)
	}
	if k := h.StartInvokes(); k > 0 {
		first := lines[h.Completion(0)-k]
		r.warnings = append(r.warnings, Warning{File: r.name, Line: int(first), Col: 1, Msg: fmt.Sprintf(
			"%d %s no invocation (a history of completions, as Elle's examples are written?): each is taken as invoked at the start of the history, so no op is known to have completed before it began (it is never the later side of a real-time order), and a process's completions keep their order",
			k, plural.Pick(k, "op has", "ops have"))})
	}
	return h, nil
}

// readErr is the error reading the input failed with (not a syntax error),
// if any: damaged compressed data, a failing disk or pipe.
func (r *Reader) readErr() error {
	err := r.s.ReadErr()
	var long *scan.LongLineError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &long):
		return err // names the file already
	case r.gzipped:
		return fmt.Errorf("%s: decompressing it (gzip): %w", r.name, err)
	}
	return fmt.Errorf("%s: %w", r.name, err)
}

// NoOpsError is input in which no op was found: an empty file, or one that
// is not a history (binary data, CSV, YAML, a gzip file holding any of
// these). It is an error, never an empty history, so that a check pointed at
// the wrong file fails.
type NoOpsError struct {
	File   string
	Format string // what the input was read as, such as "edn" or "gzip-compressed jepsen-log"
	Why    string // what was found instead
}

func (e *NoOpsError) Error() string {
	return fmt.Sprintf("no operations found in %s (read as %s): %s", e.File, e.Format, e.Why)
}

// noOps says why the input held no op.
func (r *Reader) noOps() error {
	format := string(r.format)
	if r.gzipped {
		format = "gzip-compressed " + format
	}
	why := "it is empty"
	switch {
	case r.n > 0:
		why = fmt.Sprintf("its %d %s no process, and an :invoke without one is left out", r.n, plural.Pick(r.n, ":invoke op has", ":invoke ops have"))
	case !r.empty:
		why = r.src.(interface{ emptyReason() string }).emptyReason()
	}
	return &NoOpsError{File: r.name, Format: format, Why: why}
}

// indexLines remembers the line of every index read, to find two ops with
// the same index. Indexes are usually about the ops' positions: those are
// kept in pages allocated as they are first used, never copied, and never
// more pages than about twice the indexes seen need (so indexes far apart
// cannot make it allocate much); others are kept in a map.
type indexLines struct {
	// pages[i/indexPage][i%indexPage] is 1 + the line of the op with index
	// i, 0 if none yet.
	pages  []*[indexPage]int32
	seen   int // indexes recorded
	sparse map[int]int
}

const indexPage = 1 << 12

// see records that the op with index i is on line; if an op already had
// index i, it returns that op's line instead.
func (x *indexLines) see(i, line int) (prev int, dup bool) {
	if p := i / indexPage; p < 2*(x.seen/indexPage)+16 {
		if l, ok := x.sparse[i]; ok { // kept there before the pages reached it
			return l, true
		}
		for p >= len(x.pages) {
			x.pages = append(x.pages, nil)
		}
		if x.pages[p] == nil {
			x.pages[p] = new([indexPage]int32)
		}
		slot := &x.pages[p][i%indexPage]
		if *slot != 0 {
			return int(*slot - 1), true
		}
		*slot = int32(min(line, math.MaxInt32-1) + 1)
		x.seen++
		return 0, false
	}
	if p, ok := x.sparse[i]; ok {
		return p, true
	}
	if x.sparse == nil {
		x.sparse = make(map[int]int)
	}
	x.sparse[i] = line
	x.seen++
	return 0, false
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
