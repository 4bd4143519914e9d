package history

import (
	"math"
	"math/big"
	"sort"
	"strconv"
	"unicode/utf8"
)

// Values in ops are plain Go data shaped like EDN, so that any Jepsen history
// can be carried without loss:
//
//	nil, bool, int64, *big.Int (integers beyond int64), float64, string,
//	Keyword, Symbol, Char, []any (vector), List, Set, Map, Tagged.
//
// Readers produce exactly these types; writers accept them plus int, which is
// treated as int64. JSON has no keywords, so Equal treats Keyword("x") and "x"
// as the same value, and a vector and a list with equal elements as equal (as
// Clojure does). Checkers should compare values with Equal, never with ==.

// Keyword is an EDN keyword, stored without its leading colon.
type Keyword string

// Symbol is an EDN symbol.
type Symbol string

// Char is an EDN character literal such as \a.
type Char rune

// List is an EDN list (...). Vectors [...] are plain []any.
type List []any

// Set is an EDN set #{...}; element order is the order read and is not significant.
type Set []any

// Map is an EDN map {k v ...}; entries keep the order read.
type Map []MapEntry

// MapEntry is one key/value pair of a Map.
type MapEntry struct {
	Key, Value any
}

// Tagged is an EDN tagged literal #tag value whose tag the reader does not
// interpret; it is passed through unchanged.
type Tagged struct {
	Tag   string
	Value any
}

// Get looks a key up in the map by Equal.
func (m Map) Get(key any) (any, bool) {
	for _, e := range m {
		if Equal(e.Key, key) {
			return e.Value, true
		}
	}
	return nil, false
}

// AsInt returns v as an int64 if it is an integer that fits.
func AsInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case *big.Int:
		if x.IsInt64() {
			return x.Int64(), true
		}
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), true
		}
	}
	return 0, false
}

// AsString returns the text of a string, keyword or symbol.
func AsString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case Keyword:
		return string(x), true
	case Symbol:
		return string(x), true
	}
	return "", false
}

// AsSlice returns the elements of a vector or list.
func AsSlice(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case List:
		return x, true
	}
	return nil, false
}

// Equal compares two values structurally, with the equivalences described
// above: keyword == string of the same text, vector == list, sets and maps
// unordered, integers compared by value whatever their representation.
func Equal(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if ai, ok := intValue(a); ok {
		bi, ok := intValue(b)
		return ok && ai.Cmp(bi) == 0
	}
	if as, ok := AsString(a); ok {
		if _, sym := a.(Symbol); sym {
			bs, ok := b.(Symbol)
			return ok && string(bs) == as
		}
		bs, ok := AsString(b)
		_, bsym := b.(Symbol)
		return ok && !bsym && as == bs
	}
	if as, ok := AsSlice(a); ok {
		bs, ok := AsSlice(b)
		if !ok || len(as) != len(bs) {
			return false
		}
		for i := range as {
			if !Equal(as[i], bs[i]) {
				return false
			}
		}
		return true
	}
	switch x := a.(type) {
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case Char:
		y, ok := b.(Char)
		return ok && x == y
	case Set:
		y, ok := b.(Set)
		return ok && len(x) == len(y) && containsAll(x, y) && containsAll(y, x)
	case Map:
		y, ok := b.(Map)
		if !ok || len(x) != len(y) {
			return false
		}
		for _, e := range x {
			v, found := y.Get(e.Key)
			if !found || !Equal(e.Value, v) {
				return false
			}
		}
		return true
	case Tagged:
		y, ok := b.(Tagged)
		return ok && x.Tag == y.Tag && Equal(x.Value, y.Value)
	}
	return false
}

