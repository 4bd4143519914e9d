package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/elle"
	"github.com/faultline/faultline/checker/linear"
	"github.com/faultline/faultline/history"
)

// resultDoc is checker.Result as results.json holds it, with Details kept
// raw until its shape says which checker wrote it.
type resultDoc struct {
	Valid    checker.Validity     `json:"valid"`
	Summary  string               `json:"summary"`
	Error    string               `json:"error"`
	Details  json.RawMessage      `json:"details"`
	Children map[string]resultDoc `json:"children"`
}

// finding is one checker's result as the run page explains it: its verdict
// and, by the shape of its details, Elle's anomalies, a linearizability
// counterexample, an independent checker's failing keys, or (for checkers
// the page does not know) the details as JSON. Composed parts are Children.
type finding struct {
	Name     string // the part's name in a composed result ("" at the top)
	Path     string // folder of the part's drawings in the run ("" or "name/")
	Verdict  string
	Summary  string
	Error    string
	Elle     *elleView
	Linear   *linearView
	Keys     *keysView
	Other    string
	Children []finding
}

// opRef is an op a finding names, linked to the history view and timeline.
type opRef struct {
	Name    string // T1, T2, ... in Elle's explanations
	Index   int
	Process string
	Type    string
	F       string
	Value   string
	// Key is the independent key (EDN) the op belongs to, "" for none:
	// its history link filters to that key.
	Key string
	// Complete is the :index of the op's completion when the finding
	// names its invoke (a linearizability counterexample), else -1: the
	// value shown is the completion's, which holds what a read saw.
	Complete int
}

type elleView struct {
	Models, Not, AlsoNot, NotChecked, Types []string
	Anomalies                               []anomalyView
	Omitted                                 map[string]int
	Txns, Committed, Edges                  int
}

type anomalyView struct {
	Type, Key   string
	Explanation []string
	Txns        []opRef
	Steps       []elle.Step
	Drawing     string // the cycle's SVG in the run folder, "" if none
}

type linearView struct {
	Model                  string
	Ops, Keys, InvalidKeys int
	CE                     *ceView
}

type ceView struct {
	Key          string
	PrefixLength int
	Start        string
	Prefix       []stepView
	Blocked      []opRef
	States       []string
	Concurrent   []opRef
}

type stepView struct {
	Op    opRef
	State string
}

type keysView struct {
	KeyCount, InvalidCount, UnknownCount, Valid int
	Failing                                     []keyView
	MoreFailing                                 int
}

type keyView struct {
	Key     string
	Ops     int
	Verdict string
	Summary string
	Inner   *finding
}

// Limits of what one run page explains in place; the files have the rest.
const (
	maxFailingKeys  = 50
	maxExplainedKey = 10
	maxOtherDetails = 8 << 10
)

// parseResult decodes results.json into a resultDoc.
func parseResult(b []byte) (*resultDoc, error) {
	var doc resultDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("results.json: %w", err)
	}
	return &doc, nil
}

// findingsOf explains a result tree. files are the run's files, to find
// the drawing of each Elle cycle.
func findingsOf(doc *resultDoc, files map[string]bool) finding {
	return explain(doc, "", "", "", files)
}

func explain(doc *resultDoc, name, path, key string, files map[string]bool) finding {
	f := finding{Name: name, Path: path, Verdict: verdictOf(doc.Valid), Summary: doc.Summary, Error: doc.Error}
	if d := doc.Details; len(d) > 0 && !bytes.Equal(d, []byte("null")) {
		var shape map[string]json.RawMessage
		_ = json.Unmarshal(d, &shape)
		switch {
		case has(shape, "anomaly-types", "anomalies"):
			var r elle.Report
			if json.Unmarshal(d, &r) == nil {
				f.Elle = elleOf(&r, path, key, files)
			}
		case has(shape, "model", "ops", "keys"):
			var ld linear.Details
			if json.Unmarshal(d, &ld) == nil {
				f.Linear = linearOf(&ld, key)
			}
		case has(shape, "key-count", "keys"):
			f.Keys = keysOf(d, path, files)
		}
		if f.Elle == nil && f.Linear == nil && f.Keys == nil {
			f.Other = otherDetails(d)
		}
	}
	names := make([]string, 0, len(doc.Children))
	for n := range doc.Children {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		c := doc.Children[n]
		f.Children = append(f.Children, explain(&c, n, path+n+"/", key, files))
	}
	return f
}

