package unsynced_test

import (
	"context"
	"strings"
	"testing"

	"github.com/faultline/faultline/control/node"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/localcluster/clustertest"
	"github.com/faultline/faultline/nemesis"
	"github.com/faultline/faultline/nemesis/internal/nemtest"
	"github.com/faultline/faultline/nemesis/unsynced"
)

var env *clustertest.Env

func TestMain(m *testing.M) { nemtest.Main(m, 2, &env) }

// mounted builds lazyfsd, mounts it on every node, and checks at the end
// that no lazyfs mount is left on any node.
func mounted(t *testing.T, m unsynced.Mount) nemesis.Env {
	t.Helper()
	_, e := nemtest.Env(t, env, nil)
	bin, err := unsynced.Build(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, n := range e.Nodes {
			if err := unsynced.Unmount(context.Background(), n, m); err != nil {
				t.Error(err)
			}
			left, _ := node.Shell(context.Background(), n.Conn, `grep -c faultline-lazyfs /proc/mounts || true`)
			if left != "0" {
				t.Errorf("%s: %s lazyfs mounts left", n.Name, left)
			}
			node.Output(context.Background(), n.Conn, "rm", "-rf", m.Backing, m.Dir)
		}
	})
	for _, n := range e.Nodes {
		if err := unsynced.Install(context.Background(), n, bin); err != nil {
			t.Fatal(err)
		}
		if err := unsynced.MountOn(context.Background(), n, m); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func TestLoseDropsOnlyUnsyncedWritesOnTheTarget(t *testing.T) {
	m := unsynced.Mount{Backing: "/var/lib/faultline-nemtest/backing", Dir: "/var/lib/faultline-nemtest/data"}
	e := mounted(t, m)
	for _, n := range e.Nodes {
		// One file written and closed without fsync, one fsynced.
		_, err := node.Shell(context.Background(), n.Conn, `printf unsynced > "$1/a" && printf durable | dd of="$1/b" conv=fsync status=none && cat "$1/a" "$1/b"`, m.Dir)
		if err != nil {
			t.Fatal(err)
		}
	}
	n := nemtest.Setup(t, unsynced.Nemesis{Mount: m}, e)
	done := nemtest.Invoke(t, n, unsynced.Lose, "n1")
	lost := nemtest.Get(t, done, "lost").([]any)[0].(history.Map)
	if b, _ := lost.Get(history.Keyword("bytes")); b != int64(8) {
		t.Errorf("lost %s; want the 8 unsynced bytes of a", history.FormatEDN(lost))
	}
	for i, want := range []string{"|durable", "unsynced|durable"} {
		got, err := node.Shell(context.Background(), e.Nodes[i].Conn, `cat "$1/a"; printf '|'; cat "$1/b"`, m.Dir)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s after losing n1's unsynced writes: a|b = %q, want %q", e.Nodes[i].Name, got, want)
		}
	}
	if bad := nemtest.Call(n, unsynced.Lose, "n7"); bad.Error == nil || !strings.Contains(bad.Error.(string), `"n7"`) {
		t.Errorf("lose on n7: %v", bad.Error)
	}
}