func containsAll(xs, ys []any) bool {
	for _, y := range ys {
		found := false
		for _, x := range xs {
			if Equal(x, y) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func intValue(v any) (*big.Int, bool) {
	switch x := v.(type) {
	case int64:
		return big.NewInt(x), true
	case int:
		return big.NewInt(int64(x)), true
	case *big.Int:
		return x, true
	}
	return nil, false
}

// Key returns a string that is the same for two values exactly when they are
// Equal, for use as a Go map key (per-key views, memo tables).
func Key(v any) string { return string(appendKey(nil, v)) }

func appendKey(b []byte, v any) []byte {
	switch x := v.(type) {
	case Keyword:
		return strconv.AppendQuote(append(b, 's'), string(x))
	case string:
		return strconv.AppendQuote(append(b, 's'), x)
	case List:
		return appendKey(b, []any(x))
	case Set:
		keys := make([]string, len(x))
		for i, e := range x {
			keys[i] = Key(e)
		}
		sort.Strings(keys)
		b = append(b, "#{"...)
		for _, k := range keys {
			b = append(append(b, k...), ' ')
		}
		return append(b, '}')
	case Map:
		keys := make([]string, len(x))
		for i, e := range x {
			keys[i] = Key(e.Key) + " " + Key(e.Value)
		}
		sort.Strings(keys)
		b = append(b, '{')
		for _, k := range keys {
			b = append(append(b, k...), ',')
		}
		return append(b, '}')
	case []any:
		b = append(b, '[')
		for _, e := range x {
			b = append(appendKey(b, e), ' ')
		}
		return append(b, ']')
	case int:
		return AppendEDN(b, int64(x))
	case *big.Int:
		if x.IsInt64() {
			return AppendEDN(b, x.Int64())
		}
	case Tagged:
		return appendKey(append(append(b, '#'), x.Tag...), x.Value)
	}
	return AppendEDN(b, v)
}

// FormatEDN renders a value as EDN text.
func FormatEDN(v any) string { return string(AppendEDN(nil, v)) }

// AppendEDN appends the EDN text of v to b. Values of types outside the set
// above are written as strings of their Go formatting, so nothing panics.
func AppendEDN(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "nil"...)
	case bool:
		return strconv.AppendBool(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case *big.Int:
		return append(x.Append(b, 10), 'N')
	case float64:
		switch {
		case math.IsInf(x, 1):
			return append(b, "##Inf"...)
		case math.IsInf(x, -1):
			return append(b, "##-Inf"...)
		case math.IsNaN(x):
			return append(b, "##NaN"...)
		}
		s := strconv.FormatFloat(x, 'g', -1, 64)
		b = append(b, s...)
		if !containsAny(s, ".eE") {
			b = append(b, ".0"...)
		}
		return b
	case string:
		return appendEDNString(b, x)
	case Keyword:
		return append(append(b, ':'), x...)
	case Symbol:
		return append(b, x...)
	case Char:
		return appendEDNChar(b, rune(x))
	case []any:
		return appendSeq(append(b, '['), x, ']')
	case List:
		return appendSeq(append(b, '('), x, ')')
	case Set:
		return appendSeq(append(b, '#', '{'), x, '}')
	case Map:
		b = append(b, '{')
		for i, e := range x {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = AppendEDN(b, e.Key)
			b = append(b, ' ')
			b = AppendEDN(b, e.Value)
		}
		return append(b, '}')
	case Tagged:
		b = append(append(b, '#'), x.Tag...)
		return AppendEDN(append(b, ' '), x.Value)
	case error:
		return appendEDNString(b, x.Error())
	case interface{ String() string }:
		return appendEDNString(b, x.String())
	}
	return appendEDNString(b, "<unprintable value>")
}

func containsAny(s, chars string) bool {
	for i := 0; i < len(s); i++ {
		for j := 0; j < len(chars); j++ {
			if s[i] == chars[j] {
				return true
			}
		}
	}
	return false
}

func appendSeq(b []byte, xs []any, end byte) []byte {
	for i, e := range xs {
		if i > 0 {
			b = append(b, ' ')
		}
		b = AppendEDN(b, e)
	}
	return append(b, end)
}

func appendEDNString(b []byte, s string) []byte {
	b = append(b, '"')
	for _, r := range s {
		switch r {
		case '"':
			b = append(b, '\\', '"')
		case '\\':
			b = append(b, '\\', '\\')
		case '\n':
			b = append(b, '\\', 'n')
		case '\t':
			b = append(b, '\\', 't')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			if r < 0x20 || r == utf8.RuneError {
				b = append(b, `\u`...)
				const hex = "0123456789abcdef"
				b = append(b, hex[r>>12&15], hex[r>>8&15], hex[r>>4&15], hex[r&15])
			} else {
				b = utf8.AppendRune(b, r)
			}
		}
	}
	return append(b, '"')
}

func appendEDNChar(b []byte, r rune) []byte {
	switch r {
	case '\n':
		return append(b, `\newline`...)
	case ' ':
		return append(b, `\space`...)
	case '\t':
		return append(b, `\tab`...)
	case '\r':
		return append(b, `\return`...)
	}
	return utf8.AppendRune(append(b, '\\'), r)
}
