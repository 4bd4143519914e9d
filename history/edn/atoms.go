package edn

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/edn/scan"
)

// symbolChar marks bytes that may appear in symbols and keywords (non-ASCII
// bytes too: Clojure allows Unicode names; they are checked to be UTF-8).
var symbolChar = scan.NewSet(".*+!-_?$%&=<>/:#'", func(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
})

// symbolStart marks bytes that may begin a symbol.
var symbolStart = scan.NewSet(".*+!-_?$%&=<>/'", func(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
})

// delimiter marks bytes that may follow an atom directly.
var delimiter = scan.NewSet(" \t\n\r\f\v,()[]{}\";\\", nil)

var symbolicFloats = map[string]float64{"Inf": math.Inf(1), "-Inf": math.Inf(-1), "NaN": math.NaN()}

func quote(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return "'" + string(c) + "'"
	}
	return "byte 0x" + strconv.FormatUint(uint64(c), 16)
}

// endAtom checks that an atom (number, symbol, keyword, character) is
// followed by a delimiter or the end of the input.
func (d *Decoder) endAtom(more bool, next byte, what string) error {
	if more && !delimiter[next] {
		return d.s.Errorf(d.s.Pos(), "unexpected %s after %s: expected whitespace or a delimiter", quote(next), what)
	}
	return nil
}

func (d *Decoder) keyword() (any, error) {
	s := d.s
	p := s.Pos()
	s.Skip()
	name, next, more := s.TakeNext(symbolChar)
	if len(name) == 0 {
		if !more {
			return nil, s.EOFErrorf("expected a keyword name after :, found EOF")
		}
		return nil, s.Errorf(p, "expected a keyword name after :, found %s", quote(next))
	}
	if name[0] == ':' {
		return nil, s.Errorf(p, "::%s is an auto-resolved Clojure keyword, which EDN does not have", name[1:])
	}
	h := (len(name)*31 + int(name[0])*7 + int(name[len(name)/2])*13 + int(name[len(name)-1])) & 255
	if v := d.recent[h]; v != nil && string(v.(history.Keyword)) == string(name) {
		return v, d.endAtom(more, next, "keyword")
	}
	if v, ok := d.keywords[string(name)]; ok {
		d.recent[h] = v
		return v, d.endAtom(more, next, "keyword")
	}
	if !utf8.Valid(name) {
		return nil, d.badUTF8(p, name, more, "keyword")
	}
	var v any = history.Keyword(name)
	if len(d.keywords) < maxInterned {
		d.keywords[string(name)] = v
		d.recent[h] = v
	}
	return v, d.endAtom(more, next, "keyword")
}

