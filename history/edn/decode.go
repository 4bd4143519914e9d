// Package edn reads and writes EDN, the data notation Jepsen stores histories
// in, as history's value types: nil, bool, int64, *big.Int (integers beyond
// int64 and N-suffixed ones), float64 (M-suffixed decimals too, ##Inf, ##NaN),
// string, history.Keyword, history.Symbol, history.Char, []any (vector),
// history.List, history.Set, history.Map and history.Tagged (any #tag value,
// records such as #jepsen.history.Op{...} included, passed through).
//
// The Decoder streams: it reads one value at a time from an io.Reader and
// never holds more of the input than the value being read. Errors are
// *SyntaxError values that say file:line:col and what was expected, and
// whether the input simply ended too soon (a truncated file). Writing reuses
// history.AppendEDN so there is one EDN printer in the project.
package edn

import (
	"io"
	"strings"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/edn/scan"
)

// SyntaxError is malformed or truncated EDN: where (File, Line, Col), what was
// expected (Msg), and EOF when the input ended inside a value.
type SyntaxError = scan.Error

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 10000

// maxInterned bounds the keyword cache; histories use a few dozen keywords.
const maxInterned = 4096

// Decoder reads EDN values from a stream.
type Decoder struct {
	s        *scan.Scanner
	recent   [256]any       // boxed Keywords by a hash of their name: the fast path of keywords
	keywords map[string]any // boxed Keyword values, so repeats do not allocate
	scratch  []byte
	stack    []any // elements of the collections being read
	depth    int
	// hint is the element before the value being read in its collection
	// (nil for the first), which groups vectors for lists.
	hint  any
	lists history.ListSharer
}

// NewDecoder returns a decoder reading r; file names r in errors.
func NewDecoder(r io.Reader, file string) *Decoder {
	return OnScanner(scan.New(r, file))
}

// OnScanner returns a decoder reading from s, for parsers that mix EDN with
// their own syntax on the same input (the history codecs do).
func OnScanner(s *scan.Scanner) *Decoder {
	return &Decoder{s: s, keywords: make(map[string]any)}
}

// Scanner returns the scanner the decoder reads from.
func (d *Decoder) Scanner() *scan.Scanner { return d.s }

// Pos is the position of the next unread byte.
func (d *Decoder) Pos() scan.Pos { return d.s.Pos() }

// Decode reads the next top-level value. It returns io.EOF when nothing but
// whitespace and comments is left.
func (d *Decoder) Decode() (any, error) {
	if err := d.SkipSpace(); err != nil {
		return nil, err
	}
	if _, ok := d.s.Peek(); !ok {
		if err := d.s.ReadErr(); err != nil {
			return nil, err
		}
		return nil, io.EOF
	}
	return d.Value()
}

// Parse reads exactly one value from b (nothing but whitespace and comments
// may follow it).
func Parse(b []byte, file string) (any, error) {
	s := &scan.Scanner{}
	s.Reset(b, file, scan.Pos{Line: 1, Col: 1})
	d := OnScanner(s)
	v, err := d.Value()
	if err != nil {
		return nil, err
	}
	if err := d.SkipSpace(); err != nil {
		return nil, err
	}
	if c, ok := s.Peek(); ok {
		return nil, s.Errorf(s.Pos(), "expected the end of the input after one value, found %s", quote(c))
	}
	return v, nil
}

// isSpace marks EDN whitespace; commas count as whitespace.
var isSpace = scan.NewSet(" \t\n\r\f\v,", nil)

// SkipSpace consumes whitespace, commas, ; comments and #_ discarded values.
func (d *Decoder) SkipSpace() error {
	s := d.s
	for {
		c, ok := s.Peek()
		if ok && isSpace[c] {
			_, c, ok = s.TakeNext(isSpace)
		}
		if !ok {
			return s.ReadErr()
		}
		switch {
		case c == ';':
			s.Take(notNewline)
		case c == '#' && len(s.Lookahead(2)) == 2 && s.Lookahead(2)[1] == '_':
			p := s.Pos()
			s.Skip()
			s.Skip()
			if _, err := d.value("a value to discard after #_ at " + p.String()); err != nil {
				return err
			}
		default:
			return nil
		}
	}
}

var notNewline = scan.NewSet("", func(c byte) bool { return c != '\n' })

// Peek skips space and returns the next byte without consuming it; ok is
// false at the end of the input.
func (d *Decoder) Peek() (c byte, ok bool, err error) {
	if err := d.SkipSpace(); err != nil {
		return 0, false, err
	}
	c, ok = d.s.Peek()
	return c, ok, d.s.ReadErr()
}

