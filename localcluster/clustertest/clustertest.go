// Package clustertest gives a package's tests a throwaway local cluster:
// a name and subnet unique to the test run, so it never collides with a
// cluster a user (or another package's tests) has up, built once in TestMain
// and removed at its end. Clusters left behind by a test process that died
// (a panic, a timeout) are removed by the next run.
//
// Building a cluster needs root. Without root, tests that need the cluster
// are skipped, except under CI=true, where they fail: CI must not report a
// skipped integration test as a pass.
package clustertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/localcluster"
)

// Root holds the state directories of test clusters, one per cluster, each
// with an "owner" file naming the PID of the test process that built it.
const Root = "/tmp/faultline-clustertest"

// Env is a test cluster and how its building went.
type Env struct {
	Config  localcluster.Config
	Cluster *localcluster.Cluster
	Err     error         // why the cluster could not be built
	UpTime  time.Duration // how long Up took
}

// Config returns a cluster configuration unique to this run: a name "t"
// plus random hex, a random free /24 in 10.200.0.0-10.249.255.0, and state
// and disk directories of its own.
func Config(nodes int) (localcluster.Config, error) {
	b := make([]byte, 3)
	rand.Read(b)
	name := "t" + hex.EncodeToString(b)
	for try := 0; try < 50; try++ {
		subnet := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(200 + mrand.IntN(50)), byte(mrand.IntN(256)), 0}), 24)
		if localcluster.SubnetFree(subnet) != nil {
			continue
		}
		return localcluster.Config{
			Name:     name,
			Nodes:    nodes,
			Subnet:   subnet,
			StateDir: filepath.Join(Root, name),
			DiskDir:  filepath.Join("/var/cache/faultline", "test-"+name),
		}, nil
	}
	return localcluster.Config{}, fmt.Errorf("no free /24 found in 10.200-249.x.0")
}

// Up builds a unique cluster of n nodes, first removing test clusters whose
// owner process is gone. Failures are recorded in Env.Err, for Need to
// report in every test that needs the cluster.
func Up(n int) *Env {
	e := &Env{}
	if os.Geteuid() != 0 {
		e.Err = localcluster.ErrNotRoot
		return e
	}
	SweepAbandoned()
	e.Config, e.Err = Config(n)
	if e.Err != nil {
		return e
	}
	if e.Err = Own(e.Config); e.Err != nil {
		return e
	}
	start := time.Now()
	e.Cluster, e.Err = localcluster.Up(context.Background(), e.Config, nil)
	e.UpTime = time.Since(start)
	return e
}

// Own records this process as the owner of the cluster cfg describes, so
// that SweepAbandoned leaves it alone while the process lives.
func Own(cfg localcluster.Config) error {
	if err := os.MkdirAll(cfg.StateDir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(cfg.StateDir, "owner"), []byte(strconv.Itoa(os.Getpid())+"\n"+cfg.DiskDir+"\n"), 0o644)
}

// Down removes the cluster and its state directory.
func (e *Env) Down() error {
	if e.Config.Name == "" {
		return nil
	}
	return Remove(e.Config)
}

// Remove takes down a test cluster and deletes its owner file and state
// directory.
func Remove(cfg localcluster.Config) error {
	if err := localcluster.Down(context.Background(), cfg, nil); err != nil {
		return err
	}
	return os.RemoveAll(cfg.StateDir)
}

// SweepAbandoned removes test clusters whose owner process has exited.
func SweepAbandoned() {
	ents, _ := os.ReadDir(Root)
	for _, e := range ents {
		dir := filepath.Join(Root, e.Name())
		b, err := os.ReadFile(filepath.Join(dir, "owner"))
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		pid, _ := strconv.Atoi(lines[0])
		if pid > 0 && syscall.Kill(pid, 0) == nil {
			continue
		}
		cfg := localcluster.Config{Name: e.Name(), StateDir: dir}
		if len(lines) > 1 {
			cfg.DiskDir = lines[1]
		}
		Remove(cfg)
	}
}

// Need returns the cluster, or ends the test: skipped without root
// (failed under CI=true), failed if the cluster could not be built.
func (e *Env) Need(t testing.TB) *localcluster.Cluster {
	t.Helper()
	if e.Cluster != nil {
		return e.Cluster
	}
	if e.Err == localcluster.ErrNotRoot && os.Getenv("CI") != "true" {
		t.Skip("needs root to build a local cluster")
	}
	t.Fatalf("no local cluster: %v", e.Err)
	return nil
}

// Run is a package's whole TestMain: it builds a cluster of n nodes into
// *env, runs the tests, removes the cluster and returns the exit status:
//
//	func TestMain(m *testing.M) { os.Exit(clustertest.Run(m, 3, &env)) }
func Run(m *testing.M, n int, env **Env) int {
	*env = Up(n)
	code := m.Run()
	if err := (*env).Down(); err != nil {
		fmt.Fprintln(os.Stderr, "removing the test cluster:", err)
		code = 1
	}
	return code
}

// Conns logs in to every node with the real SSH client; the connections
// are closed when the test ends.
func (e *Env) Conns(t testing.TB) (*localcluster.Cluster, control.Conns) {
	t.Helper()
	c := e.Need(t)
	cs, err := control.ConnectAll(context.Background(), c.Remote(), c.NodeNames())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return c, cs
}