func (d *Decoder) symbol() (any, error) {
	s := d.s
	p := s.Pos()
	name, next, more := s.TakeNext(symbolChar)
	if err := d.endAtom(more, next, "symbol"); err != nil {
		return nil, err
	}
	switch string(name) {
	case "nil":
		return nil, nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	if !utf8.Valid(name) {
		return nil, d.badUTF8(p, name, more, "symbol")
	}
	return history.Symbol(name), nil
}

// numberChar marks bytes a number token may contain (validated afterwards).
var numberChar = scan.NewSet("+-.", func(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
})

func (d *Decoder) number() (any, error) {
	s := d.s
	p := s.Pos()
	tok, next, more := s.TakeNext(numberChar)
	if err := d.endAtom(more, next, "number"); err != nil {
		return nil, err
	}
	if n, ok := scan.SmallInt(tok); ok {
		return history.Int(n), nil
	}
	if len(tok) > scan.MaxNumberLen {
		return nil, tooLongNumber(s, p, len(tok))
	}
	v, ok := parseNumber(string(tok))
	if _, prefix := parseNumber(string(tok) + "0"); !ok && !more && prefix { // cut short by the end of the input
		return nil, s.EOFErrorf("expected the rest of the number %q, found EOF", tok)
	}
	if !ok {
		return nil, s.Errorf(p, "invalid number %q: expected an integer (optionally with N), a decimal (optionally with M) or 0x hex", tok)
	}
	return v, nil
}

// tooLongNumber refuses a number token of n bytes at p, longer than
// scan.MaxNumberLen, before any conversion (which takes time in the square
// of its length).
func tooLongNumber(s *scan.Scanner, p scan.Pos, n int) error {
	return s.Errorf(p, "number of %d characters: expected at most %d (a history's integers have a few dozen digits at most)", n, scan.MaxNumberLen)
}

// parseNumber parses EDN integers (N suffix: *big.Int; beyond int64:
// *big.Int), floats (M suffix: read as float64) and Clojure's 0x hex
// integers. Leading zeros are refused: Clojure would read them as octal.
func parseNumber(t string) (any, bool) {
	body, sign := t, ""
	if body[0] == '+' || body[0] == '-' {
		sign, body = body[:1], body[1:]
	}
	if body == "" || body[0] < '0' || body[0] > '9' {
		return nil, false
	}
	last := body[len(body)-1]
	switch {
	case last == 'N':
		n, ok := new(big.Int).SetString(sign+body[:len(body)-1], 10)
		return n, ok && decimalDigits(body[:len(body)-1])
	case last == 'M':
		return parseFloat(sign + body[:len(body)-1])
	case len(body) > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X'):
		n, ok := new(big.Int).SetString(sign+body[2:], 16)
		if !ok || body[2] == '+' || body[2] == '-' {
			return nil, false
		}
		return shrink(n), true
	case decimalDigits(body):
		if len(body) > 1 && body[0] == '0' {
			return nil, false
		}
		if n, err := strconv.ParseInt(t, 10, 64); err == nil {
			return n, true
		}
		n, ok := new(big.Int).SetString(t, 10)
		return n, ok
	}
	return parseFloat(t)
}

func decimalDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func shrink(n *big.Int) any {
	if n.IsInt64() {
		return n.Int64()
	}
	return n
}

// parseFloat accepts EDN's decimal floats only (strconv also takes hex
// floats, underscores and names like "inf", which EDN does not).
func parseFloat(t string) (any, bool) {
	digits, dot, exp := false, false, false
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c >= '0' && c <= '9':
			digits = true
		case c == '.' && !dot && !exp && digits:
			dot = true
		case (c == 'e' || c == 'E') && !exp && digits:
			exp, digits = true, false
		case (c == '+' || c == '-') && (i == 0 || t[i-1] == 'e' || t[i-1] == 'E'):
		default:
			return nil, false
		}
	}
	if !digits {
		return nil, false
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil && !isRangeErr(err) {
		return nil, false
	}
	return f, true
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// plainStringByte marks bytes a string can hold without an escape.
var plainStringByte = scan.NewSet("", func(c byte) bool { return c != '"' && c != '\\' })

func (d *Decoder) str() (any, error) {
	s := d.s
	p := s.Pos()
	s.Skip()
	tok, next, more := s.TakeNext(plainStringByte)
	if more && next == '"' { // no escapes: the common case
		if !utf8.Valid(tok) {
			return nil, s.Errorf(p, "string is not valid UTF-8")
		}
		str := string(tok)
		s.Skip()
		return str, nil
	}
	b := append(d.scratch[:0], tok...)
	for {
		if !more {
			return nil, s.EOFErrorf("expected \" to close the string opened at %s, found EOF", p)
		}
		s.Skip()
		if next == '"' {
			break
		}
		var err error
		if b, err = d.escape(b); err != nil {
			return nil, err
		}
		tok, next, more = s.TakeNext(plainStringByte)
		b = append(b, tok...)
	}
	d.scratch = b
	if !utf8.Valid(b) {
		return nil, s.Errorf(p, "string is not valid UTF-8")
	}
	return string(b), nil
}

var simpleEscapes = map[byte]byte{'t': '\t', 'r': '\r', 'n': '\n', '\\': '\\', '"': '"', 'b': '\b', 'f': '\f', '\'': '\''}

// escape reads the escape after a backslash in a string and appends what it
// stands for.
func (d *Decoder) escape(b []byte) ([]byte, error) {
	s := d.s
	p := s.Pos()
	p.Col--
	c, ok := s.Peek()
	if !ok {
		return nil, s.EOFErrorf("expected an escape after \\ in a string, found EOF")
	}
	if r, ok := simpleEscapes[c]; ok {
		s.Skip()
		return append(b, r), nil
	}
	switch {
	case c == 'u':
		s.Skip()
		r, err := s.UnicodeEscape(p)
		if err != nil {
			return nil, err
		}
		return utf8.AppendRune(b, r), nil
	case c >= '0' && c <= '7':
		r := rune(0)
		for i := 0; i < 3; i++ {
			c, ok := s.Peek()
			if !ok || c < '0' || c > '7' {
				break
			}
			s.Skip()
			r = r*8 + rune(c-'0')
		}
		if r > 0377 {
			return nil, s.Errorf(p, "octal escape above \\377")
		}
		return utf8.AppendRune(b, r), nil
	}
	return nil, s.Errorf(p, "unknown escape \\%c in string: expected one of \\t \\r \\n \\\\ \\\" \\b \\f \\uXXXX", c)
}

var charNames = map[string]rune{"newline": '\n', "space": ' ', "tab": '\t', "return": '\r', "backspace": '\b', "formfeed": '\f'}

// char reads a character literal: \a, \newline, \space, \tab, \return,
// \backspace, \formfeed, \uXXXX, \oNNN, or any single (UTF-8) character.
func (d *Decoder) char() (any, error) {
	s := d.s
	p := s.Pos()
	s.Skip()
	first := s.Lookahead(1)
	if len(first) == 0 {
		return nil, s.EOFErrorf("expected a character after \\, found EOF")
	}
	// Ask for exactly the bytes of this character (a live stream may not
	// have more yet).
	size := 1
	switch c := first[0]; {
	case c >= 0xf0:
		size = 4
	case c >= 0xe0:
		size = 3
	case c >= 0xc0:
		size = 2
	}
	want := size
	la := s.Lookahead(want)
	r, size := utf8.DecodeRune(la)
	if r == utf8.RuneError && size <= 1 {
		// Fewer bytes than asked for: the input ended inside the character.
		return nil, d.badUTF8(p, la, len(la) == want, "character literal")
	}
	if r >= 0x80 || !symbolChar[byte(r)] {
		// A single character that cannot start a name: \( \" \, \space-less etc.
		for i := 0; i < size; i++ {
			s.Skip()
		}
		if r == '\n' {
			return nil, s.Errorf(p, "expected a character after \\, found a line break (write \\newline)")
		}
		next, more := s.Peek()
		return history.Char(r), d.endAtom(more, next, "character")
	}
	name, next, more := s.TakeNext(symbolChar)
	if err := d.endAtom(more, next, "character"); err != nil {
		return nil, err
	}
	if len(name) == 1 {
		return history.Char(name[0]), nil
	}
	if r, ok := charNames[string(name)]; ok {
		return history.Char(r), nil
	}
	if name[0] == 'u' && len(name) == 5 {
		if n, err := strconv.ParseUint(string(name[1:]), 16, 32); err == nil {
			if n >= 0xd800 && n <= 0xdfff {
				return nil, s.Errorf(p, "\\%s is a lone UTF-16 surrogate, not a character", name)
			}
			return history.Char(rune(n)), nil
		}
	}
	if name[0] == 'o' && len(name) >= 2 && len(name) <= 4 {
		if n, err := strconv.ParseUint(string(name[1:]), 8, 32); err == nil && n <= 0377 {
			return history.Char(rune(n)), nil
		}
	}
	if !more && charNamePrefix(string(name)) {
		return nil, s.EOFErrorf("expected the rest of the character \\%s, found EOF", name)
	}
	return nil, s.Errorf(p, "unknown character \\%s: expected one character, \\newline, \\space, \\tab, \\return, \\backspace, \\formfeed or \\uXXXX", name)
}

// IsName reports whether s can be written as the name of a keyword (after
// its colon) or symbol and read back unchanged.
func IsName(s string) bool {
	if s == "" || s[0] == ':' || !utf8.ValidString(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !symbolChar[s[i]] {
			return false
		}
	}
	return true
}

// IsSymbolName reports whether s can be written as a symbol and read back as
// the same symbol (not as a number, nil, true or false).
func IsSymbolName(s string) bool {
	if !IsName(s) || !symbolStart[s[0]] {
		return false
	}
	if (s[0] == '+' || s[0] == '-') && len(s) > 1 && s[1] >= '0' && s[1] <= '9' {
		return false
	}
	return s != "nil" && s != "true" && s != "false"
}

// IsTagName reports whether s can be written as a tag (#s).
func IsTagName(s string) bool {
	return IsName(s) && (s[0]|0x20) >= 'a' && (s[0]|0x20) <= 'z'
}

// charNamePrefix reports whether name could grow into a character name
// (the input ended inside one, as in \ne).
func charNamePrefix(name string) bool {
	for full := range charNames {
		if strings.HasPrefix(full, name) {
			return true
		}
	}
	if name[0] == 'u' && len(name) < 5 {
		_, err := strconv.ParseUint("0"+name[1:], 16, 32)
		return err == nil
	}
	return false
}

// badUTF8 is the error for a token that is not valid UTF-8; when the input
// ended inside its last character (more is false), the token was cut short.
func (d *Decoder) badUTF8(p scan.Pos, tok []byte, more bool, what string) error {
	if !more {
		i := len(tok) - 1
		for i > 0 && i > len(tok)-utf8.UTFMax && !utf8.RuneStart(tok[i]) {
			i--
		}
		if utf8.Valid(tok[:i]) && !utf8.FullRune(tok[i:]) {
			return d.s.EOFErrorf("expected the rest of a UTF-8 character, found EOF")
		}
	}
	return d.s.Errorf(p, "%s is not valid UTF-8", what)
}
