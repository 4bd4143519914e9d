// Package nemtest holds what the nemesis packages' integration tests share:
// a local cluster per test package (built in TestMain, removed after), the
// db.Nodes a nemesis gets from the runner, and invoking an op the way the
// runner's nemesis worker does.
package nemtest

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/localcluster"
	"github.com/faultline/faultline/localcluster/clustertest"
	"github.com/faultline/faultline/nemesis"
	"github.com/faultline/faultline/nemesis/internal/netprobe"
)

// Main builds a cluster of n nodes into *env, runs the tests and removes
// the cluster; call it from TestMain.
func Main(m *testing.M, n int, env **clustertest.Env) {
	*env = clustertest.Up(n)
	code := m.Run()
	if err := (*env).Down(); err != nil {
		fmt.Fprintln(os.Stderr, "removing the test cluster:", err)
		code = 1
	}
	os.Exit(code)
}

// Env connects to every node of the test cluster (closing the connections
// when the test ends) and returns the cluster and the nemesis Env the
// runner would build for d.
func Env(t testing.TB, e *clustertest.Env, d db.DB) (*localcluster.Cluster, nemesis.Env) {
	t.Helper()
	c := e.Need(t)
	conns, err := control.ConnectAll(context.Background(), c.Remote(), c.NodeNames())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conns.Close() })
	var nodes []db.Node
	for _, n := range c.NodeNames() {
		nodes = append(nodes, db.Node{Name: n, Nodes: c.NodeNames(), Conn: conns[n]})
	}
	if d == nil {
		d = db.Noop{}
	}
	return c, nemesis.Env{Nodes: nodes, Remote: c.Remote(), DB: d}
}

// Setup sets n up on env and tears the active fault down when the test
// ends, before the cleanups registered earlier (which may check what
// teardown left).
func Setup(t testing.TB, n nemesis.Nemesis, env nemesis.Env) nemesis.Active {
	t.Helper()
	a, err := n.Setup(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := a.Teardown(context.Background()); err != nil {
			t.Errorf("teardown: %v", err)
		}
	})
	return a
}

// OpTimeout bounds one nemesis op in tests: a hung command on a node fails
// the test with the op named instead of stalling it until go test's timeout.
const OpTimeout = 2 * time.Minute

// Call invokes f with value v through nemesis.Call, as the runner does.
func Call(n nemesis.Active, f string, v any) history.Op {
	ctx, cancel := context.WithTimeout(context.Background(), OpTimeout)
	defer cancel()
	return nemesis.Call(ctx, n, history.Op{Type: history.Invoke, Process: history.NemesisProcess, F: f, Value: v})
}

// Invoke is Call that fails the test when the op completes with an error.
func Invoke(t testing.TB, n nemesis.Active, f string, v any) history.Op {
	t.Helper()
	done := Call(n, f, v)
	if done.Error != nil {
		t.Fatalf("%s %v: %v", f, history.FormatEDN(v), done.Error)
	}
	return done
}

// Get reads key :k of a map op value, failing the test if it is missing.
func Get(t testing.TB, op history.Op, k string) any {
	t.Helper()
	m, ok := op.Value.(history.Map)
	if !ok {
		t.Fatalf("%s completed with value %s, expected a map", op.F, history.FormatEDN(op.Value))
	}
	v, ok := m.Get(history.Keyword(k))
	if !ok {
		t.Fatalf("%s completed with value %s, expected a :%s", op.F, history.FormatEDN(op.Value), k)
	}
	return v
}

// ProbePort is where Listeners listen on every node.
const ProbePort = 7077

// Listeners starts a TCP listener on ProbePort in every node's network
// namespace for the test's duration (see netprobe.Listen).
func Listeners(t testing.TB, c *localcluster.Cluster) {
	t.Helper()
	for _, n := range c.Nodes {
		stop, err := netprobe.Listen("/run/netns/"+n.NetNS, ProbePort)
		if err != nil {
			t.Fatalf("listening in %s: %v", n.Name, err)
		}
		t.Cleanup(stop)
	}
}
