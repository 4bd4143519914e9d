package codec

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/edn"
	"github.com/faultline/faultline/history/edn/scan"
)

// Faultline's JSON encoding of history values. Plain JSON stays plain:
//
//	nil -> null, bool -> true/false, string -> "...", int64 -> 12,
//	float64 -> 1.5 or 2.0 (always with a '.' or an exponent),
//	vector []any -> [...], Map whose keys are all strings -> {"k": v, ...}
//
// Everything JSON cannot say is an object with exactly one key starting with
// '#', whose value carries the data:
//
//	Keyword    {"#keyword": "append"}        Symbol  {"#symbol": "x"}
//	Char       {"#char": "a"}                List    {"#list": [...]}
//	Set        {"#set": [...]}               Tagged  {"#tagged": ["inst", "..."]}
//	Map with other keys, or a one-entry map whose key starts with '#':
//	           {"#map": [[key, value], ...]}
//	*big.Int   beyond int64: a plain integer; within int64: {"#bigint": "5"}
//	float64    NaN, +Inf, -Inf: {"#float": "NaN"} / "Inf" / "-Inf"
//
// so EDN -> JSON -> EDN gives back equal values of the same types. An object
// with one '#' key that is not one of these is read as a plain map, so
// foreign JSON is never rejected for its key names.

// jsonDecoder reads JSON values from a scanner.
type jsonDecoder struct {
	s       *scan.Scanner
	scratch []byte
	strings map[string]any // short strings seen, boxed
	depth   int
	stack   []any // elements of the arrays being read
	// hint is the element before the value being read in its array (nil
	// for the first), which groups vectors for lists.
	hint     any
	lists    history.ListSharer
	keywords map[string]any // {"#keyword": ...} values seen, boxed
}

var jsonSpace = scan.NewSet(" \t\n\r", nil)

// skipSpace skips whitespace and returns the next byte.
func (j *jsonDecoder) peek() (byte, bool) {
	j.s.Take(jsonSpace)
	return j.s.Peek()
}

func (j *jsonDecoder) eof(what string) error {
	if err := j.s.ReadErr(); err != nil {
		return err
	}
	return j.s.EOFErrorf("expected %s, found EOF", what)
}

func (j *jsonDecoder) value() (any, error) {
	c, ok := j.peek()
	if !ok {
		return nil, j.eof("a JSON value")
	}
	s := j.s
	p := s.Pos()
	switch {
	case c == '{':
		if kw, ok := j.keyword(); ok {
			return kw, nil
		}
		m, err := j.object()
		if err != nil {
			return nil, err
		}
		return j.unwrap(m, p)
	case c == '[':
		return j.array()
	case c == '"':
		return j.interned()
	case c == '-' || c >= '0' && c <= '9':
		return j.number()
	case c >= 'a' && c <= 'z':
		word, _, more := s.TakeNext(lowerLetters)
		switch string(word) {
		case "null":
			return nil, nil
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		if w := string(word); !more && (strings.HasPrefix("null", w) || strings.HasPrefix("true", w) || strings.HasPrefix("false", w)) {
			return nil, s.EOFErrorf("expected null, true or false, found EOF after %q", word)
		}
		return nil, s.Errorf(p, "expected a JSON value, found %q", clip(string(word)))
	}
	return nil, s.Errorf(p, "expected a JSON value, found %s", quoteByte(c))
}

var lowerLetters = scan.NewSet("", func(c byte) bool { return c >= 'a' && c <= 'z' })

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return "'" + string(c) + "'"
	}
	return "byte 0x" + strconv.FormatUint(uint64(c), 16)
}

func (j *jsonDecoder) enter() error {
	if j.depth >= 10000 {
		return j.s.Errorf(j.s.Pos(), "JSON nested more than 10000 deep")
	}
	j.depth++
	return nil
}

