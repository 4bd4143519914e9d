package ledger

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/internal/owner"
)

// The test binary doubles as a crashing harness: with this variable set,
// TestMain claims two nodes, records a fault, prints its run folder and
// waits to be killed, like a faultline process killed mid-run.
const crashEnv = "FAULTLINE_LEDGER_TEST_CRASH"

var nodesAB = []Node{{Name: "n1", ID: "boot/net:[1]"}, {Name: "n2", ID: "boot/net:[2]"}}

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashEnv); dir != "" {
		os.Exit(crashingHarness(dir))
	}
	mainWithCluster(m)
}

func crashingHarness(dir string) int {
	l, err := Open(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	c, err := l.Claim("/store/crashing-run", nodesAB)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if _, err := c.Record("start-partition", []NodeUndo{{Node: nodesAB[0], Undo: []Undo{{Kind: Chains}}}}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("recorded")
	time.Sleep(time.Hour)
	return 0
}

// startCrashingHarness starts the harness and returns once its fault is on
// disk; the process is killed at the end of the test if still alive.
func startCrashingHarness(t *testing.T, dir string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	buf := make([]byte, 64)
	n, _ := out.Read(buf)
	if !strings.Contains(string(buf[:n]), "recorded") {
		t.Fatalf("the crashing harness did not record its fault (said %q)", buf[:n])
	}
	return cmd
}

func TestRecordIsOnDiskUntilClearedAndClearRemovesIt(t *testing.T) {
	l, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c, err := l.Claim("/store/run", nodesAB)
	if err != nil {
		t.Fatal(err)
	}
	undo := []NodeUndo{{Node: nodesAB[1], Undo: []Undo{{Kind: Stopped, KeepStopped: []string{"7:99"}}}}}
	id, err := c.Record("pause", undo)
	if err != nil {
		t.Fatal(err)
	}
	es, err := l.Entries()
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].ID != id || es[0].Fault != "pause" || es[0].Claim != c.Info().ID || es[0].Run != "/store/run" ||
		len(es[0].Nodes) != 1 || es[0].Nodes[0].ID != "boot/net:[2]" || es[0].Nodes[0].Undo[0].KeepStopped[0] != "7:99" {
		t.Fatalf("entries after Record = %+v: expected the pause on n2 with its undo, owned by the claim", es)
	}
	// A temporary file a crash left mid-write is not an entry.
	if err := os.WriteFile(filepath.Join(l.faultsDir(), ".x.json.tmp123"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := l.Clear(id); err != nil {
		t.Fatal(err)
	}
	if es, err := l.Entries(); err != nil || len(es) != 0 {
		t.Fatalf("entries after Clear = %+v, %v: expected none", es, err)
	}
	if err := l.Clear(id); err != nil {
		t.Fatalf("clearing twice: %v (expected nothing to do)", err)
	}
}

func TestAHandEditedEntryIsAnErrorNamingTheFile(t *testing.T) {
	l, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(l.faultsDir(), "x.json")
	if err := os.WriteFile(bad, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Entries(); err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("Entries over a broken file: %v, expected an error naming %s", err, bad)
	}
}

func TestAKilledOwnersEntryOutlivesItAndBecomesALeftover(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	harness := startCrashingHarness(t, dir)

	// While the harness lives, its nodes are refused, naming it.
	_, err = l.Claim("/store/second-run", nodesAB[1:])
	var busy *BusyError
	if !errors.As(err, &busy) || busy.Other.Owner.PID != harness.Process.Pid ||
		!strings.Contains(err.Error(), fmt.Sprint(harness.Process.Pid)) || !strings.Contains(err.Error(), "/store/crashing-run") || !strings.Contains(err.Error(), "n2") {
		t.Fatalf("claim on a live run's node: %v; expected a BusyError naming pid %d, its run folder and n2", err, harness.Process.Pid)
	}
	// Nodes it does not hold are free.
	other, err := l.Claim("/store/elsewhere", []Node{{Name: "n1", ID: "boot/net:[9]"}})
	if err != nil {
		t.Fatalf("a node of another cluster with the same name was refused: %v", err)
	}
	if other.leftoversOrFail(t) != 0 {
		t.Fatal("a live run's entry was offered for healing")
	}

	// SIGKILL between Record and Clear: the entry stays, and is a leftover.
	if err := harness.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = harness.Wait()
	c, err := l.Claim("/store/next-run", nodesAB)
	if err != nil {
		t.Fatalf("claim after the owner died: %v", err)
	}
	es, err := c.leftovers()
	if err != nil || len(es) != 1 || es[0].Fault != "start-partition" || es[0].Run != "/store/crashing-run" {
		t.Fatalf("leftovers after the kill = %+v, %v: expected the killed run's start-partition", es, err)
	}
}

func (c *Claim) leftoversOrFail(t *testing.T) int {
	t.Helper()
	es, err := c.leftovers()
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

func TestClaimsOfDeadOrReusedPidsAreNotLiveAndReleasedClaimsFreeTheNodes(t *testing.T) {
	l, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	me := owner.Self()
	exited := exec.Command("true")
	if err := exited.Run(); err != nil {
		t.Fatal(err)
	}
	for name, o := range map[string]owner.Process{
		"dead pid":   {PID: exited.Process.Pid, Host: me.Host, BootID: me.BootID, Start: me.Start},
		"reused pid": {PID: me.PID, Host: me.Host, BootID: me.BootID, Start: me.Start + 1},
		"old boot":   {PID: me.PID, Host: me.Host, BootID: "an-earlier-boot", Start: me.Start},
	} {
		rec := ClaimRecord{ID: strings.ReplaceAll(name, " ", "-"), Owner: o, Run: "/store/" + name, Nodes: nodesAB, At: time.Now()}
		if live, why := rec.Live(); live {
			t.Errorf("%s: claim taken for live: %s", name, why)
		}
		if err := writeJSON(filepath.Join(l.claimsDir(), rec.ID+".json"), rec); err != nil {
			t.Fatal(err)
		}
	}
	// Another machine's claim cannot be checked: it counts as live.
	if live, _ := (ClaimRecord{Owner: owner.Process{PID: 1, Host: "another-host"}}).Live(); !live {
		t.Error("a claim of another machine was taken for dead: its faults could be a live run's")
	}
	c, err := l.Claim("/store/run", nodesAB)
	if err != nil {
		t.Fatalf("claim over dead owners' claims: %v", err)
	}
	if _, err := l.Claim("/store/again", nodesAB[:1]); err == nil {
		t.Fatal("a second claim of a live claim's node was not refused")
	}
	if err := c.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Claim("/store/after", nodesAB); err != nil {
		t.Fatalf("claim after release: %v", err)
	}
}

func TestDefaultDirFollowsTheEnvironment(t *testing.T) {
	t.Setenv(DirEnv, "")
	t.Setenv("XDG_STATE_HOME", "/state")
	if d := DefaultDir(); d != "/state/faultline/ledger" {
		t.Errorf("DefaultDir with XDG_STATE_HOME=/state: %s", d)
	}
	t.Setenv(DirEnv, "/elsewhere")
	if d := DefaultDir(); d != "/elsewhere" {
		t.Errorf("DefaultDir with %s=/elsewhere: %s", DirEnv, d)
	}
}