// has reports whether a details object holds every one of keys.
func has(shape map[string]json.RawMessage, keys ...string) bool {
	for _, k := range keys {
		if _, ok := shape[k]; !ok {
			return false
		}
	}
	return shape != nil
}

func elleOf(r *elle.Report, path, key string, files map[string]bool) *elleView {
	v := &elleView{
		Models: r.Models, Not: r.Not, AlsoNot: r.AlsoNot, NotChecked: r.NotChecked, Types: r.AnomalyTypes,
		Omitted: r.Omitted, Txns: r.Txns, Committed: r.Committed, Edges: r.Edges,
	}
	drawn := map[string]int{}
	for _, an := range r.Anomalies {
		av := anomalyView{Type: an.Type, Explanation: an.Explanation, Steps: an.Steps}
		if an.Key != nil {
			av.Key = jsonText(an.Key)
		}
		for _, t := range an.Txns {
			av.Txns = append(av.Txns, opRef{Name: t.Name, Index: t.Index, Process: history.ProcessString(t.Process), Type: t.Type, F: "txn", Value: jsonText(t.Value), Key: key, Complete: -1})
		}
		// report/elle draws every cycle as <type>-<n>.svg, n counting
		// the cycles of that type from 1.
		if len(an.Steps) > 0 {
			drawn[an.Type]++
			if svg := fmt.Sprintf("%selle/%s-%d.svg", path, an.Type, drawn[an.Type]); files[svg] {
				av.Drawing = svg
			}
		}
		v.Anomalies = append(v.Anomalies, av)
	}
	return v
}

func linearOf(d *linear.Details, key string) *linearView {
	v := &linearView{Model: d.Model, Ops: d.Ops, Keys: d.Keys, InvalidKeys: d.InvalidKeys}
	ce := d.Counterexample
	if ce == nil {
		return v
	}
	if ce.Keyed && key == "" {
		key = jsonText(ce.Key)
	}
	c := &ceView{PrefixLength: ce.PrefixLength, Start: jsonText(ce.Start), Key: key}
	ref := func(o linear.Operation) opRef {
		return opRef{Index: o.Index, Process: history.ProcessString(o.Process), Type: o.Outcome, F: o.F, Value: jsonText(o.Value), Key: key, Complete: o.CompleteIndex}
	}
	for _, s := range ce.Prefix {
		c.Prefix = append(c.Prefix, stepView{Op: ref(s.Op), State: jsonText(s.State)})
	}
	for _, o := range ce.Blocked {
		c.Blocked = append(c.Blocked, ref(o))
	}
	for _, o := range ce.Concurrent {
		c.Concurrent = append(c.Concurrent, ref(o))
	}
	for _, s := range ce.States {
		c.States = append(c.States, jsonText(s))
	}
	v.CE = c
	return v
}

// keysOf explains an independent checker's details: the failing keys
// (the first few with their own findings), and how many keys passed.
func keysOf(d json.RawMessage, path string, files map[string]bool) *keysView {
	var raw struct {
		KeyCount     int `json:"key-count"`
		InvalidCount int `json:"invalid-count"`
		UnknownCount int `json:"unknown-count"`
		Keys         []struct {
			Key    any       `json:"key"`
			Ops    int       `json:"ops"`
			Result resultDoc `json:"result"`
		} `json:"keys"`
	}
	if json.Unmarshal(d, &raw) != nil {
		return nil
	}
	v := &keysView{KeyCount: raw.KeyCount, InvalidCount: raw.InvalidCount, UnknownCount: raw.UnknownCount}
	for _, k := range raw.Keys {
		if k.Result.Valid == checker.Valid {
			v.Valid++
			continue
		}
		if len(v.Failing) == maxFailingKeys {
			v.MoreFailing++
			continue
		}
		kv := keyView{Key: jsonText(k.Key), Ops: k.Ops, Verdict: verdictOf(k.Result.Valid), Summary: orElse(k.Result.Summary, k.Result.Error)}
		if len(v.Failing) < maxExplainedKey {
			inner := explain(&k.Result, "", path, kv.Key, files)
			kv.Inner = &inner
		}
		v.Failing = append(v.Failing, kv)
	}
	return v
}