// delimited reads the comma-separated items of the object or array that
// opens at the next byte, up to its closing byte; item reads one item.
func (j *jsonDecoder) delimited(closing byte, kind string, item func(open scan.Pos) error) error {
	if err := j.enter(); err != nil {
		return err
	}
	defer func() { j.depth-- }()
	s := j.s
	open := s.Pos()
	s.Skip() // { or [
	for first := true; ; first = false {
		c, ok := j.peek()
		if !ok {
			return j.eof(fmt.Sprintf("%c to close the %s opened at %s", closing, kind, open))
		}
		if c == closing && first {
			s.Skip()
			return nil
		}
		if err := item(open); err != nil {
			return err
		}
		if c, ok = j.peek(); !ok {
			return j.eof(fmt.Sprintf("',' or '%c' in the %s opened at %s", closing, kind, open))
		}
		if c != ',' && c != closing {
			return s.Errorf(s.Pos(), "expected ',' or '%c' in the %s opened at %s, found %s", closing, kind, open, quoteByte(c))
		}
		s.Skip()
		if c == closing {
			return nil
		}
	}
}

// members reads an object's members, calling member for each key once the
// decoder stands before its value (which member must read).
func (j *jsonDecoder) members(member func(key string, keyPos scan.Pos) error) error {
	s := j.s
	return j.delimited('}', "object", func(open scan.Pos) error {
		c, _ := j.peek()
		if c != '"' {
			return s.Errorf(s.Pos(), "expected a string key in the object opened at %s, found %s", open, quoteByte(c))
		}
		kp := s.Pos()
		kv, err := j.interned()
		if err != nil {
			return err
		}
		k := kv.(string)
		c, ok := j.peek()
		if !ok {
			return j.eof("':' after the key")
		}
		if c != ':' {
			return s.Errorf(s.Pos(), "expected ':' after the key %q, found %s", clip(k), quoteByte(c))
		}
		s.Skip()
		return member(k, kp)
	})
}

func (j *jsonDecoder) object() (history.Map, error) {
	m := history.Map{}
	err := j.members(func(k string, _ scan.Pos) error {
		v, err := j.value()
		m = append(m, history.MapEntry{Key: k, Value: v})
		return err
	})
	return m, err
}

