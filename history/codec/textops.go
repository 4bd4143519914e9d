package codec

import (
	"bytes"
	"errors"
	"io"
	"math"
	"strings"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/edn"
	"github.com/faultline/faultline/history/edn/scan"
)

// logMarker precedes an op row in a jepsen.log line:
//
//	INFO  jepsen.util - 3	:invoke	:cas	[1 4]
const logMarker = "jepsen.util - "

// textOps reads Jepsen's tab-separated op rows,
//
//	process	:type	:f	value[	error]
//
// either alone (history.txt) or at the end of jepsen.log lines. A file whose
// first non-blank line is a row is a history.txt, and every non-blank line
// must be a row. Any other file is a jepsen.log: only what follows
// "jepsen.util - " on a line can be a row, and lines where that is not a row
// are ignored. Fields
// may be separated by tabs or, as in some copied logs, by spaces. process is
// an integer or :nemesis; the value and error are EDN, and an error that is
// not one EDN value (Jepsen prints errors with str, not pr-str) is kept as a
// string. Rows carry neither index nor time: ops get their position as
// index, and time 0.
type textOps struct {
	s     *scan.Scanner
	row   scan.Scanner // the row being parsed, over the line's bytes
	d     *edn.Decoder // reads row
	mode  int
	lines int // non-blank lines read
	rows  int // op rows among them
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
			i := bytes.Index(line, []byte(logMarker))
			if i < 0 {
				continue
			}
			row, col = line[i+len(logMarker):], i+len(logMarker)+1
			if !looksLikeRow(row) {
				continue
			}
		}
		t.rows++
		// line stays valid until t.s is read again: parse the row in place.
		t.row.Reset(row, t.s.File, scan.Pos{Line: pos.Line, Col: col})
		err := t.parseRow(dst)
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
		return parsed{pos: pos}, nil
	}
}

// looksLikeRow reports whether a line starts like an op row: a process
// (digits or :nemesis), blanks, and one of the four op types.
func looksLikeRow(b []byte) bool {
	i := 0
	switch {
	case bytes.HasPrefix(b, []byte(":nemesis")):
		i = len(":nemesis")
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

func (t *textOps) parseRow(op *history.Op) error {
	*op = history.Op{}
	d, s := t.d, &t.row
	p, proc, err := d.PosValue()
	if err != nil {
		return err
	}
	var ok bool
	if op.Process, ok = opProcess(proc); !ok {
		return s.Errorf(p, "expected a process (an integer or :nemesis) at the start of the row, found %s", clip(history.FormatEDN(proc)))
	}
	p, typ, err := d.PosValue()
	if err != nil {
		return err
	}
	if op.Type, ok = opType(typ); !ok {
		return s.Errorf(p, "the op type must be one of :invoke, :ok, :fail, :info, found %s", clip(history.FormatEDN(typ)))
	}
	if _, ok, _ := d.Peek(); !ok {
		return s.EOFErrorf("expected the op's f after its type, found EOF")
	}
	p, f, err := d.PosValue()
	if err != nil {
		return err
	}
	if op.F, ok = history.AsString(f); !ok || op.F == "" {
		return s.Errorf(p, "the op's f must be a keyword such as :read, found %s", clip(history.FormatEDN(f)))
	}
	if _, ok, _ := d.Peek(); !ok {
		return s.EOFErrorf("expected the op's value after its f, found EOF")
	}
	if op.Value, err = d.Value(); err != nil {
		return err
	}
	op.Error = t.rowError()
	return nil
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

// endWarnings warns about a jepsen.log in which no line held an op row: most
// likely not a Jepsen log at all.
func (t *textOps) endWarnings() []Warning {
	if t.mode != modeLog || t.rows > 0 || t.lines == 0 {
		return nil
	}
	return []Warning{{File: t.s.File, Line: 1, Col: 1, Msg: "no line holds an op row (\"jepsen.util - process\t:type\t:f\tvalue\"); the history is empty"}}
}
