package tidb

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/control/node"
	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/localcluster/clustertest"
	"github.com/faultline/faultline/nemesis"
)

// fakeBundle builds internal/fakeserver and packs it as a release bundle
// (tidb-fake/bin/{pd,tikv,tidb}-server), returning the tarball's path.
func fakeBundle(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "fakeserver")
	cmd := exec.Command("go", "build", "-o", bin, "./internal/fakeserver")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the fake servers: %v: %s", err, out)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "tidb-fake-linux-amd64.tar.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	for _, c := range Components() {
		hdr := &tar.Header{Name: "tidb-fake/bin/" + c.Bin(), Mode: 0o755, Size: int64(len(data)), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []io.Closer{tw, gz, f} {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// TestDeploymentScriptsOnRealNodes runs the deployment's own scripts on a
// three-node local cluster, with fake servers in place of TiDB's (which
// cannot be fetched here; internal/fakeserver answers the status APIs):
// install from a local bundle, start in order with the waits, per-component
// kill, start, pause and resume, the PD leader as primary, a scheduler
// fault over real HTTP, teardown leaving only the binaries, and a second
// setup over the first's leftovers. What it cannot show is how real PD,
// TiKV and TiDB take these command lines and configurations.
func TestDeploymentScriptsOnRealNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a local cluster")
	}
	env := clustertest.Up(3)
	t.Cleanup(func() { env.Down() })
	c, conns := env.Conns(t)
	names := c.NodeNames()
	nodes := make([]db.Node, len(names))
	for i, name := range names {
		nodes[i] = db.Node{Name: name, Nodes: names, Conn: conns[name]}
	}
	bundle := fakeBundle(t)
	s, err := New(Options{TarballURL: bundle, StartTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	admin := &recAdmin{}
	s.admin = admin
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	r := &recorder{}
	onAllReal := func(step func(context.Context, db.Node) error) error { return onAll(ctx, r, nodes, step) }
	if err := onAllReal(s.Teardown); err != nil {
		t.Fatalf("teardown before anything ran: %v", err)
	}
	if err := onAllReal(s.Setup); err != nil {
		t.Fatal(err)
	}
	running := func(n db.Node, comp Component) bool {
		t.Helper()
		ok, err := node.Running(ctx, n.Conn, comp.PidFile())
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	for _, n := range nodes {
		for _, comp := range Components() {
			if !running(n, comp) {
				t.Errorf("%s not running on %s after Setup", comp, n.Name)
			}
		}
		for _, f := range []string{PD.LogFile(), KV.LogFile(), DB.LogFile(), PD.StdoutFile()} {
			if ok, _ := node.Exists(ctx, n.Conn, f); !ok {
				t.Errorf("%s: no %s", n.Name, f)
			}
		}
	}
	if len(admin.hosts) != 1 || admin.hosts[0] != s.book.Host(names[0]) {
		t.Errorf("bootstrap ran against %v", admin.hosts)
	}

	n2 := nodes[1]
	if err := s.KillComponent(ctx, n2, PD); err != nil {
		t.Fatal(err)
	}
	if running(n2, PD) || !running(n2, KV) || !running(n2, DB) {
		t.Errorf("kill of PD on %s: PD %v, TiKV %v, TiDB %v; want PD alone down", n2.Name, running(n2, PD), running(n2, KV), running(n2, DB))
	}
	if err := s.StartComponent(ctx, n2, PD); err != nil || !running(n2, PD) {
		t.Errorf("PD on %s not started again: %v", n2.Name, err)
	}
	state := func(n db.Node, comp Component) string {
		out, err := node.Shell(ctx, n.Conn, `grep '^State:' /proc/"$(cat "$1")"/status`, comp.PidFile())
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if err := s.PauseComponent(ctx, nodes[0], KV); err != nil {
		t.Fatal(err)
	}
	if st := state(nodes[0], KV); !strings.Contains(st, "T (stopped)") || strings.Contains(state(nodes[0], PD), "stopped") {
		t.Errorf("pause of TiKV: TiKV %q, PD %q", st, state(nodes[0], PD))
	}
	if err := s.ResumeComponent(ctx, nodes[0], KV); err != nil || strings.Contains(state(nodes[0], KV), "stopped") {
		t.Errorf("resume of TiKV: %v, %q", err, state(nodes[0], KV))
	}
	if p, err := s.Primaries(ctx, nodes); err != nil || !slices.Equal(p, []string{names[0]}) {
		t.Errorf("Primaries = %v, %v; the fake PD names pd1 leader", p, err)
	}
	a, err := SchedulerFault{Name: FaultRandomMerge}.Setup(ctx, nemesis.Env{Nodes: nodes, DB: s})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{FaultRandomMerge, "del-" + FaultRandomMerge} {
		if op := nemesis.Call(ctx, a, history.Op{Type: history.Invoke, F: f, Process: -1}); op.Error != nil {
			t.Errorf("%s: %v", f, op.Error)
		}
	}

	if err := onAllReal(s.Teardown); err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		left, err := node.Shell(ctx, n.Conn, `ls -A "$1"; pgrep -f "[/]opt/tidb/" || true`, Dir)
		if err != nil {
			t.Fatal(err)
		}
		if left != "bin\npkg" {
			t.Errorf("%s after teardown: %q, want only bin and pkg, no process", n.Name, left)
		}
	}
	if err := onAllReal(s.Setup); err != nil {
		t.Fatalf("setup again after teardown: %v", err)
	}
	if err := onAllReal(s.Teardown); err != nil {
		t.Fatal(err)
	}
}
