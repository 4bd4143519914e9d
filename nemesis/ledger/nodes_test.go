package ledger

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/faultline/faultline/control/node"
	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/localcluster/clustertest"
	"github.com/faultline/faultline/nemesis"
	"github.com/faultline/faultline/nemesis/internal/nemtest"
	"github.com/faultline/faultline/nemesis/partition"
	"github.com/faultline/faultline/nemesis/process"
)

var env *clustertest.Env

func mainWithCluster(m *testing.M) { nemtest.Main(m, 2, &env) }

// claimNodes identifies env's nodes and claims them in a fresh ledger.
func claimNodes(t *testing.T, e nemesis.Env) *Claim {
	t.Helper()
	l, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return claimIn(t, l, e)
}

func claimIn(t *testing.T, l *Ledger, e nemesis.Env) *Claim {
	t.Helper()
	c, err := l.ClaimNodes(context.Background(), t.TempDir(), e.Nodes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sh(t *testing.T, n db.Node, script string, args ...string) string {
	t.Helper()
	out, err := node.Shell(context.Background(), n.Conn, script, args...)
	if err != nil {
		t.Fatalf("on %s: %v", n.Name, err)
	}
	return out
}

// whats lists the kinds of leftovers found, node: what.
func whats(fs []Found) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Node+": "+f.What)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func TestNodesOfTwoClustersWithOneNameAreNotTheSameNode(t *testing.T) {
	_, e := nemtest.Env(t, env, nil)
	a, err := Identify(context.Background(), e.Nodes[0])
	if err != nil {
		t.Fatal(err)
	}
	b, err := Identify(context.Background(), e.Nodes[1])
	if err != nil {
		t.Fatal(err)
	}
	if a.ID == b.ID || !strings.Contains(a.ID, "/net:[") {
		t.Fatalf("identities %q and %q: expected two different boot-id/net:[inode] pairs", a.ID, b.ID)
	}
}

// TestHealFindsAndUndoesEveryLeftoverKind leaves on one node what a killed
// run may leave (a partition chain with a rule and INPUT's jump to it, a
// stopped process, a FUSE-named mount and a lazyfsd pid file), and checks
// that Look sees each, Heal undoes each, and nothing is found afterwards.
func TestHealFindsAndUndoesEveryLeftoverKind(t *testing.T) {
	_, e := nemtest.Env(t, env, nil)
	n := e.Nodes[0]
	t.Cleanup(func() {
		sh(t, n, `iptables -w -D INPUT -j faultline-partition 2>/dev/null; iptables -w -F faultline-partition 2>/dev/null; iptables -w -X faultline-partition 2>/dev/null
umount -l /tmp/ledger-fuse 2>/dev/null; pkill -CONT -f '[s]leep 4242'; pkill -f '[s]leep 424[23]'; exit 0`)
	})
	sh(t, n, `iptables -w -N faultline-partition && iptables -w -I INPUT -j faultline-partition && iptables -w -A faultline-partition -s 10.9.9.9 -j DROP`)
	sh(t, n, `mkdir -p /tmp/ledger-fuse && mount -t tmpfs faultline-lazyfs /tmp/ledger-fuse`)
	// Stopped in a session of its own, as a pause would: the node's sshd
	// (its PID 1) mistakes a child stopped in the session that started it.
	pid := strings.TrimSpace(sh(t, n, `setsid sleep 4242 </dev/null >/dev/null 2>&1 & echo $!`))
	sh(t, n, `kill -STOP "$1"`, pid)
	sh(t, n, `mkdir -p /run/faultline-lazyfs; setsid sleep 4243 </dev/null >/dev/null 2>&1 & echo $! > /run/faultline-lazyfs/x.pid`)
	c := claimNodes(t, e)
	st, err := c.l.Look(context.Background(), e.Nodes)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{n.Name + ": FUSE mount", n.Name + ": iptables chain", n.Name + ": lazyfsd", n.Name + ": stopped process"}
	if got := whats(st.Found); !slices.Equal(got, want) {
		t.Fatalf("Look found %v, expected %v", st.Found, want)
	}
	healed, err := c.Heal(context.Background(), e.Nodes)
	if err != nil {
		t.Fatal(err)
	}
	if got := whats(healed); !slices.Equal(got, want) {
		t.Fatalf("Heal undid %v, expected %v", healed, want)
	}
	st, err = c.l.Look(context.Background(), e.Nodes)
	if err != nil || len(st.Found) != 0 {
		t.Fatalf("after Heal, Look found %v (%v): expected nothing", st.Found, err)
	}
	// The stopped sleeper runs again (S); lazyfsd's stand-in got SIGTERM.
	if out := sh(t, n, `iptables -w -S INPUT | grep -c faultline || true; awk '$1=="faultline-lazyfs"' /proc/mounts; for p in $(pgrep -f '[s]leep 424[23]'); do echo "$(cat /proc/$p/cmdline | tr '\0' ' ')$(awk '{print $3}' /proc/$p/stat)"; done`); strings.TrimSpace(out) != "0\nsleep 4242 S" {
		t.Fatalf("after Heal the node shows (INPUT jumps, mounts, sleepers and states): %q; expected 0 jumps, no mount, sleep 4242 running (S), sleep 4243 gone", out)
	}
}

// TestNetemLeftoversAreHealedWhereTheKernelHasNetem adds a netem qdisc as
// packet delays would; this machine's kernel has none, so it skips there.
func TestNetemLeftoversAreHealedWhereTheKernelHasNetem(t *testing.T) {
	_, e := nemtest.Env(t, env, nil)
	n := e.Nodes[0]
	if _, err := node.Shell(context.Background(), n.Conn, `tc qdisc add dev eth0 root netem delay 5ms`); err != nil {
		t.Skipf("no netem on this kernel: %v", err)
	}
	t.Cleanup(func() { _, _ = node.Shell(context.Background(), n.Conn, `tc qdisc del dev eth0 root`) })
	c := claimNodes(t, e)
	healed, err := c.Heal(context.Background(), e.Nodes)
	if err != nil || !slices.Contains(whats(healed), n.Name+": netem qdisc") {
		t.Fatalf("Heal = %v, %v: expected the netem qdisc on eth0 undone", healed, err)
	}
}

// TestWrappedFaultsAreRecordedClearedAndHealedAfterTheirRunDies runs a
// partition and a pause through Wrap, checks the ledger holds them while
// they are in effect and not once stop-partition healed, then abandons the
// run with the pause in effect (its claim released as a dead process's
// would be) and checks the next claim's Heal resumes the sleeper and
// clears the ledger.
func TestWrappedFaultsAreRecordedClearedAndHealedAfterTheirRunDies(t *testing.T) {
	_, e := nemtest.Env(t, env, nemtest.Sleeper{})
	nemtest.StopSleepers(t, e)
	for _, n := range e.Nodes {
		if err := (nemtest.Sleeper{}).Setup(context.Background(), n); err != nil {
			t.Fatal(err)
		}
	}
	l, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c := claimIn(t, l, e)
	both, err := nemesis.Compose(partition.Nemesis{Seed: 1}, process.Pause{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	a, err := Wrap(both, c, nil).Setup(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	faults := func() []string {
		es, err := l.Entries()
		if err != nil {
			t.Fatal(err)
		}
		var fs []string
		for _, e := range es {
			fs = append(fs, e.Fault)
		}
		return fs
	}
	if got := faults(); !slices.Equal(got, []string{"setup"}) {
		t.Fatalf("after Setup the ledger holds %v, expected the setup's chains", got)
	}
	nemtest.Invoke(t, a, partition.Start, "halves")
	nemtest.Invoke(t, a, process.PauseF, "all")
	if got := faults(); !slices.Equal(got, []string{"setup", "start-partition", "pause"}) {
		t.Fatalf("with a partition and a pause in effect the ledger holds %v", got)
	}
	// A resume of one node leaves the others paused: the pause stays.
	nemtest.Invoke(t, a, process.ResumeF, e.Nodes[0].Name)
	if got := faults(); !slices.Equal(got, []string{"setup", "start-partition", "pause"}) {
		t.Fatalf("after resuming %s alone the ledger holds %v, expected the pause kept", e.Nodes[0].Name, got)
	}
	nemtest.Invoke(t, a, partition.Stop, nil)
	if got := faults(); !slices.Equal(got, []string{"setup", "pause"}) {
		t.Fatalf("after stop-partition the ledger holds %v, expected the partition cleared", got)
	}
	// The run dies: no teardown, its claim goes.
	if err := c.Release(); err != nil {
		t.Fatal(err)
	}
	for node, st := range nemtest.SleeperStates(t, e) {
		if stopped := strings.HasSuffix(st, ":T"); stopped != (node != e.Nodes[0].Name) {
			t.Fatalf("sleeper on %s is %s before healing, expected stopped (T) on every node but %s, which was resumed", node, st, e.Nodes[0].Name)
		}
	}
	next := claimIn(t, l, e)
	healed, err := next.Heal(context.Background(), e.Nodes)
	if err != nil {
		t.Fatal(err)
	}
	if got := whats(healed); !slices.Contains(got, e.Nodes[1].Name+": stopped process") || !slices.Contains(got, e.Nodes[1].Name+": iptables chain") {
		t.Fatalf("Heal undid %v: expected the stopped sleepers and the partition chains", healed)
	}
	for node, st := range nemtest.SleeperStates(t, e) {
		if strings.HasSuffix(st, ":T") || st == "dead" {
			t.Fatalf("sleeper on %s is %s after healing, expected running", node, st)
		}
	}
	if got := faults(); len(got) != 0 {
		t.Fatalf("after healing the ledger still holds %v", got)
	}
	if cl, err := l.Claims(); err != nil || len(cl) != 1 || cl[0].ID != next.Info().ID {
		t.Fatalf("claims after healing: %+v, %v: expected only the healer's", cl, err)
	}
}

// TestTeardownClearsTheLedger: a run that heals normally leaves nothing.
func TestTeardownClearsTheLedger(t *testing.T) {
	_, e := nemtest.Env(t, env, nil)
	c := claimNodes(t, e)
	a, err := Wrap(partition.Nemesis{Seed: 2}, c, nil).Setup(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	nemtest.Invoke(t, a, partition.Start, "halves")
	if err := a.Teardown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if es, err := c.l.Entries(); err != nil || len(es) != 0 {
		t.Fatalf("entries after teardown: %+v, %v", es, err)
	}
}
