// Package redact keeps secrets out of what Faultline writes down about a
// run: its configuration (config.json) and its log (run.log and the
// terminal). A secret is found three ways: by the name it is given (a key,
// flag or environment variable such as password, token, api-key, auth: see
// IsSecretName), by where it sits in text (a URL's user info, NAME=value,
// --flag value, "name": "value", a bearer token), and, once found anywhere
// in the configuration, by its value wherever else it turns up (an error
// that quotes a command line, say).
//
// Histories and results never pass through here: an op's value belongs to
// the database under test (a workload key may well be named token), and
// hiding it would change what the checkers see.
package redact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Mark is what a hidden secret reads as.
const Mark = "<redacted>"

// MinKnownLen is the shortest secret hidden by its value alone. Shorter
// ones are hidden only where a name or a rule finds them: replacing every
// "ab" in a log would make it unreadable.
const MinKnownLen = 4

// Redactor hides secrets in text and in configuration values. The zero
// value knows the names and rules; New also learns a configuration's
// secret values.
type Redactor struct {
	known *strings.Replacer // secret values, longest first; nil if none
}

// New returns a Redactor that also hides, wherever they appear, the secret
// values found in cfg (any value encoding/json can marshal: maps, lists,
// structs such as an SSH configuration).
func New(cfg any) *Redactor {
	tree, err := toTree(cfg)
	if err != nil {
		return &Redactor{}
	}
	seen := map[string]bool{}
	collect(tree, func(s string) {
		if len(s) >= MinKnownLen && !notSecret[strings.ToLower(s)] {
			seen[s] = true
		}
	})
	known := make([]string, 0, len(seen))
	for s := range seen {
		known = append(known, s)
	}
	if len(known) == 0 {
		return &Redactor{}
	}
	// Longest first, so a secret that holds another is hidden whole.
	slices.SortFunc(known, func(a, b string) int { return len(b) - len(a) })
	pairs := make([]string, 0, 2*len(known))
	for _, s := range known {
		pairs = append(pairs, s, Mark)
	}
	return &Redactor{known: strings.NewReplacer(pairs...)}
}

// notSecret are values that a secret-named setting may hold without their
// being secrets (--tls-auth false); hiding every "true" in a log would only
// make it unreadable.
var notSecret = map[string]bool{"true": true, "false": true, "null": true, "none": true}

// Text hides the secrets in a line of text.
func (r *Redactor) Text(s string) string {
	if r != nil && r.known != nil {
		s = r.known.Replace(s)
	}
	return scrub(s, nil)
}

// Config returns cfg as JSON-shaped data (maps, lists, strings, json.Number,
// bools) with every secret hidden: every string, number and key under a
// secret name at any depth (an empty string stays empty, so "no password"
// reads differently from "a password we hid"), the word after a secret flag
// in a list (argv), and whatever Text finds in every other string and key.
func (r *Redactor) Config(cfg any) (any, error) {
	tree, err := toTree(cfg)
	if err != nil {
		return nil, err
	}
	return r.tree(tree), nil
}

// toTree turns v into the data encoding/json decodes, numbers kept exact.
func toTree(v any) (any, error) {
	js, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("redact: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, fmt.Errorf("redact: %w", err)
	}
	return tree, nil
}

func (r *Redactor) tree(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			if IsSecretName(k) {
				out[r.Text(k)] = hideAll(val)
			} else {
				out[r.Text(k)] = r.tree(val)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			if s, ok := val.(string); ok && i > 0 && isSecretFlag(x[i-1]) && s != "" {
				out[i] = Mark
				continue
			}
			out[i] = r.tree(val)
		}
		return out
	case string:
		return r.Text(x)
	}
	return v
}

// hideAll hides every string and number in v, keeping its shape, empty
// strings, bools and nulls.
func hideAll(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[k] = hideAll(val)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = hideAll(x[i])
		}
		return out
	case string:
		if x == "" {
			return x
		}
		return Mark
	case json.Number:
		return Mark
	}
	return v
}

// isSecretFlag reports whether an argv word is a flag naming a secret whose
// value is the next word (--password, not --password=x).
func isSecretFlag(v any) bool {
	s, ok := v.(string)
	return ok && strings.HasPrefix(s, "-") && !strings.Contains(s, "=") && IsSecretName(strings.TrimLeft(s, "-"))
}

// collect calls found with every secret value in a configuration tree: the
// strings and numbers under secret names, the words after secret flags, and
// what the text rules find in every other string and key.
func collect(v any, found func(string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			scrub(k, found)
			if IsSecretName(k) {
				leaves(val, found)
			} else {
				collect(val, found)
			}
		}
	case []any:
		for i, val := range x {
			if s, ok := val.(string); ok && i > 0 && isSecretFlag(x[i-1]) {
				found(s)
				continue
			}
			collect(val, found)
		}
	case string:
		scrub(x, found)
	}
}

// leaves calls found with every string and number in v.
func leaves(v any, found func(string)) {
	switch x := v.(type) {
	case map[string]any:
		for _, val := range x {
			leaves(val, found)
		}
	case []any:
		for _, val := range x {
			leaves(val, found)
		}
	case string:
		found(x)
	case json.Number:
		found(x.String())
	}
}
