package file_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline/faultline/control/node"
	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/localcluster/clustertest"
	"github.com/faultline/faultline/nemesis"
	"github.com/faultline/faultline/nemesis/file"
	"github.com/faultline/faultline/nemesis/internal/nemtest"
)

var env *clustertest.Env

func TestMain(m *testing.M) { nemtest.Main(m, 3, &env) }

// seed writes the same random 4 KiB file on every node (removed at the end)
// and returns its contents.
func seed(t *testing.T, e nemesis.Env, path string) []byte {
	t.Helper()
	data := make([]byte, 4096)
	rand.Read(data)
	for _, n := range e.Nodes {
		if err := node.WriteFile(context.Background(), n.Conn, path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { node.Output(context.Background(), n.Conn, "rm", "-f", path) })
	}
	return data
}

func fetch(t *testing.T, n db.Node, path string) []byte {
	t.Helper()
	local := filepath.Join(t.TempDir(), "copy")
	if err := n.Conn.Download(context.Background(), path, local); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(local)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// change reads the one change of a completion.
func change(t *testing.T, op history.Op) history.Map {
	t.Helper()
	chs := nemtest.Get(t, op, "changes").([]any)
	if len(chs) != 1 {
		t.Fatalf("%s: %d changes, want 1: %s", op.F, len(chs), history.FormatEDN(op.Value))
	}
	return chs[0].(history.Map)
}

func TestBitflipChangesExactlyTheReportedBits(t *testing.T) {
	_, e := nemtest.Env(t, env, nil)
	path := "/tmp/faultline-nemtest-" + filepath.Base(t.TempDir()) + ".dat"
	orig := seed(t, e, path)
	n := nemtest.Setup(t, file.Corrupt{Files: []string{"/nonexistent/x", path}, Flips: 5, Seed: 9}, e)
	done := nemtest.Invoke(t, n, file.Bitflip, "n2")
	ch := change(t, done)
	if node, _ := ch.Get(history.Keyword("node")); node != "n2" {
		t.Fatalf("bitflip n2 reported node %v", node)
	}
	if f, _ := ch.Get(history.Keyword("file")); f != path {
		t.Fatalf("bitflip reported file %v, want %s", f, path)
	}
	fv, _ := ch.Get(history.Keyword("flips"))
	flips := fv.([]any)
	if len(flips) != 5 {
		t.Fatalf("5 flips asked, %d reported: %s", len(flips), history.FormatEDN(fv))
	}
	want := bytes.Clone(orig)
	for _, f := range flips {
		x := f.([]any)
		off, bit, old, nw := x[0].(int64), x[1].(int64), x[2].(int64), x[3].(int64)
		if int64(orig[off]) != old || nw != old^(1<<bit) {
			t.Fatalf("flip %v: original byte is %d", x, orig[off])
		}
		want[off] = byte(nw)
	}
	got := fetch(t, e.Nodes[1], path)
	if !bytes.Equal(got, want) {
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("byte %d is %d, want %d (original %d)", i, got[i], want[i], orig[i])
			}
		}
	}
	for _, i := range []int{0, 2} {
		if !bytes.Equal(fetch(t, e.Nodes[i], path), orig) {
			t.Errorf("bitflip on n2 changed %s's file", e.Nodes[i].Name)
		}
	}
}

func TestTruncateCutsTheReportedBytes(t *testing.T) {
	_, e := nemtest.Env(t, env, nil)
	path := "/tmp/faultline-nemtest-" + filepath.Base(t.TempDir()) + ".dat"
	orig := seed(t, e, path)
	n := nemtest.Setup(t, file.Corrupt{Files: []string{path}, Drop: 1000}, e)
	ch := change(t, nemtest.Invoke(t, n, file.Truncate, "n3"))
	oldSize, _ := ch.Get(history.Keyword("old-size"))
	newSize, _ := ch.Get(history.Keyword("new-size"))
	if oldSize != int64(4096) || newSize != int64(3096) {
		t.Fatalf("truncate reported %v -> %v, want 4096 -> 3096", oldSize, newSize)
	}
	if got := fetch(t, e.Nodes[2], path); !bytes.Equal(got, orig[:3096]) {
		t.Fatalf("n3's file is %d bytes and not the original's first 3096", len(got))
	}
	if !bytes.Equal(fetch(t, e.Nodes[0], path), orig) {
		t.Fatal("truncate on n3 changed n1's file")
	}
}

func TestNoFileIsAnErrorNamingTheNode(t *testing.T) {
	_, e := nemtest.Env(t, env, nil)
	n := nemtest.Setup(t, file.Corrupt{Files: []string{"/nonexistent/a"}}, e)
	done := nemtest.Call(n, file.Bitflip, "n1")
	if msg, _ := done.Error.(string); !strings.Contains(msg, "on n1: none of the files to corrupt exists (/nonexistent/a)") {
		t.Fatalf("bitflip with no file: %v", done.Error)
	}
	if _, err := (file.Corrupt{}).Setup(context.Background(), e); err == nil || !strings.Contains(err.Error(), "file.Filer") {
		t.Fatalf("no files and no Filer: %v", err)
	}
}