// array reads an array into a vector: elements gather on a stack shared by
// every nesting level, and vectors of integers share storage with equal
// prefixes read before (history.ListSharer).
func (j *jsonDecoder) array() ([]any, error) {
	hint := j.hint
	base := len(j.stack)
	defer func() {
		clear(j.stack[base:]) // the stack must not keep values alive
		j.stack = j.stack[:base]
	}()
	err := j.delimited(']', "array", func(scan.Pos) error {
		j.hint = nil
		if len(j.stack) > base {
			j.hint = j.stack[len(j.stack)-1]
		}
		v, err := j.value()
		j.hint = nil
		j.stack = append(j.stack, v)
		if _, isInt := v.(int64); isInt && err == nil {
			j.smallInts()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return j.lists.Share(hint, j.stack[base:]), nil
}

// smallInts reads, after an integer element, a run of further ones (",
// 12", at most 18 digits, no sign) onto the element stack, straight from
// the buffered bytes: list-append reads are long runs of them. It stops,
// consuming nothing more, at anything else, which the general path then
// reads, so values and errors are the same either way.
func (j *jsonDecoder) smallInts() {
	b := j.s.Buffered()
	i := 0
	for {
		k := skipJSONBlank(b, i)
		if k == len(b) || b[k] != ',' {
			break
		}
		n, end, ok := scan.PlainInt(b, skipJSONBlank(b, k+1), jsonAfterNumber)
		if !ok {
			break
		}
		j.stack = append(j.stack, history.Int(n))
		i = end
	}
	j.s.SkipN(i)
}

// skipJSONBlank skips spaces and tabs (not line ends, which the scanner
// must count).
func skipJSONBlank(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	return i
}

var jsonAfterNumber = scan.NewSet(",] \t\r\n}", nil)

// keyword reads {"#keyword":"name"} from the buffered bytes when it is
// written so, without spaces or escapes, as Faultline writes it: one
// per Elle micro-op, worth skipping the map the general path builds. It
// consumes nothing when it returns false.
func (j *jsonDecoder) keyword() (any, bool) {
	const open = `{"#keyword":"`
	b := j.s.Buffered()
	if len(b) < len(open)+3 || string(b[:len(open)]) != open {
		return nil, false
	}
	end := len(open)
	for end < len(b) && end < len(open)+64 && b[end] != '"' && b[end] != '\\' && b[end] >= 0x20 && b[end] < 0x80 {
		end++
	}
	if end+1 >= len(b) || b[end] != '"' || b[end+1] != '}' {
		return nil, false
	}
	name := b[len(open):end]
	if kw, ok := j.keywords[string(name)]; ok {
		j.s.SkipN(end + 2)
		return kw, true
	}
	if !edn.IsName(string(name)) {
		return nil, false // the general path says why
	}
	var kw any = history.Keyword(name)
	if len(j.keywords) < maxInterned {
		if j.keywords == nil {
			j.keywords = make(map[string]any)
		}
		j.keywords[string(name)] = kw
	}
	j.s.SkipN(end + 2)
	return kw, true
}

// jsonNumberChar marks the bytes a JSON number token may contain.
var jsonNumberChar = scan.NewSet("+-.eE", func(c byte) bool { return c >= '0' && c <= '9' })

func (j *jsonDecoder) number() (any, error) {
	p := j.s.Pos()
	tok, _, more := j.s.TakeNext(jsonNumberChar)
	if n, ok := scan.SmallInt(tok); ok {
		return history.Int(n), nil
	}
	if len(tok) > scan.MaxNumberLen {
		return nil, j.s.Errorf(p, "number of %d characters: expected at most %d (a history's integers have a few dozen digits at most)", len(tok), scan.MaxNumberLen)
	}
	t := string(tok)
	if !validJSONNumber(t) {
		if !more && validJSONNumber(t+"0") { // a number cut short by the end of the input
			return nil, j.s.EOFErrorf("expected the rest of the number %q, found EOF", clip(t))
		}
		return nil, j.s.Errorf(p, "invalid JSON number %q", clip(t))
	}
	for i := 0; i < len(t); i++ {
		if t[i] == '.' || t[i] == 'e' || t[i] == 'E' {
			f, err := strconv.ParseFloat(t, 64)
			if err != nil && !isRange(err) {
				return nil, j.s.Errorf(p, "invalid JSON number %q", clip(t))
			}
			return f, nil
		}
	}
	if n, err := strconv.ParseInt(t, 10, 64); err == nil {
		return n, nil
	}
	n, _ := new(big.Int).SetString(t, 10)
	return n, nil
}

// int reads a number if it is a small non-negative integer, unboxed.
func (j *jsonDecoder) int() (int64, bool) {
	c, ok := j.peek()
	if !ok || c < '0' || c > '9' {
		return 0, false
	}
	la := j.s.Buffered() // not Lookahead: a live stream may have no more yet
	i := 0
	for i < len(la) && jsonNumberChar[la[i]] {
		i++
	}
	n, ok := scan.SmallInt(la[:i])
	if ok && i < len(la) {
		j.s.SkipN(i)
		return n, true
	}
	return 0, false
}

func isRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// validJSONNumber checks -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?.
func validJSONNumber(t string) bool {
	i := 0
	digits := func() bool {
		start := i
		for i < len(t) && t[i] >= '0' && t[i] <= '9' {
			i++
		}
		return i > start
	}
	if i < len(t) && t[i] == '-' {
		i++
	}
	if i < len(t) && t[i] == '0' {
		i++
	} else if !digits() {
		return false
	}
	if i < len(t) && t[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(t) && (t[i] == 'e' || t[i] == 'E') {
		i++
		if i < len(t) && (t[i] == '+' || t[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	return i == len(t)
}

// plainJSONByte marks bytes a JSON string can hold without an escape.
var plainJSONByte = scan.NewSet("", func(c byte) bool { return c != '"' && c != '\\' && c >= 0x20 })

var jsonEscapes = map[byte]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

func (j *jsonDecoder) str() (string, error) {
	b, err := j.strBytes()
	return string(b), err
}

// maxInterned bounds the cache of short strings.
const maxInterned = 4096

// interned returns the string in b boxed, from a cache: object keys, op
// types and fs repeat on every line, and this saves allocating them.
func (j *jsonDecoder) interned() (any, error) {
	b, err := j.strBytes()
	if err != nil || len(b) > 32 {
		return string(b), err
	}
	if v, ok := j.strings[string(b)]; ok {
		return v, nil
	}
	var v any = string(b)
	if len(j.strings) < maxInterned {
		if j.strings == nil {
			j.strings = make(map[string]any)
		}
		j.strings[string(b)] = v
	}
	return v, nil
}

// strBytes reads a string into the decoder's scratch space, valid until the
// next string is read.
func (j *jsonDecoder) strBytes() ([]byte, error) {
	s := j.s
	open := s.Pos()
	s.Skip() // "
	b := j.scratch[:0]
	for {
		tok, next, more := s.TakeNext(plainJSONByte)
		b = append(b, tok...)
		if !more {
			return nil, j.eof("\" to close the string opened at " + open.String())
		}
		p := s.Pos()
		switch next {
		case '"':
			s.Skip()
			j.scratch = b
			if !utf8.Valid(b) {
				return nil, s.Errorf(open, "string is not valid UTF-8")
			}
			return b, nil
		case '\\':
			s.Skip()
			r, err := j.escape(p)
			if err != nil {
				return nil, err
			}
			b = utf8.AppendRune(b, r)
		default:
			return nil, s.Errorf(p, "control character %s in a JSON string: expected it escaped (\\n, \\t, \\u00XX)", quoteByte(next))
		}
	}
}

// escape reads the escape after a backslash (at p) and returns its rune.
func (j *jsonDecoder) escape(p scan.Pos) (rune, error) {
	s := j.s
	c, ok := s.Peek()
	if !ok {
		return 0, j.eof("an escape after \\")
	}
	s.Skip()
	if r, ok := jsonEscapes[c]; ok {
		return rune(r), nil
	}
	if c != 'u' {
		return 0, s.Errorf(p, "unknown escape \\%c in a JSON string", c)
	}
	return s.UnicodeEscape(p)
}

// unwrap turns a one-key '#' object into the value it encodes.
func (j *jsonDecoder) unwrap(m history.Map, p scan.Pos) (any, error) {
	if len(m) != 1 {
		return m, nil
	}
	key, _ := m[0].Key.(string)
	v := m[0].Value
	bad := func(want string) (any, error) {
		return nil, j.s.Errorf(p, "{%q: ...} must hold %s, found %s", key, want, clip(string(appendJSON(nil, v))))
	}
	str, isStr := v.(string)
	xs, isArr := v.([]any)
	switch key {
	case "#keyword":
		if !isStr || !edn.IsName(str) {
			return bad("a keyword name (without the colon)")
		}
		return history.Keyword(str), nil
	case "#symbol":
		if !isStr || !edn.IsSymbolName(str) {
			return bad("a symbol name")
		}
		return history.Symbol(str), nil
	case "#char":
		r, size := utf8.DecodeRuneInString(str)
		if !isStr || size == 0 || size != len(str) {
			return bad("a string of one character")
		}
		return history.Char(r), nil
	case "#list", "#set":
		if !isArr {
			return bad("an array")
		}
		if key == "#set" {
			return history.Set(xs), nil
		}
		return history.List(xs), nil
	case "#map":
		if !isArr {
			return bad("an array of [key, value] pairs")
		}
		out := make(history.Map, len(xs))
		for i, x := range xs {
			kv, ok := x.([]any)
			if !ok || len(kv) != 2 {
				return bad("an array of [key, value] pairs")
			}
			out[i] = history.MapEntry{Key: kv[0], Value: kv[1]}
		}
		return out, nil
	case "#bigint":
		if len(str) > scan.MaxNumberLen {
			return bad(fmt.Sprintf("a decimal integer in a string of at most %d characters", scan.MaxNumberLen))
		}
		n, ok := new(big.Int).SetString(str, 10)
		if !isStr || !ok || str[0] == '+' {
			return bad("a decimal integer in a string")
		}
		return n, nil
	case "#float":
		if f, ok := specialFloats[str]; ok && isStr {
			return f, nil
		}
		return bad(`"NaN", "Inf" or "-Inf"`)
	case "#tagged":
		if !isArr || len(xs) != 2 {
			return bad("[tag, value]")
		}
		tag, ok := xs[0].(string)
		if !ok || !edn.IsTagName(tag) {
			return bad("[tag, value] with a tag name such as \"inst\"")
		}
		return history.Tagged{Tag: tag, Value: xs[1]}, nil
	}
	return m, nil
}

var specialFloats = map[string]float64{"NaN": math.NaN(), "Inf": math.Inf(1), "-Inf": math.Inf(-1)}
