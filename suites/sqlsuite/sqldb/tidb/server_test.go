package tidb

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// argOf is the value of --name=value in args ("" when absent).
func argOf(args []string, name string) string {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
	}
	return ""
}

// setUp deploys on five recorded nodes against f.
func setUp(t *testing.T, f *fakeAPI, o Options) (*recorder, *Server, *recAdmin, error) {
	t.Helper()
	r, nodes := fakeCluster(5)
	s, a := testServer(t, f, o)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := onAll(ctx, r, nodes, s.Setup)
	return r, s, a, err
}

// TestSetupOrdersPDThenTiKVThenTiDBWithBarriers checks the invariants of a
// five-node deployment, not a golden copy of its commands: every PD starts
// before any TiKV and every TiKV before any TiDB, each time with a
// barrier every node reached in between; every PD's initial cluster lists
// all five PDs; every TiKV and TiDB names every PD; the configurations
// have the Jepsen suite's short ticks and small regions.
func TestSetupOrdersPDThenTiKVThenTiDBWithBarriers(t *testing.T) {
	f := newFakeAPI(t)
	r, s, a, err := setUp(t, f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	starts := map[Component][]event{}
	for _, c := range Components() {
		starts[c] = r.of("start", c.BinPath())
		if len(starts[c]) != 5 {
			t.Fatalf("%s started %d times, want once on each of 5 nodes: %v", c, len(starts[c]), starts[c])
		}
	}
	releases := r.of("release", "")
	// between checks that every event of before precedes every event of
	// after, with a barrier release in between.
	between := func(before, after []event, what string) {
		t.Helper()
		last, first := -1, 1<<30
		for _, e := range before {
			last = max(last, e.seq)
		}
		for _, e := range after {
			first = min(first, e.seq)
		}
		if last > first {
			t.Fatalf("%s: an event at %d follows one at %d", what, last, first)
		}
		for _, rel := range releases {
			if rel.seq > last && rel.seq < first {
				return
			}
		}
		t.Fatalf("%s: no barrier released between the last at %d and the first at %d", what, last, first)
	}
	between(starts[PD], starts[KV], "PD on every node before TiKV on any")
	between(starts[KV], starts[DB], "TiKV on every node before TiDB on any")
	between(starts[DB], nil, "TiDB")

	wantPDs := []string{"pd1=http://10.9.0.1:2380", "pd2=http://10.9.0.2:2380", "pd3=http://10.9.0.3:2380", "pd4=http://10.9.0.4:2380", "pd5=http://10.9.0.5:2380"}
	wantEndpoints := []string{"10.9.0.1:2379", "10.9.0.2:2379", "10.9.0.3:2379", "10.9.0.4:2379", "10.9.0.5:2379"}
	names := map[string]bool{}
	for _, e := range starts[PD] {
		got := strings.Split(argOf(e.args, "--initial-cluster"), ",")
		slices.Sort(got)
		if !slices.Equal(got, wantPDs) {
			t.Errorf("PD on %s: --initial-cluster lists %v, want every PD %v", e.node, got, wantPDs)
		}
		names[argOf(e.args, "--name")] = true
		if adv := argOf(e.args, "--advertise-peer-urls"); adv != "http://"+r.addrs[e.node]+":2380" {
			t.Errorf("PD on %s advertises %s, not its own address", e.node, adv)
		}
	}
	if len(names) != 5 {
		t.Errorf("PD member names are not distinct: %v", names)
	}
	for _, c := range []Component{KV, DB} {
		flag := map[Component]string{KV: "--pd", DB: "--path"}[c]
		for _, e := range starts[c] {
			got := strings.Split(argOf(e.args, flag), ",")
			slices.Sort(got)
			if !slices.Equal(got, wantEndpoints) {
				t.Errorf("%s on %s: %s names %v, want every PD %v", c, e.node, flag, got, wantEndpoints)
			}
		}
	}
	for _, e := range starts[KV] {
		if got := argOf(e.args, "--advertise-addr"); got != r.addrs[e.node]+":20160" {
			t.Errorf("TiKV on %s advertises %s", e.node, got)
		}
	}

	// Each node has the three configurations, written before PD starts.
	for _, n := range []string{"n1", "n2", "n3", "n4", "n5"} {
		for _, c := range Components() {
			var w *event
			for _, e := range r.of("write", c.ConfigFile()) {
				if e.node == n {
					w = &e
				}
			}
			if w == nil {
				t.Fatalf("%s: no %s written", n, c.ConfigFile())
			}
			if w.seq > starts[PD][0].seq && w.node == starts[PD][0].node {
				t.Errorf("%s: %s written after PD started", n, c.ConfigFile())
			}
		}
	}
	for _, want := range []struct {
		c   Component
		key string
	}{{PD, `tick-interval = "50ms"`}, {PD, "max-replicas = 3"}, {PD, `split-merge-interval = "5s"`},
		{KV, `raft-base-tick-interval = "100ms"`}, {KV, "region-split-keys = 400"}, {KV, "region-max-keys = 500"},
		{DB, `lease = "100ms"`}, {DB, `slow-query-file = "/opt/tidb/db-slow.log"`}} {
		if w := r.of("write", want.c.ConfigFile()); !strings.Contains(w[0].data, want.key) {
			t.Errorf("%s lacks %q:\n%s", want.c.ConfigFile(), want.key, w[0].data)
		}
	}

	// The login is made once, on the first node, after every TiDB started.
	if !slices.Equal(a.hosts, []string{"10.9.0.1"}) || !slices.ContainsFunc(a.stmts, func(s string) bool { return strings.HasPrefix(s, "CREATE USER IF NOT EXISTS 'faultline'") }) {
		t.Errorf("bootstrap ran on %v: %v", a.hosts, a.stmts)
	}
	if ep := s.Endpoint("n4"); ep.Host != "10.9.0.4" || ep.Port != 4000 || ep.User != "faultline" {
		t.Errorf("Endpoint(n4) = %+v, want n4's own TiDB with the suite's login", ep)
	}
	// Every node waited on its PD for the regions' replicas.
	waited := 0
	for _, req := range f.requests {
		if strings.HasSuffix(req, ":2379/pd/api/v1/regions") {
			waited++
		}
	}
	if waited < 5 {
		t.Errorf("PD's regions were asked %d times, want at least once per node", waited)
	}
}

// TestTeardownKillsEverythingAndRemovesTheData checks that teardown kills
// the three servers on every node before wiping /opt/tidb, and that the
// wipe leaves only the installed binaries (run for real on a directory
// shaped like /opt/tidb after a run).
func TestTeardownKillsEverythingAndRemovesTheData(t *testing.T) {
	f := newFakeAPI(t)
	r, nodes := fakeCluster(5)
	s, _ := testServer(t, f, Options{})
	if err := onAll(context.Background(), r, nodes, s.Teardown); err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		var kills []string
		wipe := -1
		for _, e := range r.all() {
			switch {
			case e.node == n.Name && e.kind == "kill":
				kills = append(kills, e.detail)
				if wipe >= 0 {
					t.Errorf("%s: killed %s after the wipe", n.Name, e.detail)
				}
			case e.node == n.Name && e.kind == "wipe" && e.detail == Dir:
				wipe = e.seq
			}
		}
		slices.Sort(kills)
		want := []string{DB.PidFile(), KV.PidFile(), PD.PidFile()}
		slices.Sort(want)
		if !slices.Equal(kills, want) || wipe < 0 {
			t.Errorf("%s: killed %v and wiped %v, want %v killed then %s wiped", n.Name, kills, wipe >= 0, want, Dir)
		}
	}

	dir := t.TempDir()
	for _, p := range []string{"data/pd/member/wal", "data/kv/db", "bin", "pkg/0/tikv-v7.5.0"} {
		if err := os.MkdirAll(filepath.Join(dir, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"pd.log", "kv.stdout", "db-slow.log", "pd.toml", "kv.pid", "data/kv/db/000001.sst", "bin/pd-server"} {
		if err := os.WriteFile(filepath.Join(dir, p), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("sh", "-c", wipeScript, "sh", dir).CombinedOutput(); err != nil {
		t.Fatalf("wipe: %v: %s", err, out)
	}
	left, _ := os.ReadDir(dir)
	var names []string
	for _, e := range left {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"bin", "pkg"}) {
		t.Errorf("after the wipe %s holds %v, want only bin and pkg", dir, names)
	}
	if _, err := os.Stat(filepath.Join(dir, "bin/pd-server")); err != nil {
		t.Errorf("the wipe removed the installed servers: %v", err)
	}
	// A node where nothing was ever installed is no error.
	if out, err := exec.Command("sh", "-c", wipeScript, "sh", filepath.Join(dir, "absent")).CombinedOutput(); err != nil {
		t.Errorf("wipe of a missing directory: %v: %s", err, out)
	}
}

// TestSetupNamesTheComponentAndNodeThatNeverBecameHealthy: TiKV on n3
// never answers healthy; Setup fails on n3 naming TiKV and n3 with its log,
// the other nodes stop at the barrier instead of hanging, and no TiDB is
// started anywhere.
func TestSetupNamesTheComponentAndNodeThatNeverBecameHealthy(t *testing.T) {
	f := newFakeAPI(t)
	f.set("n3", KV, never)
	r, _, _, err := setUp(t, f, Options{StartTimeout: 1500 * time.Millisecond})
	if err == nil {
		t.Fatal("Setup succeeded with a TiKV that never became healthy")
	}
	msg := err.Error()
	for _, want := range []string{"on n3: TiKV did not start", "waited 1.5s for TiKV on n3 to become healthy: it never was", "HTTP 503", "last lines of /opt/tidb/kv.log"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if got := r.of("start", DB.BinPath()); len(got) != 0 {
		t.Errorf("TiDB started despite TiKV on n3: %v", got)
	}
}

// TestSetupWaitsForRegionReplicas: PD first knows regions with fewer
// peers than replicas; TiDB starts only once every region has three.
func TestSetupWaitsForRegionReplicas(t *testing.T) {
	f := newFakeAPI(t)
	f.regions = func(a int) [][]int {
		if a < 4 {
			return [][]int{{1}, {1, 2, 3}}
		}
		return [][]int{{1, 2, 3}, {1, 2, 3}, {3, 4, 5}}
	}
	_, _, _, err := setUp(t, f, Options{})
	if err != nil {
		t.Fatal(err)
	}

	f2 := newFakeAPI(t)
	f2.regions = func(int) [][]int { return [][]int{{1, 2}, {1, 2, 3}} }
	r, _, _, err := setUp(t, f2, Options{StartTimeout: time.Second})
	if err == nil || !strings.Contains(err.Error(), "1 of 2 regions have fewer than 3 replicas (region 1 first)") {
		t.Fatalf("Setup with an under-replicated region: %v", err)
	}
	if got := r.of("start", DB.BinPath()); len(got) != 0 {
		t.Errorf("TiDB started before the regions had their replicas: %v", got)
	}
}
