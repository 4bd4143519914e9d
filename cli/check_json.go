package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"slices"

	"github.com/faultline/faultline/checker/elle"
	"github.com/faultline/faultline/checker/linear"
)

// The JSON form of `faultline check --output json` follows elle-cli's: one
// indented JSON document per file, the checker's own result map at the top
// level, with "valid?" true, false or "unknown". Around the checker's fields
// (its Details, under their JSON names) Faultline adds, first:
//
//	"valid?"        true | false | "unknown"
//	"file"          the path as given ("-" for standard input)
//	"model"         the --model checked
//	"ops"           operations in the history
//	"summary"       the verdict line's summary, when there is one
//	"error"         why the checker could not decide, when it could not
//	"failing-keys"  for per-key checks (--independent, kv): the keys whose
//	                verdict is not valid (for kv, the key of the counterexample)
//
// Elle results group "anomalies" by type, as Elle does ({"G1c": [...]}); the
// entries are Faultline's (transactions, steps, explanations). A file that is
// not a history gets a document with "file" and "error" and no "valid?", so
// no script mistakes it for a verdict. Field names never change with the
// verdict; a checker's field that collides with one of ours is left out.

// jsonField is one member of a JSON object whose order we choose.
type jsonField struct {
	Name  string
	Value json.RawMessage
}

// jsonObject marshals its fields in order.
type jsonObject []jsonField

func (o jsonObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		name, _ := marshalJSON(f.Name)
		b.Write(name)
		b.WriteByte(':')
		b.Write(f.Value)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// marshalJSON is json.Marshal without HTML escaping: the documents are read
// by people and scripts, never embedded in HTML, and "T1 < T2" should read
// as written.
func marshalJSON(v any) (json.RawMessage, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// add appends a field holding v's JSON.
func (o *jsonObject) add(name string, v any) error {
	raw, err := marshalJSON(v)
	if err != nil {
		return err
	}
	*o = append(*o, jsonField{name, raw})
	return nil
}

// reservedJSONFields are the document's own fields, which a checker's
// Details may not override.
var reservedJSONFields = []string{"valid?", "file", "model", "ops", "summary", "error", "failing-keys"}

// jsonDocument builds the document for one file.
func jsonDocument(c checkedFile) (jsonObject, error) {
	var o jsonObject
	var err error
	put := func(name string, v any) {
		if err == nil {
			err = o.add(name, v)
		}
	}
	if c.Err != nil {
		put("file", c.Path)
		put("error", c.Err.Error())
		return o, err
	}
	r := c.Result
	put("valid?", r.Valid)
	put("file", c.Path)
	put("model", c.Model)
	put("ops", c.Ops)
	if r.Summary != "" {
		put("summary", r.Summary)
	}
	if r.Error != "" {
		put("error", r.Error)
	}
	if keys, ok := failingKeys(r.Details); ok {
		put("failing-keys", keys)
	}
	details, derr := detailFields(r.Details)
	if err == nil {
		err = derr
	}
	for _, f := range details {
		if !slices.Contains(reservedJSONFields, f.Name) {
			o = append(o, f)
		}
	}
	return o, err
}

// detailFields returns a checker's Details as fields, sorted by name (a
// value that is not a JSON object becomes one field, "details").
func detailFields(d any) (jsonObject, error) {
	if d == nil {
		return nil, nil
	}
	raw, err := marshalJSON(d)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return jsonObject{{"details", raw}}, nil
	}
	if rep, ok := d.(*elle.Report); ok {
		if m["anomalies"], err = anomaliesByType(rep.Anomalies); err != nil {
			return nil, err
		}
	}
	var o jsonObject
	for _, name := range slices.Sorted(maps.Keys(m)) {
		o = append(o, jsonField{name, m[name]})
	}
	return o, nil
}

// anomaliesByType groups Elle's anomalies as Elle's result does: an object
// from each type to its anomalies, types in the report's (sorted) order.
func anomaliesByType(as []elle.Anomaly) (json.RawMessage, error) {
	var o jsonObject
	index := map[string]int{}
	var groups [][]elle.Anomaly
	for _, an := range as {
		i, ok := index[an.Type]
		if !ok {
			i = len(groups)
			index[an.Type] = i
			groups = append(groups, nil)
			o = append(o, jsonField{Name: an.Type})
		}
		groups[i] = append(groups[i], an)
	}
	for i := range o {
		raw, err := marshalJSON(groups[i])
		if err != nil {
			return nil, err
		}
		o[i].Value = raw
	}
	return o.MarshalJSON()
}

// failingKeys returns the keys whose verdict is not valid, for results that
// are checked key by key; ok is false for results that have no keys.
func failingKeys(d any) (keys []any, ok bool) {
	switch x := d.(type) {
	case interface{ Failing() []any }:
		keys = x.Failing()
	case *linear.Details:
		if x.Counterexample == nil || !x.Counterexample.Keyed {
			return nil, x.Keys > 1
		}
		keys = []any{x.Counterexample.Key}
	default:
		return nil, false
	}
	if keys == nil {
		keys = []any{}
	}
	return keys, true
}

// writeJSONDocument writes one file's document, indented, with a newline.
func writeJSONDocument(w io.Writer, c checkedFile) error {
	o, err := jsonDocument(c)
	if err != nil {
		return err
	}
	raw, err := o.MarshalJSON()
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return err
	}
	b.WriteByte('\n')
	_, err = w.Write(b.Bytes())
	return err
}