// otherDetails shows the details of a checker the page does not know as
// indented JSON, clipped.
func otherDetails(d json.RawMessage) string {
	var out bytes.Buffer
	if json.Indent(&out, d, "", "  ") != nil {
		return clipText(string(d), maxOtherDetails)
	}
	return clipText(unescapeHTML(out.String()), maxOtherDetails)
}

// jsonText writes a value decoded from results.json in EDN's notation
// (vectors in brackets, maps in braces, no commas). JSON cannot tell a
// keyword from a string, so strings stay quoted; the run page replaces these
// renderings by the ops as the history has them when it can read them.
func jsonText(v any) string {
	var b strings.Builder
	writeJSONText(&b, v)
	return b.String()
}

func writeJSONText(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("nil")
	case string:
		b.WriteString(strconv.Quote(x))
	case float64:
		b.WriteString(strconv.FormatFloat(x, 'f', -1, 64))
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(' ')
			}
			writeJSONText(b, e)
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Quote(k) + " ")
			writeJSONText(b, x[k])
		}
		b.WriteByte('}')
	default:
		fmt.Fprint(b, x)
	}
}

// refs lists every op the findings name, so their values can be read from
// the history at once.
func (f *finding) refs(yield func(*opRef)) {
	if f.Elle != nil {
		for i := range f.Elle.Anomalies {
			for k := range f.Elle.Anomalies[i].Txns {
				yield(&f.Elle.Anomalies[i].Txns[k])
			}
		}
	}
	if f.Linear != nil && f.Linear.CE != nil {
		ce := f.Linear.CE
		for i := range ce.Prefix {
			yield(&ce.Prefix[i].Op)
		}
		for i := range ce.Blocked {
			yield(&ce.Blocked[i])
		}
		for i := range ce.Concurrent {
			yield(&ce.Concurrent[i])
		}
	}
	if f.Keys != nil {
		for _, k := range f.Keys.Failing {
			if k.Inner != nil {
				k.Inner.refs(yield)
			}
		}
	}
	for i := range f.Children {
		f.Children[i].refs(yield)
	}
}

// fillFromHistory replaces the values of the ops the findings name by the
// ops as the history holds them (exact EDN, keywords as keywords), when it
// has them.
func (f *finding) fillFromHistory(ops map[int]history.Op) {
	f.refs(func(r *opRef) {
		op, ok := ops[r.Complete]
		if !ok {
			op, ok = ops[r.Index]
		}
		if ok {
			r.Value = clipText(history.FormatEDN(op.Value), maxValueText)
			r.F = op.F
		}
	})
}

// renameKeys replaces the keys the findings name (read from results.json's
// JSON, where a keyword is a string) by the names the history gives them.
func (f *finding) renameKeys(name func(string) string) {
	if f.Linear != nil && f.Linear.CE != nil && f.Linear.CE.Key != "" {
		f.Linear.CE.Key = name(f.Linear.CE.Key)
	}
	if f.Keys != nil {
		for i := range f.Keys.Failing {
			k := &f.Keys.Failing[i]
			k.Key = name(k.Key)
			if k.Inner != nil {
				k.Inner.renameKeys(name)
			}
		}
	}
	f.refs(func(r *opRef) {
		if r.Key != "" {
			r.Key = name(r.Key)
		}
	})
	for i := range f.Children {
		f.Children[i].renameKeys(name)
	}
}

// opIndexes lists the :index of every op the findings name.
func (f *finding) opIndexes() []int {
	var out []int
	f.refs(func(r *opRef) {
		out = append(out, r.Index)
		if r.Complete >= 0 {
			out = append(out, r.Complete)
		}
	})
	return out
}
