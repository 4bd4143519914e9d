package logpattern

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
)

func write(t *testing.T, dir, rel, text string) {
	t.Helper()
	p := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLogPatternFindsCrashSignaturesPerNode(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "n1/db.log", "starting\nserving\n")
	write(t, dir, "n2/db.log", "starting\npanic: runtime error: index out of range\ngoroutine 1\n")
	write(t, dir, "n3/logs/kv.log", "ok\nAssertion `x > 0' failed.\n")
	c, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := c.Check(context.Background(), nil)
	if r.Valid != checker.Invalid {
		t.Fatalf("valid = %v (%s %s)", r.Valid, r.Summary, r.Error)
	}
	d := r.Details.(*Details)
	got := []string{}
	for _, m := range d.Matches {
		got = append(got, m.Node+" "+m.File+":"+strconv.Itoa(m.Line))
	}
	want := []string{"n2 n2/db.log:2", "n3 n3/logs/kv.log:2"}
	if !reflect.DeepEqual(got, want) || d.FileCount != 3 || d.MatchCount != 2 {
		t.Fatalf("matches = %v (%d files), want %v", got, d.FileCount, want)
	}
	var b strings.Builder
	d.Explain(&b)
	if !strings.Contains(b.String(), "n2: n2/db.log:2: panic: runtime error: index out of range") {
		t.Fatalf("explain = %q", b.String())
	}
}

func TestLogPatternCleanLogsPassAndTheRunsOwnFilesAreNotSearched(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "n1/db.log", "all good\n")
	write(t, dir, "history.edn", `{:type :info, :f :read, :error "panic: client"}`+"\n")
	c, _ := New(dir)
	r := c.Check(context.Background(), nil)
	if r.Valid != checker.Valid || r.Details.(*Details).FileCount != 1 {
		t.Fatalf("clean node logs beside a history mentioning a panic: %+v", r)
	}
}

func TestLogPatternSearchesOnlyTheNamedNodesAndNeedsEachOne(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "n1/db.log", "killed: OOM\n")
	write(t, dir, "n2/db.log", "fine\n")
	c, _ := New(dir, `OOM`)
	c.Nodes = []string{"n2"}
	if r := c.Check(context.Background(), nil); r.Valid != checker.Valid {
		t.Fatalf("n2 only: %+v", r)
	}
	c.Nodes = []string{"n1", "n2"}
	r := c.Check(context.Background(), nil)
	if m := r.Details.(*Details).Matches; r.Valid != checker.Invalid || len(m) != 1 || m[0].Node != "n1" || m[0].File != "n1/db.log" || m[0].Line != 1 {
		t.Fatalf("n1 and n2: %+v", r)
	}
	c.Nodes = []string{"n2", "n3"}
	if r := c.Check(context.Background(), nil); r.Valid != checker.Unknown || !strings.Contains(r.Error, "n3") {
		t.Fatalf("n3 has no logs: %+v", r)
	}
}

func TestLogPatternIsUnknownWithoutLogsAndRejectsBadPatterns(t *testing.T) {
	c, _ := New(t.TempDir())
	if r := c.Check(context.Background(), nil); r.Valid != checker.Unknown || !strings.Contains(r.Summary, "no node logs") {
		t.Fatalf("empty dir: %+v", r)
	}
	c, _ = New(filepath.Join(t.TempDir(), "missing"))
	if r := c.Check(context.Background(), nil); r.Valid != checker.Unknown || !strings.Contains(r.Error, "missing") {
		t.Fatalf("missing dir: %+v", r)
	}
	if _, err := New("x", "ok", "(unclosed"); err == nil || !strings.Contains(err.Error(), `log pattern 2 "(unclosed"`) {
		t.Fatalf("bad pattern: %v", err)
	}
}

func TestLogPatternFilesGlobPicksTheLogsToSearch(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "n1/db.log", "fine\n")
	write(t, dir, "n1/kv.log", "panic: boom\n")
	c, _ := New(dir)
	c.Files = "db.log"
	if r := c.Check(context.Background(), nil); r.Valid != checker.Valid || r.Details.(*Details).FileCount != 1 {
		t.Fatalf("db.log only: %+v", r)
	}
	c.Files = "*.log"
	if r := c.Check(context.Background(), nil); r.Valid != checker.Invalid || r.Details.(*Details).Matches[0].File != "n1/kv.log" {
		t.Fatalf("*.log: %+v", r)
	}
	c.Files = "[" // a malformed glob is an error, not a silent pass
	if r := c.Check(context.Background(), nil); r.Valid != checker.Unknown || !strings.Contains(r.Error, "syntax error in pattern") {
		t.Fatalf("bad glob: %+v", r)
	}
}
