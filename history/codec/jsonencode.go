package codec

import (
	"math"
	"math/big"
	"strconv"
	"unicode/utf8"

	"github.com/faultline/faultline/history"
)

// appendJSON appends v in Faultline's lossless JSON encoding (see
// jsonvalue.go). Values of types outside history's value types are written
// as strings of their text, as history.AppendEDN does, so nothing panics.
func appendJSON(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case *big.Int:
		if x.IsInt64() {
			return append(appendJSONString(append(b, `{"#bigint":`...), x.String()), '}')
		}
		return x.Append(b, 10)
	case float64:
		switch {
		case math.IsNaN(x):
			return append(b, `{"#float":"NaN"}`...)
		case math.IsInf(x, 1):
			return append(b, `{"#float":"Inf"}`...)
		case math.IsInf(x, -1):
			return append(b, `{"#float":"-Inf"}`...)
		}
		start := len(b)
		b = strconv.AppendFloat(b, x, 'g', -1, 64)
		for _, c := range b[start:] {
			if c == '.' || c == 'e' {
				return b
			}
		}
		return append(b, ".0"...)
	case string:
		return appendJSONString(b, x)
	case history.Keyword:
		return wrapString(b, "#keyword", string(x))
	case history.Symbol:
		return wrapString(b, "#symbol", string(x))
	case history.Char:
		return wrapString(b, "#char", string(rune(x)))
	case []any:
		return appendJSONArray(b, x)
	case history.List:
		return append(appendJSONArray(append(b, `{"#list":`...), x), '}')
	case history.Set:
		return append(appendJSONArray(append(b, `{"#set":`...), x), '}')
	case history.Map:
		return appendJSONMap(b, x)
	case history.Tagged:
		b = appendJSONString(append(b, `{"#tagged":[`...), x.Tag)
		return append(appendJSON(append(b, ','), x.Value), "]}"...)
	case error:
		return appendJSONString(b, x.Error())
	case interface{ String() string }:
		return appendJSONString(b, x.String())
	}
	return appendJSONString(b, "<unprintable value>")
}

func wrapString(b []byte, key, s string) []byte {
	b = append(append(append(b, `{"`...), key...), `":`...)
	return append(appendJSONString(b, s), '}')
}

func appendJSONArray(b []byte, xs []any) []byte {
	b = append(b, '[')
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSON(b, x)
	}
	return append(b, ']')
}

// appendJSONMap writes a map with string keys as a plain object, any other as
// {"#map": [[k, v], ...]}; so does a one-entry map whose key starts with '#',
// which would otherwise read back as a wrapper.
func appendJSONMap(b []byte, m history.Map) []byte {
	plain := true
	for _, e := range m {
		k, ok := e.Key.(string)
		if !ok || len(m) == 1 && len(k) > 0 && k[0] == '#' {
			plain = false
			break
		}
	}
	if !plain {
		b = append(b, `{"#map":[`...)
		for i, e := range m {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(appendJSON(append(appendJSON(append(b, '['), e.Key), ','), e.Value), ']')
		}
		return append(b, "]}"...)
	}
	b = append(b, '{')
	for i, e := range m {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(appendJSONString(b, e.Key.(string)), ':')
		b = appendJSON(b, e.Value)
	}
	return append(b, '}')
}

func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			b = append(b, c)
			i++
			continue
		}
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			if c < 0x20 {
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
				break
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			b = utf8.AppendRune(b, r) // invalid UTF-8 becomes U+FFFD
			i += size
			continue
		}
		i++
	}
	return append(b, '"')
}
