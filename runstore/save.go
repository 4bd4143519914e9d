package runstore

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/codec"
	"github.com/faultline/faultline/runstore/redact"
)

// WriteHistory writes the finished history as history.edn (Jepsen's one op
// map per line) and history.txt (Jepsen's tab-separated rows).
func (r *Run) WriteHistory(ops []history.Op) error {
	return errors.Join(
		writeOps(r.Path(HistoryEDNFile), codec.EDN, ops),
		writeOps(r.Path(HistoryTxtFile), codec.JepsenLog, ops),
	)
}

func writeOps(path string, f codec.Format, ops []history.Op) error {
	return writeFile(path, func(w *bufio.Writer) error {
		enc, err := codec.NewWriter(w, f)
		if err != nil {
			return err
		}
		for i := range ops {
			if err := enc.Write(ops[i]); err != nil {
				return fmt.Errorf("op %d: %w", ops[i].Index, err)
			}
		}
		return enc.Flush()
	})
}

// WriteResults writes results.json and its EDN twin results.edn (with
// Jepsen's :valid? key, so Jepsen tooling can read our verdicts).
func (r *Run) WriteResults(res checker.Result) error {
	js, err := checker.MarshalIndent(res)
	if err != nil {
		return fmt.Errorf("store: results: %w", err)
	}
	edn, err := ResultEDN(res)
	if err != nil {
		return err
	}
	return errors.Join(
		writeFile(r.Path(ResultsFile), func(w *bufio.Writer) error { _, err := w.Write(append(js, '\n')); return err }),
		writeFile(r.Path(ResultsEDNFile), func(w *bufio.Writer) error { _, err := w.WriteString(edn + "\n"); return err }),
	)
}

// ResultEDN renders a result as Jepsen renders one: a map with keyword keys,
// :valid? true/false/:unknown, children nested under their names.
func ResultEDN(res checker.Result) (string, error) {
	js, err := json.Marshal(res)
	if err != nil {
		return "", fmt.Errorf("store: results: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", fmt.Errorf("store: results: %w", err)
	}
	return history.FormatEDN(jsonToEDN(v, true)), nil
}

// jsonToEDN turns decoded JSON into EDN-shaped values: object keys become
// keywords (sorted, for stable files), "valid" becomes :valid? in result
// maps, numbers become int64 or float64.
func jsonToEDN(v any, result bool) any {
	switch x := v.(type) {
	case map[string]any:
		keys := slices.Sorted(maps.Keys(x))
		m := make(history.Map, 0, len(keys))
		for _, k := range keys {
			val := x[k]
			name := k
			switch {
			case result && k == "valid":
				name = "valid?"
				if s, ok := val.(string); ok {
					val = history.Keyword(s)
				}
			case result && k == "children":
				m = append(m, history.MapEntry{Key: history.Keyword(k), Value: childrenEDN(val)})
				continue
			}
			m = append(m, history.MapEntry{Key: history.Keyword(name), Value: jsonToEDN(val, false)})
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = jsonToEDN(x[i], false)
		}
		return out
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	}
	return v
}

// childrenEDN renders the children of a composed result: each is a result.
func childrenEDN(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return jsonToEDN(v, false)
	}
	out := make(history.Map, 0, len(m))
	for _, n := range slices.Sorted(maps.Keys(m)) {
		out = append(out, history.MapEntry{Key: history.Keyword(n), Value: jsonToEDN(m[n], true)})
	}
	return out
}

// WriteConfig writes config.json: the test's configuration with every
// secret hidden (see package redact: secret names at any depth, URLs' user
// info, NAME=value strings, and the values found so wherever else they
// appear).
func (r *Run) WriteConfig(cfg map[string]any) error {
	hidden, err := redact.New(cfg).Config(cfg)
	if err != nil {
		return fmt.Errorf("store: config: %w", err)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // <redacted>, not \u003credacted\u003e
	enc.SetIndent("", "  ")
	if err := enc.Encode(hidden); err != nil {
		return fmt.Errorf("store: config: %w", err)
	}
	return writeFile(r.Path(ConfigFile), func(w *bufio.Writer) error { _, err := w.Write(b.Bytes()); return err })
}

// Redacted is what a hidden secret reads as in config.json and run.log.
const Redacted = redact.Mark
