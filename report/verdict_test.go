package report

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/elle"
	"github.com/faultline/faultline/checker/independent"
	"github.com/faultline/faultline/checker/linear"
	"github.com/faultline/faultline/checker/linear/model"
	"github.com/faultline/faultline/history"
)

func mop(f string, k, v any) any { return []any{history.Keyword(f), k, v} }

// readSkew is a list-append history with a G-single cycle: T1 reads x
// empty but y with T2's append.
func readSkew() *history.History {
	t1inv := []any{mop("r", "x", nil), mop("r", "y", nil)}
	t1ok := []any{mop("r", "x", []any{}), mop("r", "y", []any{int64(1)})}
	t2 := []any{mop("append", "x", int64(1)), mop("append", "y", int64(1))}
	return history.MustNew(
		history.Op{Index: 0, Type: history.Invoke, Process: 0, F: "txn", Value: t1inv},
		history.Op{Index: 1, Type: history.Invoke, Process: 1, F: "txn", Value: t2},
		history.Op{Index: 2, Type: history.OK, Process: 0, F: "txn", Value: t1ok},
		history.Op{Index: 3, Type: history.OK, Process: 1, F: "txn", Value: t2},
		history.Op{Index: 4, Type: history.Invoke, Process: 2, F: "txn", Value: []any{mop("r", "x", nil)}},
		history.Op{Index: 5, Type: history.OK, Process: 2, F: "txn", Value: []any{mop("r", "x", []any{int64(1)})}},
	)
}

// staleKeys has key 1 with a stale read (write 1 completes, then a read of
// nil), key 2 fine.
func staleKeys() *history.History {
	kv := func(k, v any) any { return []any{k, v} }
	return history.MustNew(
		history.Op{Index: 0, Type: history.Invoke, Process: 0, F: "write", Value: kv(int64(1), int64(1))},
		history.Op{Index: 1, Type: history.OK, Process: 0, F: "write", Value: kv(int64(1), int64(1))},
		history.Op{Index: 2, Type: history.Invoke, Process: 1, F: "read", Value: kv(int64(1), nil)},
		history.Op{Index: 3, Type: history.OK, Process: 1, F: "read", Value: kv(int64(1), nil)},
		history.Op{Index: 4, Type: history.Invoke, Process: 0, F: "write", Value: kv(int64(2), int64(5))},
		history.Op{Index: 5, Type: history.OK, Process: 0, F: "write", Value: kv(int64(2), int64(5))},
	)
}

// Every explanation in a composed result lands in the folder: Elle's
// anomalies under the Elle part's name, the failing key's counterexample
// under the register part's, nothing for the valid key.
func TestWriteVerdictDrawsEveryExplanationInTheResultTree(t *testing.T) {
	ctx := context.Background()
	ellRes := elle.ListAppend(elle.Options{}).Check(ctx, readSkew())
	regRes := independent.Checker(linear.New(model.Register(nil), linear.Options{}), independent.Options{}).Check(ctx, staleKeys())
	if ellRes.Valid != checker.Invalid || regRes.Valid != checker.Invalid {
		t.Fatalf("fixtures: elle %v (%s), register %v (%s)", ellRes.Valid, ellRes.Error, regRes.Valid, regRes.Error)
	}
	res := checker.Result{Valid: checker.Invalid, Children: map[string]checker.Result{"elle": ellRes, "per key/linear": regRes}}
	dir := t.TempDir()
	written, err := WriteVerdict(dir, res)
	if err != nil {
		t.Fatal(err)
	}
	read := func(rel string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatalf("%s: %v (written: %v)", rel, err, written)
		}
		return string(b)
	}
	if txt := read("elle/elle/anomalies.txt"); !strings.Contains(txt, "G-single") {
		t.Errorf("elle/elle/anomalies.txt does not name the G-single cycle:\n%s", txt)
	}
	if svgs, _ := filepath.Glob(filepath.Join(dir, "elle", "elle", "*.svg")); len(svgs) == 0 {
		t.Error("no cycle drawing for the Elle anomaly")
	}
	if txt := read("per_key_linear/linear-key-1.txt"); !strings.Contains(txt, "read") {
		t.Errorf("key 1's counterexample does not show the stale read:\n%s", txt)
	}
	if html := read("per_key_linear/linear-key-1.html"); !strings.Contains(html, "<svg") {
		t.Error("key 1's counterexample page has no timeline")
	}
	if _, err := os.Stat(filepath.Join(dir, "per_key_linear", "linear-key-2.txt")); !os.IsNotExist(err) {
		t.Errorf("a drawing for the valid key 2: %v", err)
	}
}

