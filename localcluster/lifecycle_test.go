package localcluster_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faultline/faultline/localcluster"
	"github.com/faultline/faultline/localcluster/clustertest"
)

// Budgets from the issue: five nodes up in 3 s, down in 2 s, on the project
// machine with packages installed.
const (
	upBudget   = 3 * time.Second
	downBudget = 2 * time.Second
)

// loadFactor is how much slower than idle this machine is likely to be
// now: the one-minute load average per CPU, between 1 and 4. The budgets
// hold on an idle machine; CI machines shared with other builds get this
// much slack, and the test logs it.
func loadFactor(t *testing.T) time.Duration {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 1
	}
	var load float64
	fmt.Sscanf(string(b), "%f", &load)
	f := load / float64(runtime.NumCPU())
	f = max(1, min(4, f))
	t.Logf("load average %.1f on %d CPUs: budgets scaled by %.1f", load, runtime.NumCPU(), f)
	return time.Duration(f * 1000)
}

func scaled(d, factor time.Duration) time.Duration { return d * factor / 1000 }

func TestSharedClusterCameUpWithinBudget(t *testing.T) {
	env.Need(t)
	t.Logf("5 nodes up in %v", env.UpTime)
	if budget := scaled(upBudget, loadFactor(t)); env.UpTime > budget {
		t.Fatalf("cluster up of 5 nodes took %v, budget %v", env.UpTime, budget)
	}
}

// remains lists what the named cluster left on the machine: namespaces,
// links, mounts mentioning it, processes whose command line mentions its
// state or disk dir, and its files.
func remains(cfg localcluster.Config) []string {
	var out []string
	ents, _ := os.ReadDir("/run/netns")
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), cfg.Name+"-") {
			out = append(out, "netns "+e.Name())
		}
	}
	links, _ := exec.Command("ip", "-o", "link", "show").Output()
	for _, l := range strings.Split(string(links), "\n") {
		if f := strings.Fields(l); len(f) > 1 && strings.HasPrefix(f[1], cfg.Name+"-") {
			out = append(out, "link "+f[1])
		}
	}
	mounts, _ := os.ReadFile("/proc/self/mountinfo")
	for _, l := range strings.Split(string(mounts), "\n") {
		if strings.Contains(l, "/"+cfg.Name+"-") || strings.Contains(l, cfg.DiskDir) {
			out = append(out, "mount "+l)
		}
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, _ := os.ReadFile(p)
		cmd := strings.ReplaceAll(string(b), "\x00", " ")
		if strings.Contains(cmd, cfg.DiskDir) || strings.Contains(cmd, filepath.Join(cfg.StateDir, "nodes.d")) {
			out = append(out, "process "+p+": "+cmd)
		}
	}
	for _, f := range []string{cfg.DiskDir, filepath.Join(cfg.StateDir, "cluster.json"), filepath.Join(cfg.StateDir, "nodes.d"), filepath.Join(cfg.StateDir, "id_ed25519")} {
		if _, err := os.Stat(f); err == nil {
			out = append(out, "file "+f)
		}
	}
	return out
}

func TestUpIsIdempotentRecoversAndDownLeavesNothing(t *testing.T) {
	env.Need(t)
	cfg, err := clustertest.Config(5)
	if err != nil {
		t.Fatal(err)
	}
	if err := clustertest.Own(cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := clustertest.Remove(cfg); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	ctx := context.Background()
	start := time.Now()
	c1, err := localcluster.Up(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	upTime := time.Since(start)

	// Up again: the same cluster, untouched.
	c2, err := localcluster.Up(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range c1.Nodes {
		if c1.Nodes[i].InitPID != c2.Nodes[i].InitPID {
			t.Fatalf("second up rebuilt %s (init %d became %d)", c1.Nodes[i].Name, c1.Nodes[i].InitPID, c2.Nodes[i].InitPID)
		}
	}
	loaded, err := localcluster.Load(cfg.StateDir)
	if err != nil || len(loaded.Nodes) != 5 || loaded.Nodes[4].Addr != c1.Nodes[4].Addr {
		t.Fatalf("Load: %+v %v", loaded, err)
	}

	// Break it halfway: one node dies, another loses its namespace link.
	syscall.Kill(c1.Nodes[2].InitPID, syscall.SIGKILL)
	exec.Command("ip", "link", "del", c1.Nodes[3].NetNS).Run()
	if err := localcluster.Check(c1); err == nil {
		t.Fatal("Check says a broken cluster is healthy")
	}
	c3, err := localcluster.Up(ctx, cfg, nil)
	if err != nil {
		t.Fatalf("up of a half-broken cluster: %v", err)
	}
	if err := localcluster.Check(c3); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
	if c3.Nodes[0].InitPID == c1.Nodes[0].InitPID {
		t.Fatal("a broken cluster must be rebuilt from scratch")
	}

	start = time.Now()
	if err := localcluster.Down(ctx, cfg, nil); err != nil {
		t.Fatal(err)
	}
	downTime := time.Since(start)
	t.Logf("5 nodes: up %v, down %v", upTime, downTime)
	if left := remains(cfg); len(left) > 0 {
		t.Fatalf("after down, still there:\n%s", strings.Join(left, "\n"))
	}
	if err := localcluster.Down(ctx, cfg, nil); err != nil {
		t.Fatalf("second down: %v", err)
	}
	f := loadFactor(t)
	if upTime > scaled(upBudget, f) || downTime > scaled(downBudget, f) {
		t.Fatalf("up %v (budget %v), down %v (budget %v)", upTime, scaled(upBudget, f), downTime, scaled(downBudget, f))
	}
}
