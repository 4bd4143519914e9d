package redact

import (
	"regexp"
	"strings"
)

// A rule finds secrets in text by their surroundings. value is the
// submatch holding the secret; name, when not zero, is the submatch holding
// the name the secret is given to, and the value is a secret only when that
// name is one (IsSecretName).
type rule struct {
	re          *regexp.Regexp
	name, value int
}

// quotedOrBare is a value as text writes it: double-quoted with escapes,
// single-quoted, or a run of characters up to a space, quote or &.
const quotedOrBare = `("(?:[^"\\]|\\.)*"|'[^']*'|[^\s"'&]+)`

var rules = []rule{
	// A URL's user info: https://user:pw@host/ keeps the user. The password
	// runs to the last @ before the path, so an unescaped @ in it is kept in.
	{re: regexp.MustCompile(`(?i)\b[a-z][a-z0-9+.\-]*://[^\s/?#@:]*:([^\s/?#]*)@`), value: 1},
	// A Go SQL driver's DSN: user:pw@tcp(host:port)/db.
	{re: regexp.MustCompile(`\b[A-Za-z0-9_.\-]+:([^\s@/:]+)@(?:tcp|udp|unix)\(`), value: 1},
	// An HTTP Authorization header or a bearer token.
	{re: regexp.MustCompile(`(?i)\bauthorization:\s*(?:basic\s+|bearer\s+|token\s+)?(\S+)`), value: 1},
	{re: regexp.MustCompile(`(?i)\bbearer\s+([A-Za-z0-9._~+/\-]+=*)`), value: 1},
	// JSON: "password": "x" or "pin": 1234.
	{re: regexp.MustCompile(`"([^"\\]+)"\s*:\s*("(?:[^"\\]|\\.)*"|-?[0-9][0-9.eE+\-]*)`), name: 1, value: 2},
	// An assignment: ETCD_PASSWORD=x, --token=x, password:x (Go's %v of a
	// map or struct), ?api_key=x&... in a query string.
	{re: regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_.\-]*)[=:]` + quotedOrBare), name: 1, value: 2},
	// A flag and its value as separate words: --password x.
	{re: regexp.MustCompile(`(?:^|\s)(--?[A-Za-z][A-Za-z0-9_.\-]*)\s+("(?:[^"\\]|\\.)*"|'[^']*'|[^\s\-"'][^\s]*)`), name: 1, value: 2},
}

// scrub replaces every secret the rules find in s by Mark, and calls found
// (when not nil) with each one, unquoted.
func scrub(s string, found func(secret string)) string {
	for _, r := range rules {
		s = r.apply(s, found)
	}
	return s
}

func (r rule) apply(s string, found func(string)) string {
	var b strings.Builder
	last, pos := 0, 0
	for pos < len(s) {
		m := r.re.FindStringSubmatchIndex(s[pos:])
		if m == nil {
			break
		}
		for i := range m {
			if m[i] >= 0 {
				m[i] += pos
			}
		}
		if r.name != 0 && !IsSecretName(strings.TrimLeft(s[m[2*r.name]:m[2*r.name+1]], "-")) {
			// Look again just after the name: a value that is no secret
			// may hold one (http://h/?api_key=x is "http" given a value).
			pos = m[2*r.name+1]
			continue
		}
		pos = max(m[1], pos+1)
		from, to := m[2*r.value], m[2*r.value+1]
		if from < 0 || from == to {
			continue
		}
		if v := unquote(s[from:to]); v != Mark && found != nil {
			found(v)
		}
		b.WriteString(s[last:from])
		if q := s[from]; q == '"' || q == '\'' {
			b.WriteByte(q) // a quoted secret stays quoted, so JSON stays JSON
			b.WriteString(Mark)
			b.WriteByte(q)
		} else {
			b.WriteString(Mark)
		}
		last = to
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// unquote strips the quotes around a quoted value (its escapes are kept:
// the secret as it appears elsewhere is what matters).
func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	return v
}