// Int reads the next value if it is a plain decimal integer that fits an
// int64, returning it without boxing it in an interface (the hot path of op
// indexes and times); otherwise it consumes nothing and returns ok=false.
func (d *Decoder) Int() (n int64, ok bool, err error) {
	c, ok, err := d.Peek()
	if !ok || err != nil || c < '0' || c > '9' {
		return 0, false, err
	}
	// Only what is buffered: on a live stream the bytes after the number
	// may not have been written yet.
	la := d.s.Buffered()
	i := 0
	for i < len(la) && la[i] >= '0' && la[i] <= '9' {
		i++
	}
	if n, ok = scan.SmallInt(la[:i]); !ok || i == len(la) || !delimiter[la[i]] {
		return 0, false, nil // longer, not plain, or running past the buffer: let Value read it
	}
	d.s.SkipN(i)
	return n, true, nil
}

// PosValue is Value that also returns where the value starts.
func (d *Decoder) PosValue() (scan.Pos, any, error) {
	if err := d.SkipSpace(); err != nil {
		return d.s.Pos(), nil, err
	}
	p := d.s.Pos()
	v, err := d.value("a value")
	return p, v, err
}

// Value reads one value, skipping space before it. Running out of input is a
// *SyntaxError with EOF set.
func (d *Decoder) Value() (any, error) { return d.value("a value") }

func (d *Decoder) value(what string) (any, error) {
	if err := d.SkipSpace(); err != nil {
		return nil, err
	}
	s := d.s
	c, ok := s.Peek()
	if !ok {
		if err := s.ReadErr(); err != nil {
			return nil, err
		}
		return nil, s.EOFErrorf("expected %s, found EOF", what)
	}
	switch {
	case c == '[' || c == '(' || c == '{':
		return d.collection()
	case c == '#':
		return d.dispatch()
	case c == '"':
		return d.str()
	case c == '\\':
		return d.char()
	case c == ':':
		return d.keyword()
	case c >= '0' && c <= '9':
		return d.number()
	case c == '+' || c == '-':
		if la := s.Lookahead(2); len(la) == 2 && la[1] >= '0' && la[1] <= '9' {
			return d.number()
		}
		return d.symbol()
	case c == ')' || c == ']' || c == '}':
		return nil, s.Errorf(s.Pos(), "expected %s, found unmatched %c", what, c)
	case symbolStart[c]:
		return d.symbol()
	}
	return nil, s.Errorf(s.Pos(), "expected %s, found %s", what, quote(c))
}

// Coll is an open collection whose elements the caller reads one by one.
type Coll struct {
	Kind  string // "vector", "list", "map" or "set"
	Close byte
	Pos   scan.Pos // where its opening delimiter is
}

// Open skips space and consumes the opening delimiter of a vector, list,
// map or set, so that its elements can be streamed with More and Value.
func (d *Decoder) Open() (Coll, error) {
	if err := d.SkipSpace(); err != nil {
		return Coll{}, err
	}
	s := d.s
	p := s.Pos()
	c, ok := s.Peek()
	if !ok {
		return Coll{}, s.EOFErrorf("expected a collection, found EOF")
	}
	var k Coll
	switch c {
	case '[':
		k = Coll{"vector", ']', p}
	case '(':
		k = Coll{"list", ')', p}
	case '{':
		k = Coll{"map", '}', p}
	case '#':
		if la := s.Lookahead(2); len(la) == 2 && la[1] == '{' {
			s.Skip()
			k = Coll{"set", '}', p}
			break
		}
		fallthrough
	default:
		return Coll{}, s.Errorf(p, "expected a collection ([, (, { or #{), found %s", quote(c))
	}
	s.Skip()
	return k, nil
}

// More skips space and reports whether the collection has another element;
// at its closing delimiter it consumes it and returns false.
func (d *Decoder) More(k Coll) (bool, error) {
	if err := d.SkipSpace(); err != nil {
		return false, err
	}
	s := d.s
	c, ok := s.Peek()
	switch {
	case !ok:
		if err := s.ReadErr(); err != nil {
			return false, err
		}
		return false, s.EOFErrorf("expected %c to close %s opened at %s, found EOF", k.Close, k.Kind, k.Pos)
	case c == k.Close:
		s.Skip()
		return false, nil
	case c == ')' || c == ']' || c == '}':
		return false, s.Errorf(s.Pos(), "expected %c to close %s opened at %s, found %c", k.Close, k.Kind, k.Pos, c)
	}
	return true, nil
}

