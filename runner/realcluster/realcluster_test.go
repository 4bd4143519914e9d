package realcluster_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker/linear"
	"github.com/faultline/faultline/checker/linear/model"
	"github.com/faultline/faultline/cli"
	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/localcluster"
	"github.com/faultline/faultline/localcluster/clustertest"
	"github.com/faultline/faultline/runner"
	"github.com/faultline/faultline/runner/internal/fakekv"
	"github.com/faultline/faultline/runstore"
	"github.com/faultline/faultline/suite"
)

var env *clustertest.Env

func TestMain(m *testing.M) { os.Exit(clustertest.Run(m, 3, &env)) }

// logDir is where markerDB keeps its files on each node.
const logDir = "/var/log/faultline-runner-it"

// markerDB "installs" itself by writing a log file naming the node it runs
// on (its hostname), with real commands over SSH, and removes it on
// teardown.
type markerDB struct{}

func run(ctx context.Context, n db.Node, script string) error {
	_, err := n.Conn.Run(ctx, control.Cmd{Argv: []string{"sh", "-c", script}})
	return err
}

func (markerDB) Setup(ctx context.Context, n db.Node) error {
	if err := run(ctx, n, "mkdir -p "+logDir+" && hostname > "+logDir+"/db.log"); err != nil {
		return err
	}
	if err := n.Sync(ctx); err != nil {
		return err
	}
	return run(ctx, n, "echo ready >> "+logDir+"/db.log")
}

func (markerDB) Teardown(ctx context.Context, n db.Node) error {
	return run(ctx, n, "rm -rf "+logDir)
}

func (markerDB) LogFiles(context.Context, db.Node) ([]string, error) {
	return []string{logDir + "/db.log"}, nil
}

func markerSuite(c *localcluster.Cluster) suite.Suite {
	return suite.Suite{
		Name: "realcluster",
		Workloads: []suite.Workload{{Name: "register", Test: func(o suite.Options) (*runner.Test, error) {
			kv := fakekv.NewKV(0)
			return &runner.Test{
				DB: markerDB{}, Client: &fakekv.Client{KV: kv},
				Generator: &fakekv.Ops{Remaining: 200},
				Checker:   linear.New(model.CASRegister(nil), linear.Options{}),
			}, nil
		}}},
		Local: func(context.Context, suite.Options) (suite.Cluster, error) {
			return suite.Cluster{Nodes: c.NodeNames(), Remote: c.Remote()}, nil
		},
	}
}

// exists reports whether path exists on the node.
func exists(t *testing.T, c *localcluster.Cluster, node, path string) bool {
	t.Helper()
	conn, err := c.Remote().Connect(context.Background(), node)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = conn.Run(context.Background(), control.Cmd{Argv: []string{"test", "-e", path}})
	return err == nil
}

func TestATestRunsOnTheLocalClusterOverSSHAndCleansUp(t *testing.T) {
	c := env.Need(t)
	dir := t.TempDir()
	var out, errb bytes.Buffer
	code := cli.Execute(cli.SuiteCommand(markerSuite(c)), []string{"test", "--store", dir, "--concurrency", "2n"}, &out, &errb)
	if code != cli.ExitValid {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out.String(), errb.String())
	}
	run := filepath.Join(dir, "latest")
	for _, node := range c.NodeNames() {
		b, err := os.ReadFile(filepath.Join(run, node, "db.log"))
		if err != nil {
			t.Fatalf("log of %s not downloaded: %v", node, err)
		}
		if got := string(b); got != node+"\nready\n" {
			t.Fatalf("%s's db.log = %q: want its hostname then ready (written after the barrier)", node, got)
		}
		if exists(t, c, node, logDir) {
			t.Fatalf("%s still has %s after DB teardown", node, logDir)
		}
	}
	l, err := runstore.Load(run)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(slices.Collect(l.History.Operations())); n != 200 {
		t.Fatalf("%d ops in the stored history, want 200", n)
	}
	if l.Config["concurrency"] != float64(2*len(c.NodeNames())) {
		t.Fatalf("concurrency %v recorded, want 2n", l.Config["concurrency"])
	}
}

func TestLeaveDBRunningKeepsTheDatabaseOnTheNodes(t *testing.T) {
	c := env.Need(t)
	dir := t.TempDir()
	t.Cleanup(func() {
		for _, node := range c.NodeNames() {
			conn, err := c.Remote().Connect(context.Background(), node)
			if err == nil {
				conn.Run(context.Background(), control.Cmd{Argv: []string{"rm", "-rf", logDir}})
				conn.Close()
			}
		}
	})
	var out, errb bytes.Buffer
	code := cli.Execute(cli.SuiteCommand(markerSuite(c)), []string{"test", "--store", dir, "--leave-db-running"}, &out, &errb)
	if code != cli.ExitValid {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	for _, node := range c.NodeNames() {
		if !exists(t, c, node, logDir+"/db.log") {
			t.Fatalf("%s: the database was torn down despite --leave-db-running", node)
		}
	}
	if !strings.Contains(errb.String(), "leaving the database running") {
		t.Fatalf("the log does not say the database was left running:\n%s", errb.String())
	}
}

// TestNodesNamedOnTheCommandLineAreReachedOverSSHByDefault leaves the suite's
// Connect hook unset, so `--nodes` goes through the default control/ssh
// remote with the login flags, as against real machines.
func TestNodesNamedOnTheCommandLineAreReachedOverSSHByDefault(t *testing.T) {
	c := env.Need(t)
	s := markerSuite(c)
	s.Local = nil // must not be used: nodes are named
	var addrs []string
	for _, n := range c.Nodes {
		addrs = append(addrs, n.Addr.String())
	}
	dir := t.TempDir()
	var out, errb bytes.Buffer
	args := []string{"test", "--store", dir, "--nodes", strings.Join(addrs, ","), "--username", "root",
		"--ssh-private-key", c.PrivateKey, "--strict-host-key-checking=false"}
	if code := cli.Execute(cli.SuiteCommand(s), args, &out, &errb); code != cli.ExitValid {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out.String(), errb.String())
	}
	for i, addr := range addrs {
		b, err := os.ReadFile(filepath.Join(dir, "latest", addr, "db.log"))
		if err != nil {
			t.Fatalf("log of %s not downloaded: %v", addr, err)
		}
		if got := strings.TrimSpace(string(b)); got != c.Nodes[i].Name+"\nready" {
			t.Fatalf("%s's db.log = %q: want the hostname %s", addr, got, c.Nodes[i].Name)
		}
	}
	// A wrong key is refused with the node named, and exits as a crash.
	bad := filepath.Join(t.TempDir(), "nokey")
	os.WriteFile(bad, []byte("not a key"), 0o600)
	args[len(args)-2] = bad
	errb.Reset()
	code := cli.Execute(cli.SuiteCommand(s), args, &out, &errb)
	if code != cli.ExitCrash || !strings.Contains(errb.String(), addrs[0]+": ssh private key "+bad) {
		t.Fatalf("with a bad key: exit %d, stderr %s", code, errb.String())
	}
}
