package node_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/control/node"
)

// ctx bounds every command of the package's tests well inside go test's
// own timeout, so a hung command fails its test and TestMain still removes
// the cluster.
var ctx, _ = context.WithTimeout(context.Background(), 6*time.Minute)

func unique(prefix string) string {
	b := make([]byte, 4)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// must returns a function that unwraps a (value, error) pair, failing t
// on an error: must[string](t)(node.Output(...)).
func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestWriteFileExistsAndEnsureUser(t *testing.T) {
	_, cs := conns(t)
	n1 := cs["n1"]
	path := "/var/lib/" + unique("flw-") + "/sub/conf"
	if must[bool](t)(node.Exists(ctx, n1, path)) {
		t.Fatal("file exists before it was written")
	}
	data := "a = 'b'\n$x \"y\"\n\x00binary"
	for i := 0; i < 2; i++ { // idempotent
		if err := node.WriteFile(ctx, n1, path, []byte(data), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	if got := must[string](t)(node.Output(ctx, n1, "cat", path)); got != data {
		t.Fatalf("read back %q", got)
	}
	if got := must[string](t)(node.Output(ctx, n1, "stat", "-c", "%a", path)); got != "640" {
		t.Fatalf("mode %s, want 640", got)
	}
	if !must[bool](t)(node.Exists(ctx, n1, path)) || must[bool](t)(node.Exists(ctx, cs["n2"], path)) {
		t.Fatal("want the file on n1 only")
	}

	user := unique("u")
	for i := 0; i < 2; i++ {
		if err := node.EnsureUser(ctx, n1, user, "/var/lib/"+user); err != nil {
			t.Fatal(err)
		}
	}
	if got := must[string](t)(node.Output(ctx, n1, "sh", "-c", `getent passwd "$1" | cut -d: -f6`, "sh", user)); got != "/var/lib/"+user {
		t.Fatalf("home of %s: %q", user, got)
	}
}

func TestDaemonStartIsIdempotentAndStopKillSignal(t *testing.T) {
	_, cs := conns(t)
	n2 := cs["n2"]
	name := unique("fld")
	bin := "/tmp/" + name
	must[string](t)(node.Output(ctx, n2, "cp", "/bin/sleep", bin))
	d := node.Daemon{Bin: bin, Args: []string{"300"}, PidFile: "/var/run/" + name + ".pid", LogFile: "/var/log/" + name + "/out.log", Dir: "/tmp"}
	t.Cleanup(func() { node.KillByName(ctx, n2, name) })
	if !must[bool](t)(node.Start(ctx, n2, d)) {
		t.Fatal("first start did not start it")
	}
	if must[bool](t)(node.Start(ctx, n2, d)) {
		t.Fatal("second start started a second copy")
	}
	if got := must[string](t)(node.Shell(ctx, n2, `pgrep -x "$1" | wc -l`, name)); got != "1" {
		t.Fatalf("%s copies running, want 1", got)
	}
	if err := node.SignalByName(ctx, n2, name, "STOP"); err != nil {
		t.Fatal(err)
	}
	if got := must[string](t)(node.Shell(ctx, n2, `ps -o stat= -p "$(cat "$1")"`, d.PidFile)); !strings.HasPrefix(got, "T") {
		t.Fatalf("after SIGSTOP the state is %q, want T", got)
	}
	if err := node.SignalPidFile(ctx, n2, d.PidFile, "CONT"); err != nil {
		t.Fatal(err)
	}
	if err := node.Stop(ctx, n2, d.PidFile, time.Second); err != nil {
		t.Fatal(err)
	}
	if must[bool](t)(node.Running(ctx, n2, d.PidFile)) || must[bool](t)(node.Exists(ctx, n2, d.PidFile)) {
		t.Fatal("daemon still running or pid file left after Stop")
	}
	if err := node.Stop(ctx, n2, d.PidFile, time.Second); err != nil {
		t.Fatalf("stopping a stopped daemon: %v", err)
	}
	// Kill by pid file, and a daemon that dies at once is reported with its log.
	must[bool](t)(node.Start(ctx, n2, d))
	if err := node.KillPidFile(ctx, n2, d.PidFile); err != nil {
		t.Fatal(err)
	}
	if got := must[string](t)(node.Shell(ctx, n2, `sleep 0.1; pgrep -x "$1" | wc -l`, name)); got != "0" {
		t.Fatalf("%s still running after KillPidFile", got)
	}
	bad := node.Daemon{Bin: "sh", Args: []string{"-c", "echo cannot-bind >&2; exit 1"}, PidFile: "/tmp/" + name + "-bad.pid", LogFile: "/tmp/" + name + "-bad.log"}
	if _, err := node.Start(ctx, n2, bad); err == nil || !strings.Contains(err.Error(), "cannot-bind") {
		t.Fatalf("a daemon that exits at once: got %v, want its log in the error", err)
	}
}

func TestKillByNameOnlyOnThatNode(t *testing.T) {
	c, cs := conns(t)
	name := unique("flk")
	for _, n := range c.NodeNames() {
		must[bool](t)(node.Start(ctx, cs[n], node.Daemon{Bin: "sh", Args: []string{"-c", `cp /bin/sleep /tmp/$0 && exec /tmp/$0 300`, name}, PidFile: "/tmp/" + name + ".pid", LogFile: "/tmp/" + name + ".log"}))
	}
	t.Cleanup(func() {
		for _, n := range c.NodeNames() {
			node.KillByName(ctx, cs[n], name)
		}
	})
	if err := node.KillByName(ctx, cs["n1"], name); err != nil {
		t.Fatal(err)
	}
	if err := node.KillByName(ctx, cs["n1"], name); err != nil {
		t.Fatalf("killing when nothing runs: %v", err)
	}
	for _, n := range c.NodeNames() {
		want := "1"
		if n == "n1" {
			want = "0"
		}
		if got := must[string](t)(node.Shell(ctx, cs[n], `pgrep -x "$1" | wc -l`, name)); got != want {
			t.Errorf("%s runs %s copies of %s, want %s", n, got, name, want)
		}
	}
}

func TestWaitForPort(t *testing.T) {
	c, cs := conns(t)
	n3, _ := c.Node("n3")
	// n3's own sshd listens on 22; port 1 has no listener.
	if err := node.WaitForPort(ctx, cs["n1"], n3.Addr.String(), 22, time.Second); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err := node.WaitForPort(ctx, cs["n1"], "127.0.0.1", 1, 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("closed port: got %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("gave up after %v, want about 300ms", time.Since(start))
	}
}
