package linearizability

import (
	"context"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker/linear"
	"github.com/faultline/faultline/checker/linear/model"
	"github.com/faultline/faultline/history"
)

// staleRead is a kv history whose key 7 has a stale read: process 1 reads
// 1 after process 0's write of 2 completed, while process 2's cas is still
// running.
func staleRead(t *testing.T) *linear.Counterexample {
	t.Helper()
	kv := func(v any) any { return []any{int64(7), v} }
	ops := []history.Op{
		{Type: history.Invoke, Process: 0, F: "write", Value: kv(int64(1))},
		{Type: history.OK, Process: 0, F: "write", Value: kv(int64(1))},
		{Type: history.Invoke, Process: 0, F: "write", Value: kv(int64(2))},
		{Type: history.OK, Process: 0, F: "write", Value: kv(int64(2))},
		{Type: history.Invoke, Process: 2, F: "cas", Value: kv([]any{int64(5), int64(6)})},
		{Type: history.Invoke, Process: 1, F: "read", Value: kv(nil)},
		{Type: history.OK, Process: 1, F: "read", Value: kv(int64(1))},
		{Type: history.Info, Process: 2, F: "cas", Value: kv([]any{int64(5), int64(6)})},
	}
	for i := range ops {
		ops[i].Index = i
	}
	r := linear.New(model.KV(nil), linear.Options{}).Check(context.Background(), history.MustNew(ops...))
	ce := r.Details.(*linear.Details).Counterexample
	if ce == nil {
		t.Fatalf("no counterexample: %+v", r)
	}
	return ce
}

func TestTextNamesTheBlockedOpThePrefixAndTheStates(t *testing.T) {
	var b strings.Builder
	if err := WriteText(&b, staleRead(t)); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"Not linearizable (model kv, key 7)",
		"op 5 (process 1: read 1, ok) cannot be linearized",
		"longest linearizable prefix found has 2 ops",
		"2. op 2 (process 0: write 2, ok)",
		"The only state possible just before it: 2",
		"op 4 (process 2: cas [5 6], info)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

func TestSVGIsWellFormedAndMarksTheBlockedOp(t *testing.T) {
	var b strings.Builder
	if err := WriteSVG(&b, staleRead(t)); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	d := xml.NewDecoder(strings.NewReader(svg))
	rects := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, svg)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "rect" {
			rects++
		}
	}
	// write 1, write 2 (prefix), the read (blocked), the cas (concurrent)
	if rects != 4 {
		t.Fatalf("%d bars, want 4\n%s", rects, svg)
	}
	if strings.Count(svg, colourBlocked) != 1 || !strings.Contains(svg, "process 2") || !strings.Contains(svg, `stroke-dasharray`) {
		t.Fatalf("blocked bar, lanes or open-ended info bar missing:\n%s", svg)
	}
}

func TestHTMLEmbedsTheTimelineAndTheText(t *testing.T) {
	var b strings.Builder
	if err := WriteHTML(&b, staleRead(t)); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if !strings.Contains(page, "<svg") || !strings.Contains(page, "cannot be linearized") || strings.Contains(page, "<script") {
		t.Fatalf("page:\n%s", page)
	}
}
