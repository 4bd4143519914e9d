package codec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/edn"
	"github.com/faultline/faultline/history/edn/scan"
)

// The op rows of a jepsen.log follow the name of the logger that wrote them,
// jepsen.util, in either of Jepsen's layouts:
//
//	INFO  jepsen.util - 3	:invoke	:cas	[1 4]
//	2024-01-02 10:11:12,345{GMT}	INFO	[jepsen worker 0] jepsen.util: 0	:invoke	:write	1
//
// The first is log4j's (Jepsen before 0.2, and the logs Knossos and Porcupine
// ship); the second logback's "%d{ISO8601}{GMT}\t%p\t[%t] %c: %m%n" (Jepsen
// 0.2 and 0.3, also on the console without the date).
var logger = []byte("jepsen.util")

// textOps reads Jepsen's tab-separated op rows,
//
//	process	:type	:f	value[	error]
//
// either alone (history.txt) or at the end of jepsen.log lines. A file whose
// first non-blank line is a row is a history.txt, and every non-blank line
// must be a row. Any other file is a jepsen.log: only what follows
// "jepsen.util - " or "jepsen.util: " on a line can be a row, and lines
// where that is not a row are ignored. Fields may be separated by tabs or,
// as in some copied logs, by spaces. process is an integer, :nemesis, or nil
// (no process); f is a keyword, or nil for an op without one; the value and
// error are EDN, and an error that is not one EDN value (Jepsen prints errors
// with str, not pr-str) is kept as a string. Rows carry no index: ops get
// their position as index. A jepsen.log line that starts with its date and
// time ("2024-01-02 10:11:12,345") gives its op that time, in nanoseconds
// since the first op's; a row without one takes the time of the row before
// it (0 before any), and history.txt rows have time 0.
type textOps struct {
	s     *scan.Scanner
	row   scan.Scanner // the row being parsed, over the line's bytes
	d     *edn.Decoder // reads row
	mode  int
	lines int // non-blank lines read
	rows  int // op rows among them
	// binaryLine is the first line that is not text (a NUL byte, or not
	// UTF-8), 0 if none: why a file with no rows is not a history.
	binaryLine int
	// t0 is the time of the first timestamped row, in nanoseconds since
	// 1970; timed says there was one.
	t0    int64
	timed bool
	last  int64 // the time of the last timestamped row
}

const (
	modeUnknown = iota
	modeLog     // jepsen.log: rows are picked out of other lines
	modeRows    // history.txt: every line is a row
)

func newTextOps(s *scan.Scanner) *textOps {
	t := &textOps{s: s}
	t.d = edn.OnScanner(&t.row)
	return t
}
func (t *textOps) next(dst *history.Op) (parsed, error) {
	for {
		pos := t.s.Pos()
		line, complete, ok := t.s.Line()
		if !ok {
			if err := t.s.ReadErr(); err != nil {
				return parsed{}, err
			}
			return parsed{}, io.EOF
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		t.lines++
		if t.mode == modeUnknown {
			t.mode = modeLog
			if looksLikeRow(line) {
				t.mode = modeRows
			}
		}
		row, col := line, 1
		if t.mode == modeLog {
			i := rowInLogLine(line)
			if i < 0 || !looksLikeRow(line[i:]) {
				if t.binaryLine == 0 && (bytes.IndexByte(line, 0) >= 0 || !utf8.Valid(line)) {
					t.binaryLine = pos.Line
				}
				continue
			}
			row, col = line[i:], i+1
		}
		t.rows++
		// line stays valid until t.s is read again: parse the row in place.
		t.row.Reset(row, t.s.File, scan.Pos{Line: pos.Line, Col: col})
		hasProcess, err := t.parseRow(dst)
		if err != nil {
			var se *scan.Error
			if errors.As(err, &se) && !complete {
				// The row is the file's last and has no newline: a
				// crashed run cut it short (":inv" is a truncated
				// ":invoke", not a bad type).
				return parsed{}, &truncation{start: pos, err: se}
			}
			if se != nil && se.EOF {
				se.Msg = strings.Replace(se.Msg, "found EOF", "found the end of the line", 1)
				se.EOF = false
			}
			return parsed{}, err
		}
		if t.mode == modeLog {
			t.setTime(dst, line)
		}
		return parsed{pos: pos, hasProcess: hasProcess}, nil
	}
}

// rowInLogLine returns where the op row in a jepsen.log line starts (after
// the logger's name and its separator), or -1.
func rowInLogLine(line []byte) int {
	from := 0
	for {
		i := bytes.Index(line[from:], logger)
		if i < 0 {
			return -1
		}
		i += from + len(logger)
		rest := line[i:]
		switch {
		case bytes.HasPrefix(rest, []byte(": ")):
			return i + 2
		case bytes.HasPrefix(rest, []byte(" - ")):
			return i + 3
		}
		from = i
	}
}

// setTime gives op the time of its line's timestamp, relative to the first
// op's; a row without one keeps the time of the row before it.
func (t *textOps) setTime(op *history.Op, line []byte) {
	ts, ok := logTimestamp(line)
	switch {
	case ok && !t.timed:
		t.t0, t.timed = ts, true
		op.Time = 0
	case ok:
		op.Time = ts - t.t0
		t.last = op.Time
	default:
		op.Time = t.last
	}
}

// logTimestamp reads the date and time a log line starts with,
// "2024-01-02 10:11:12,345" (logback's ISO8601; a 'T' or a '.' are taken
// too, and any number of fraction digits), as nanoseconds since 1970 in
// whatever zone the log was written (only differences matter).
func logTimestamp(b []byte) (int64, bool) {
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || b[10] != ' ' && b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return 0, false
	}
	var f [6]int
	for k, at := range [6]int{0, 5, 8, 11, 14, 17} {
		w := 2
		if k == 0 {
			w = 4
		}
		for _, c := range b[at : at+w] {
			if c < '0' || c > '9' {
				return 0, false
			}
			f[k] = f[k]*10 + int(c-'0')
		}
	}
	ns := time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], 0, time.UTC).UnixNano()
	if len(b) > 20 && (b[19] == ',' || b[19] == '.') {
		scale := int64(100_000_000)
		for _, c := range b[20:] {
			if c < '0' || c > '9' {
				break
			}
			ns += int64(c-'0') * scale
			scale /= 10
		}
	}
	return ns, true
}

