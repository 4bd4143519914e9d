package runner

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
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

// Every explanation in a composed result lands in the run folder: Elle's
// anomalies under the Elle part's name, the failing key's counterexample
// under the register part's, nothing for the valid key.
func TestVerdictReportsDrawEveryExplanationInTheResultTree(t *testing.T) {
	ctx := context.Background()
	ellRes := elle.ListAppend(elle.Options{}).Check(ctx, readSkew())
	regRes := independent.Checker(linear.New(model.Register(nil), linear.Options{}), independent.Options{}).Check(ctx, staleKeys())
	if ellRes.Valid != checker.Invalid || regRes.Valid != checker.Invalid {
		t.Fatalf("fixtures: elle %v (%s), register %v (%s)", ellRes.Valid, ellRes.Error, regRes.Valid, regRes.Error)
	}
	res := checker.Result{Valid: checker.Invalid, Children: map[string]checker.Result{"elle": ellRes, "per key/linear": regRes}}
	dir := t.TempDir()
	var logs bytes.Buffer
	writeVerdictReports(dir, res, slog.New(slog.NewTextHandler(&logs, nil)))
	read := func(rel string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			entries, _ := filepath.Glob(filepath.Join(dir, "*", "*"))
			t.Fatalf("%s: %v (the folder has %v; log: %s)", rel, err, entries, logs.String())
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

// A valid plain result draws nothing and logs nothing.
func TestVerdictReportsOfAValidLinearResultWriteNothing(t *testing.T) {
	dir := t.TempDir()
	res := linear.New(model.Register(nil), linear.Options{}).Check(context.Background(), history.MustNew(
		history.Op{Index: 0, Type: history.Invoke, Process: 0, F: "write", Value: int64(1)},
		history.Op{Index: 1, Type: history.OK, Process: 0, F: "write", Value: int64(1)},
	))
	writeVerdictReports(dir, res, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("wrote %v for a valid result", entries)
	}
}
