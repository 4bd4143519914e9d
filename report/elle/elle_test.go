package elle

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	ellechk "github.com/faultline/faultline/checker/elle"
	"github.com/faultline/faultline/history"
)

// readSkew is a list-append history with one G-single-item cycle: T1 reads
// key "x" empty but key 2 with T2's append; a later read of "x" shows
// T2's append, which orders it after the empty version.
func readSkew(t *testing.T) checker.Result {
	t.Helper()
	res := ellechk.ListAppend(ellechk.Options{}).Check(context.Background(), readSkewHistory(t))
	if res.Valid != checker.Invalid {
		t.Fatalf("fixture: %v %s", res.Valid, res.Error)
	}
	return res
}

func readSkewHistory(t *testing.T) *history.History {
	t.Helper()
	mop := func(f string, k any, v any) any { return []any{history.Keyword(f), k, v} }
	key := `x"q` // a key that needs escaping in DOT and XML
	t1inv := []any{mop("r", key, nil), mop("r", int64(2), nil)}
	t1ok := []any{mop("r", key, []any{}), mop("r", int64(2), []any{int64(1)})}
	t2 := []any{mop("append", key, int64(1)), mop("append", int64(2), int64(1))}
	h := history.MustNew(
		history.Op{Index: 0, Type: history.Invoke, Process: 0, F: "txn", Value: t1inv},
		history.Op{Index: 1, Type: history.Invoke, Process: 1, F: "txn", Value: t2},
		history.Op{Index: 2, Type: history.OK, Process: 0, F: "txn", Value: t1ok},
		history.Op{Index: 3, Type: history.OK, Process: 1, F: "txn", Value: t2},
		history.Op{Index: 4, Type: history.Invoke, Process: 2, F: "txn", Value: []any{mop("r", key, nil)}},
		history.Op{Index: 5, Type: history.OK, Process: 2, F: "txn", Value: []any{mop("r", key, []any{int64(1)})}},
	)
	return h
}

// The text says what the verdict does not cover, and why, so a valid
// verdict never reads as a claim about anomalies that were not checked.
func TestTextSaysWhatIsNotChecked(t *testing.T) {
	h := readSkewHistory(t)
	cases := []struct {
		o       ellechk.Options
		valid   checker.Validity
		want    []string
		notWant string
	}{
		// cursor-stability allows the G-single-item, but a G-cursor would
		// be reported only as one: unknown, with G-cursor not checked and
		// the reason given.
		{ellechk.Options{ConsistencyModels: []string{"PL-CS"}}, checker.Unknown,
			[]string{"valid? unknown under cursor-stability", "undecided: G-cursor is forbidden and shows only as G-single-item, and one of those was found", "not checked (the verdict does not cover these):", "  G-cursor: a G-cursor cycle (one rw edge and ww edges, all on one key) is reported as G-single-item"}, ""},
		{ellechk.Options{ConsistencyModels: []string{"consistent-view"}}, checker.Invalid,
			[]string{"valid? false under consistent-view"}, "not checked"},
		{ellechk.Options{ConsistencyModels: []string{}, Anomalies: []string{"G1c"}}, checker.Valid,
			[]string{"valid? true under no consistency model (only the anomalies asked for)", "anomaly types: G-single-item"}, "not checked"},
		{ellechk.Options{ConsistencyModels: []string{"linearizable"}}, checker.Unknown,
			[]string{"valid? unknown under linearizable", "  linearizable: Elle defines it by no anomaly"}, ""},
	}
	for _, c := range cases {
		res := ellechk.ListAppend(c.o).Check(context.Background(), h)
		var b bytes.Buffer
		if err := Text(&b, res); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if res.Valid != c.valid {
			t.Errorf("%v: valid = %v, want %v\n%s", c.o.ConsistencyModels, res.Valid, c.valid, out)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: text lacks %q:\n%s", c.o.ConsistencyModels, w, out)
			}
		}
		if c.notWant != "" && strings.Contains(out, c.notWant) {
			t.Errorf("%v: text has %q:\n%s", c.o.ConsistencyModels, c.notWant, out)
		}
	}
}

func TestText(t *testing.T) {
	var b bytes.Buffer
	if err := Text(&b, readSkew(t)); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"list-append: valid? false under strict-serializable",
		"anomaly types: G-single-item",
		"not consistent-view, repeatable-read",
		"  predicate-read-miss: needs predicate reads",
		"G-single-item #1",
		`T1 < T2: T1 read key "x\"q" = [], which does not yet have 1, which T2 appended next`,
		"T2 < T1: T1 read key 2 = [1], which T2 appended 1 to",
		"T1 = {:index 2, :process 0, :type :ok",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	b.Reset()
	if err := Text(&b, checker.Result{Valid: checker.Unknown, Error: "op 3: bad"}); err != nil || !strings.Contains(b.String(), "elle: op 3: bad") {
		t.Errorf("error result: %q %v", b.String(), err)
	}
	if err := Text(io.Discard, checker.Result{Details: 3}); err == nil {
		t.Error("a result of another checker should be refused")
	}
}

func cycleOf(t *testing.T) ellechk.Anomaly {
	r := readSkew(t).Details.(*ellechk.Report)
	for _, a := range r.Anomalies {
		if len(a.Steps) > 0 {
			return a
		}
	}
	t.Fatal("no cycle in fixture")
	return ellechk.Anomaly{}
}

func TestDOT(t *testing.T) {
	an := cycleOf(t)
	dot := DOT(an)
	if got := strings.Count(dot, " -> "); got != len(an.Steps) {
		t.Errorf("%d edges, want %d:\n%s", got, len(an.Steps), dot)
	}
	for _, want := range []string{`digraph "G-single-item" {`, `"T1" -> "T2" [label="rw", color="#d62728"`, `"T2" -> "T1" [label="wr"`, `[:r \"x\\\"q\" []]`} {
		if !strings.Contains(dot, want) {
			t.Errorf("DOT lacks %q:\n%s", want, dot)
		}
	}
	if got := dotQuote("a\"b\\c\nd"); got != `"a\"b\\c\nd"` {
		t.Errorf("dotQuote = %s", got)
	}
}

func TestSVGIsWellFormed(t *testing.T) {
	an := cycleOf(t)
	svg := SVG(an)
	dec := xml.NewDecoder(bytes.NewReader(svg))
	lines, rects := 0, 0
	var texts []string
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v\n%s", err, svg)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			switch e.Name.Local {
			case "line":
				lines++
			case "rect":
				rects++
			}
		case xml.CharData:
			texts = append(texts, string(e))
		}
	}
	if lines != len(an.Steps) || rects != len(an.Txns) {
		t.Errorf("%d arrows and %d boxes, want %d and %d", lines, rects, len(an.Steps), len(an.Txns))
	}
	all := strings.Join(texts, "\n")
	if !strings.Contains(all, `T1 read key "x\"q" = []`) {
		t.Errorf("SVG text lacks the explanation:\n%s", all)
	}
}