// looksLikeRow reports whether a line starts like an op row: a process
// (digits, :nemesis or nil), blanks, and one of the four op types.
func looksLikeRow(b []byte) bool {
	i := 0
	switch {
	case bytes.HasPrefix(b, []byte(":nemesis")):
		i = len(":nemesis")
	case bytes.HasPrefix(b, []byte("nil")):
		i = len("nil")
	default:
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == 0 {
			return false
		}
	}
	j := i
	for j < len(b) && (b[j] == '\t' || b[j] == ' ') {
		j++
	}
	if j == i {
		return false
	}
	for _, t := range [...]string{":invoke", ":ok", ":fail", ":info"} {
		if bytes.HasPrefix(b[j:], []byte(t)) {
			k := j + len(t)
			return k == len(b) || b[k] == '\t' || b[k] == ' '
		}
	}
	return false
}

// parseRow reads the row into op; hasProcess is false for a row whose
// process is nil.
func (t *textOps) parseRow(op *history.Op) (hasProcess bool, err error) {
	*op = history.Op{}
	d, s := t.d, &t.row
	p, proc, err := d.PosValue()
	if err != nil {
		return false, err
	}
	hasProcess = proc != nil
	var ok bool
	if op.Process, ok = opProcess(proc); hasProcess && !ok {
		return false, s.Errorf(p, "expected a process (an integer, :nemesis or nil) at the start of the row, found %s", clip(history.FormatEDN(proc)))
	}
	p, typ, err := d.PosValue()
	if err != nil {
		return false, err
	}
	if op.Type, ok = opType(typ); !ok {
		return false, s.Errorf(p, "the op type must be one of :invoke, :ok, :fail, :info, found %s", clip(history.FormatEDN(typ)))
	}
	if _, ok, _ := d.Peek(); !ok {
		return false, s.EOFErrorf("expected the op's f after its type, found EOF")
	}
	p, f, err := d.PosValue()
	if err != nil {
		return false, err
	}
	if op.F, ok = history.AsString(f); f != nil && (!ok || op.F == "") {
		return false, s.Errorf(p, "the op's f must be a keyword such as :read (or nil), found %s", clip(history.FormatEDN(f)))
	}
	if _, ok, _ := d.Peek(); !ok {
		return false, s.EOFErrorf("expected the op's value after its f, found EOF")
	}
	if op.Value, err = d.Value(); err != nil {
		return false, err
	}
	op.Error = t.rowError()
	return hasProcess, nil
}

// rowError reads what follows the value: nothing, one EDN value, or free
// text (kept as a string).
func (t *textOps) rowError() any {
	rest := bytes.TrimSpace(t.row.Lookahead(math.MaxInt32))
	if len(rest) == 0 {
		return nil
	}
	if v, err := t.d.Value(); err == nil {
		if _, more, err := t.d.Peek(); !more && err == nil {
			return v
		}
	}
	return string(rest)
}

// emptyReason says why a file gave no rows.
func (t *textOps) emptyReason() string {
	switch {
	case t.lines == 0:
		return "it has only blank lines"
	case t.binaryLine > 0:
		return fmt.Sprintf("it is not text (line %d has a NUL byte or is not UTF-8): binary data, or compressed in a way other than gzip", t.binaryLine)
	}
	return "no line is a Jepsen op row (process, :type, :f and value, tab-separated) or holds one after \"jepsen.util - \" or \"jepsen.util: \", and it is neither EDN nor JSON"
}
