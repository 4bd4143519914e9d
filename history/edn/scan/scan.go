// Package scan is the buffered, position-keeping byte reader under
// Faultline's streaming history parsers: EDN in history/edn, JSON and
// Jepsen's text rows in history/codec. It reads an io.Reader in chunks (never
// the whole input), knows the line and column of every byte it hands out, and
// gives tokens as contiguous byte slices even across chunk boundaries, so the
// parsers stay simple and fast and every error can say file:line:col.
//
// Columns are 1-based and count bytes, as Go's own compiler messages do.
package scan

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Pos is a place in the input: 1-based line and byte column.
type Pos struct{ Line, Col int }

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// Error is a syntax error at a place in a named input. EOF is true when the
// input ended before the construct being read was complete (a truncated file),
// as opposed to holding something malformed.
type Error struct {
	File      string
	Line, Col int
	Msg       string
	EOF       bool
}

func (e *Error) Error() string {
	if e.File == "" {
		return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// Pos returns where the error is.
func (e *Error) Pos() Pos { return Pos{e.Line, e.Col} }

const chunk = 64 << 10

// DefaultMaxRun is the longest run of bytes a Scanner holds at once unless
// told otherwise (MaxRun): 64 MiB, far beyond any line a history has, and
// small enough that a stream without line ends (/dev/zero, a binary file)
// fails fast instead of growing the buffer until memory runs out.
const DefaultMaxRun = 64 << 20

// MaxNumberLen is the longest number token the EDN and JSON readers accept:
// converting a decimal of n digits to a big integer takes time in n squared
// (5 MB of digits took 106 s), and no history has integers of more than a
// few dozen digits.
const MaxNumberLen = 400

// Scanner reads bytes from an io.Reader or a byte slice and tracks where they
// are. The zero value is not usable; use New or Reset.
type Scanner struct {
	File string

	r    io.Reader
	buf  []byte // buf[pos:] is unread
	pos  int
	err  error // the reader's error once it has returned one (io.EOF at the end)
	line int   // line of buf[pos]
	// lineStart is the index in buf where the current line starts; it is
	// negative when the line started in a chunk already discarded.
	lineStart int
	// MaxRun bounds the run of bytes the scanner must hold at once: one
	// token (a string, a number), or one whole line for the row formats
	// (history.txt, jepsen.log), which read a line at a time. Needing more
	// is a *LongLineError where the run starts, instead of a buffer that
	// grows without bound; the streaming parsers never hold more than a
	// token, so a long line of small tokens (a JSON array on one line)
	// costs no memory and is not refused. New sets it to DefaultMaxRun;
	// 0 or less is no bound.
	MaxRun int
}

// LongLineError is a line (or one token) longer than the scanner's MaxRun:
// memory stays proportional to the history, not to its longest line.
type LongLineError struct {
	File      string
	Line, Col int // where the run starts
	Max       int
}

func (e *LongLineError) Error() string {
	return fmt.Sprintf("%s:%d:%d: more than %d bytes without a line end or the end of a token (the --max-line-bytes limit): this is not a history line (binary data, a device file?), or an op too large to read", e.File, e.Line, e.Col, e.Max)
}

// New returns a scanner over r; file names the input in errors.
func New(r io.Reader, file string) *Scanner {
	return &Scanner{File: file, r: r, buf: make([]byte, 0, chunk), line: 1, MaxRun: DefaultMaxRun}
}

// NewAt is New for input whose first byte is at pos in the named file: a
// reader that resumes a file part way through.
func NewAt(r io.Reader, file string, pos Pos) *Scanner {
	s := New(r, file)
	s.line, s.lineStart = pos.Line, -(pos.Col - 1)
	return s
}

// Reset makes s read the byte slice b, whose first byte is at pos in the
// named file. The scanner does not copy b; it is reused without allocating,
// which lets row-oriented readers parse each row in place.
func (s *Scanner) Reset(b []byte, file string, pos Pos) {
	s.File, s.r, s.buf, s.pos, s.err = file, nil, b, 0, io.EOF
	s.line, s.lineStart = pos.Line, -(pos.Col - 1)
}

// Pos is the position of the next unread byte.
func (s *Scanner) Pos() Pos { return Pos{s.line, s.pos - s.lineStart + 1} }

// Errorf makes an *Error at p.
func (s *Scanner) Errorf(p Pos, format string, args ...any) *Error {
	return &Error{File: s.File, Line: p.Line, Col: p.Col, Msg: fmt.Sprintf(format, args...)}
}

// EOFErrorf makes an *Error for input that ended too soon: it sits at the end
// of the input, says what was expected, and has EOF set.
func (s *Scanner) EOFErrorf(format string, args ...any) *Error {
	e := s.Errorf(s.Pos(), format, args...)
	e.EOF = true
	return e
}

// ReadErr returns the underlying reader's error, if it failed with something
// other than io.EOF.
func (s *Scanner) ReadErr() error {
	if s.err == nil || errors.Is(s.err, io.EOF) {
		return nil
	}
	return s.err
}

// fill reads more input, keeping buf[keep:] (keep <= pos). It reports whether
// it added any bytes.
func (s *Scanner) fill(keep int) bool {
	if s.err != nil {
		return false
	}
	if keep > 0 {
		n := copy(s.buf, s.buf[keep:])
		s.buf = s.buf[:n]
		s.pos -= keep
		s.lineStart -= keep
	}
	if len(s.buf) == cap(s.buf) && s.MaxRun > 0 && len(s.buf) >= s.MaxRun {
		// Everything buffered is the run being read (buf[0] is its
		// first byte): it is too long to hold. Its column is known while
		// it sits on the current line; else it began on an earlier one.
		s.err = &LongLineError{File: s.File, Line: s.line, Col: max(1, 1-s.lineStart), Max: s.MaxRun}
		return false
	}
	if len(s.buf) == cap(s.buf) {
		n := 2 * cap(s.buf)
		if s.MaxRun > 0 && n > s.MaxRun {
			n = s.MaxRun // > len(s.buf), or the run would be refused above
		}
		nb := make([]byte, len(s.buf), n)
		copy(nb, s.buf)
		s.buf = nb
	}
	for tries := 0; tries < 100; tries++ {
		n, err := s.r.Read(s.buf[len(s.buf):cap(s.buf)])
		s.buf = s.buf[:len(s.buf)+n]
		if err != nil {
			s.err = err
		}
		if n > 0 || err != nil {
			return n > 0
		}
	}
	s.err = io.ErrNoProgress
	return false
}

// Peek returns the next byte without consuming it; ok is false at the end of
// the input (or on a read error, see ReadErr).
func (s *Scanner) Peek() (c byte, ok bool) {
	if s.pos >= len(s.buf) && !s.fill(s.pos) {
		return 0, false
	}
	return s.buf[s.pos], true
}

// Lookahead returns up to n unread bytes without consuming them (fewer only
// at the end of the input). It waits until n bytes have arrived, so on a live
// stream ask only for bytes the syntax says must come.
func (s *Scanner) Lookahead(n int) []byte {
	for len(s.buf)-s.pos < n && s.fill(s.pos) {
	}
	return s.buf[s.pos:min(len(s.buf), s.pos+n)]
}

// Buffered returns the unread bytes already in the buffer, without reading
// (so without waiting on a live stream): fast paths look at these and leave
// anything that runs past them to the general path.
func (s *Scanner) Buffered() []byte { return s.buf[s.pos:] }

// Skip consumes the next byte, which Peek or Lookahead has shown and which
// must not be a newline (use Newline or Next).
func (s *Scanner) Skip() { s.pos++ }

// SkipN consumes n bytes that Buffered or Lookahead has shown, none of them
// a newline.
func (s *Scanner) SkipN(n int) { s.pos += n }

// Newline consumes the next byte, which must be '\n'.
func (s *Scanner) Newline() {
	s.pos++
	s.line++
	s.lineStart = s.pos
}

// Next consumes and returns the next byte.
func (s *Scanner) Next() (byte, bool) {
	c, ok := s.Peek()
	if ok {
		if c == '\n' {
			s.Newline()
		} else {
			s.pos++
		}
	}
	return c, ok
}

// Set is a set of bytes, for the Take functions.
type Set [256]bool

// NewSet returns the set of the bytes in chars plus those for which in is
// true (in may be nil).
func NewSet(chars string, in func(byte) bool) *Set {
	var s Set
	for i := range s {
		s[i] = in != nil && in(byte(i))
	}
	for i := 0; i < len(chars); i++ {
		s[chars[i]] = true
	}
	return &s
}

// Take consumes the longest run of bytes in set and returns it as one slice,
// valid until the next call on s (any call: reading more moves the buffer).
// Newlines in the run are counted.
func (s *Scanner) Take(set *Set) []byte {
	tok, _, _ := s.TakeNext(set)
	return tok
}

// TakeNext is Take that also returns the byte that stopped the run (not
// consumed), with more=false at the end of the input. Use it instead of a
// Peek after Take, which could move the buffer under the run.
func (s *Scanner) TakeNext(set *Set) (tok []byte, next byte, more bool) {
	start := s.pos
	i := s.pos
	countLines := set['\n']
	for {
		if countLines {
			for ; i < len(s.buf) && set[s.buf[i]]; i++ {
				if s.buf[i] == '\n' {
					s.line++
					s.lineStart = i + 1
				}
			}
		} else {
			for i < len(s.buf) && set[s.buf[i]] {
				i++
			}
		}
		if i < len(s.buf) {
			more = true
			break
		}
		// Ran off the chunk: keep the run and read more.
		n := i - start
		if !s.fill(start) {
			i = s.pos + n
			start = s.pos
			break
		}
		start, i = s.pos, s.pos+n
	}
	tok = s.buf[start:i]
	s.pos = i
	if more {
		next = s.buf[i]
	}
	return tok, next, more
}

// Line consumes the rest of the current line and the newline ending it, and
// returns the line without its line ending ("\n" or "\r\n"). ok is false at the
// end of the input; a last line without a newline is returned with
// complete=false.
func (s *Scanner) Line() (line []byte, complete, ok bool) {
	if _, ok := s.Peek(); !ok {
		return nil, false, false
	}
	line, _, complete = s.TakeNext(notNewline)
	if complete {
		s.Newline()
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, complete, true
}

var notNewline = NewSet("", func(c byte) bool { return c != '\n' })

// SmallInt parses tok if it is a non-negative decimal integer of at most 18
// digits without leading zeros: the common number of every history (indexes,
// times, processes), which parsers take this fast path for.
func SmallInt(tok []byte) (int64, bool) {
	if len(tok) == 0 || len(tok) > 18 || tok[0] == '0' && len(tok) > 1 {
		return 0, false
	}
	var n int64
	for _, c := range tok {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// PlainInt reads the plain decimal integer that starts at b[i] (digits
// only, at most 18, no leading zero) and returns the index after it; ok is
// false when there is none, or when it may run on past the end of b or
// into a byte that follow does not allow, so that the caller leaves it to
// its general path. The EDN and JSON readers' runs of list elements use it.
func PlainInt(b []byte, i int, follow *Set) (n int64, end int, ok bool) {
	end = i
	for end < len(b) && end-i < 18 && b[end] >= '0' && b[end] <= '9' {
		n = n*10 + int64(b[end]-'0')
		end++
	}
	ok = end > i && end < len(b) && follow[b[end]] && (b[i] != '0' || end-i == 1)
	return n, end, ok
}

// UnicodeEscape reads the four hex digits of a \uXXXX escape in a string
// (the "\u" is consumed already; the escape starts at p), and the second
// escape of a UTF-16 surrogate pair when the first is a high surrogate: EDN
// (as Clojure reads it) and JSON both spell characters beyond U+FFFF so.
func (s *Scanner) UnicodeEscape(p Pos) (rune, error) {
	r, err := s.hex4(p)
	if err != nil || !utf16.IsSurrogate(r) {
		return r, err
	}
	if la := s.Lookahead(2); r < 0xdc00 && len(la) == 2 && la[0] == '\\' && la[1] == 'u' {
		s.Skip()
		s.Skip()
		lo, err := s.hex4(p)
		if err != nil {
			return 0, err
		}
		if pair := utf16.DecodeRune(r, lo); pair != utf8.RuneError {
			return pair, nil
		}
	}
	return 0, s.Errorf(p, "\\u%04x is half of a UTF-16 surrogate pair without its other half", r)
}

func (s *Scanner) hex4(p Pos) (rune, error) {
	la := s.Lookahead(4)
	if len(la) < 4 {
		return 0, s.EOFErrorf("expected 4 hex digits after \\u at %s, found EOF", p)
	}
	n, err := strconv.ParseUint(string(la), 16, 32)
	if err != nil || la[0] == '+' || la[0] == '-' || la[0] == '_' {
		return 0, s.Errorf(p, "expected 4 hex digits after \\u, found %q", la)
	}
	for i := 0; i < 4; i++ {
		s.Skip()
	}
	return rune(n), nil
}