// A valid plain result draws nothing.
func TestWriteVerdictOfAValidLinearResultWritesNothing(t *testing.T) {
	dir := t.TempDir()
	res := linear.New(model.Register(nil), linear.Options{}).Check(context.Background(), history.MustNew(
		history.Op{Index: 0, Type: history.Invoke, Process: 0, F: "write", Value: int64(1)},
		history.Op{Index: 1, Type: history.OK, Process: 0, F: "write", Value: int64(1)},
	))
	if written, err := WriteVerdict(dir, res); len(written) != 0 || err != nil {
		t.Fatalf("wrote %v (%v) for a valid result", written, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("wrote %v for a valid result", entries)
	}
}

// An Elle result at the top is drawn as elle/anomalies.txt and a DOT and
// SVG per cycle, whatever its verdict; a plain counterexample as linear.txt
// and linear.html.
func TestDrawingsOfAPlainElleOrLinearResult(t *testing.T) {
	ctx := context.Background()
	names := func(res checker.Result) []string {
		var out []string
		for _, d := range Drawings(res) {
			out = append(out, d.Name)
		}
		return out
	}
	ellRes := elle.ListAppend(elle.Options{}).Check(ctx, readSkew())
	if got, want := names(ellRes), []string{"elle/anomalies.txt", "elle/G-single-item-1.dot", "elle/G-single-item-1.svg"}; !slices.Equal(got, want) {
		t.Errorf("Elle drawings %v, want %v", got, want)
	}
	valid := elle.ListAppend(elle.Options{}).Check(ctx, history.MustNew(
		history.Op{Index: 0, Type: history.Invoke, Process: 0, F: "txn", Value: []any{mop("append", "x", int64(1))}},
		history.Op{Index: 1, Type: history.OK, Process: 0, F: "txn", Value: []any{mop("append", "x", int64(1))}},
	))
	if got := names(valid); !slices.Equal(got, []string{"elle/anomalies.txt"}) {
		t.Errorf("a cycle-free Elle result is drawn as %v, want its account alone", got)
	}
	lin := linear.New(model.Register(nil), linear.Options{}).Check(ctx, history.MustNew(
		history.Op{Index: 0, Type: history.Invoke, Process: 0, F: "write", Value: int64(1)},
		history.Op{Index: 1, Type: history.OK, Process: 0, F: "write", Value: int64(1)},
		history.Op{Index: 2, Type: history.Invoke, Process: 1, F: "read", Value: nil},
		history.Op{Index: 3, Type: history.OK, Process: 1, F: "read", Value: int64(2)},
	))
	if got := names(lin); lin.Valid != checker.Invalid || !slices.Equal(got, []string{LinearText, LinearTimeline}) {
		t.Errorf("a counterexample (%v) is drawn as %v", lin.Valid, got)
	}
}

// Of thousands of failing keys, the first ten are drawn.
func TestDrawingsOfFailingKeysAreBounded(t *testing.T) {
	var ops []history.Op
	for k := int64(0); k < 25; k++ {
		kv := func(v any) any { return []any{k, v} }
		p := int(k)
		ops = append(ops,
			history.Op{Type: history.Invoke, Process: p, F: "write", Value: kv(int64(1))},
			history.Op{Type: history.OK, Process: p, F: "write", Value: kv(int64(1))},
			history.Op{Type: history.Invoke, Process: p, F: "read", Value: kv(nil)},
			history.Op{Type: history.OK, Process: p, F: "read", Value: kv(int64(2))})
	}
	for i := range ops {
		ops[i].Index = i
	}
	res := independent.Checker(linear.New(model.Register(nil), linear.Options{}), independent.Options{}).Check(context.Background(), history.MustNew(ops...))
	ds := Drawings(res)
	if res.Valid != checker.Invalid || len(ds) != 2*maxKeyDrawings {
		t.Fatalf("%v with 25 failing keys: %d drawings, want %d", res.Valid, len(ds), 2*maxKeyDrawings)
	}
	for _, d := range ds {
		if !strings.HasPrefix(d.Name, "linear-key-") {
			t.Errorf("drawing %s", d.Name)
		}
	}
}

// A drawing that cannot be written does not stop the others, and the error
// names where it failed.
func TestWriteVerdictGoesOnPastAFailure(t *testing.T) {
	ctx := context.Background()
	res := checker.Result{Valid: checker.Invalid, Children: map[string]checker.Result{
		"a": elle.ListAppend(elle.Options{}).Check(ctx, readSkew()),
		"b": independent.Checker(linear.New(model.Register(nil), linear.Options{}), independent.Options{}).Check(ctx, staleKeys()),
	}}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a"), nil, 0o644); err != nil { // where a's folder would go
		t.Fatal(err)
	}
	written, err := WriteVerdict(dir, res)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "a")) {
		t.Fatalf("error %v, want one naming %s", err, filepath.Join(dir, "a"))
	}
	if !slices.Contains(written, filepath.Join(dir, "b", "linear-key-1.html")) {
		t.Fatalf("written %v: b's drawings were not written after a's failed", written)
	}
}