func (d *Decoder) collection() (any, error) {
	if d.depth >= maxDepth {
		return nil, d.s.Errorf(d.s.Pos(), "collections nested more than %d deep", maxDepth)
	}
	d.depth++
	defer func() { d.depth-- }()
	hint := d.hint
	k, err := d.Open()
	if err != nil {
		return nil, err
	}
	// Elements gather on a stack shared by all nesting levels and are
	// copied out once, at their exact size: one allocation per collection.
	base := len(d.stack)
	defer func() {
		clear(d.stack[base:]) // the stack must not keep values alive
		d.stack = d.stack[:base]
	}()
	for {
		d.smallInts()
		more, err := d.More(k)
		if err != nil {
			return nil, err
		}
		if !more {
			break
		}
		d.hint = nil
		if len(d.stack) > base {
			d.hint = d.stack[len(d.stack)-1]
		}
		x, err := d.Value()
		d.hint = nil
		if err != nil {
			return nil, err
		}
		d.stack = append(d.stack, x)
	}
	xs := d.stack[base:]
	if k.Kind == "map" {
		if len(xs)%2 != 0 {
			return nil, d.s.Errorf(k.Pos, "map opened here has a key without a value (%d forms): expected key/value pairs", len(xs))
		}
		m := make(history.Map, len(xs)/2)
		for i := range m {
			m[i] = history.MapEntry{Key: xs[2*i], Value: xs[2*i+1]}
		}
		return m, nil
	}
	if k.Kind == "vector" {
		// Vectors of integers share storage with equal prefixes read
		// before (list-append reads: history.ListSharer).
		return d.lists.Share(hint, xs), nil
	}
	out := make([]any, len(xs)) // empty collections are empty, not nil
	copy(out, xs)
	switch k.Kind {
	case "list":
		return history.List(out), nil
	case "set":
		return history.Set(out), nil
	}
	return out, nil
}

// smallInts reads a run of plain decimal integers (at most 18 digits, no
// sign) separated by spaces or commas onto the element stack, straight from
// the buffered bytes: the read lists of list-append histories are long runs
// of them, and the general path (More, Value, number) costs several times
// more per element. It stops, consuming nothing more, at anything else
// (including a number running past the buffer), which the general path
// then reads, so values and errors are the same either way.
func (d *Decoder) smallInts() {
	b := d.s.Buffered()
	i := 0
	for {
		j := i
		for j < len(b) && (b[j] == ' ' || b[j] == ',') {
			j++
		}
		n, k, ok := scan.PlainInt(b, j, delimiter)
		if !ok {
			break
		}
		d.stack = append(d.stack, history.Int(n))
		i = k
	}
	d.s.SkipN(i)
}

// IsTag reports whether the input continues with a tag (#name), as opposed to
// a set, a discard or a symbolic number.
func (d *Decoder) IsTag() bool {
	la := d.s.Lookahead(2)
	if len(la) < 2 || la[0] != '#' {
		return false
	}
	c := la[1] | 0x20 // EDN tags start with a letter
	return c >= 'a' && c <= 'z'
}

// Tag consumes a tag #name and returns the name.
func (d *Decoder) Tag() (string, error) {
	s := d.s
	p := s.Pos()
	if !d.IsTag() {
		return "", s.Errorf(p, "expected a tag such as #inst")
	}
	s.Skip()
	return string(s.Take(symbolChar)), nil
}

// dispatch reads what starts with #: a set, ##Inf/##-Inf/##NaN or a tagged
// value (discards are whitespace, see SkipSpace).
func (d *Decoder) dispatch() (any, error) {
	s := d.s
	p := s.Pos()
	la := s.Lookahead(2)
	if len(la) < 2 {
		s.Skip()
		return nil, s.EOFErrorf("expected a tag, set or ## value after #, found EOF")
	}
	switch {
	case la[1] == '{':
		return d.collection()
	case la[1] == '#':
		s.Skip()
		s.Skip()
		name, next, more := s.TakeNext(symbolChar)
		if v, ok := symbolicFloats[string(name)]; ok {
			if err := d.endAtom(more, next, "##"+string(name)); err != nil {
				return nil, err
			}
			return v, nil
		}
		if n := string(name); !more && (strings.HasPrefix("Inf", n) || strings.HasPrefix("-Inf", n) || strings.HasPrefix("NaN", n)) {
			return nil, s.EOFErrorf("expected Inf, -Inf or NaN after ##, found EOF after ##%s", n)
		}
		return nil, s.Errorf(p, "expected ##Inf, ##-Inf or ##NaN, found ##%s", name)
	case d.IsTag():
		tag, _ := d.Tag()
		if d.depth >= maxDepth {
			return nil, s.Errorf(p, "values nested more than %d deep", maxDepth)
		}
		d.depth++
		defer func() { d.depth-- }()
		v, err := d.value("a value after the tag #" + tag + " at " + p.String())
		if err != nil {
			return nil, err
		}
		return history.Tagged{Tag: tag, Value: v}, nil
	}
	return nil, s.Errorf(p, "expected a tag, #{, #_ or ## after #, found #%s", quote(la[1]))
}
