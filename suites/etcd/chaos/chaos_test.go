package chaos_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/cli"
	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/localcluster"
	"github.com/faultline/faultline/localcluster/clustertest"
	"github.com/faultline/faultline/nemesis/ledger"
	"github.com/faultline/faultline/runner"
	"github.com/faultline/faultline/runstore"
	"github.com/faultline/faultline/suite"
	"github.com/faultline/faultline/suites/etcd"
)

// The test binary is also the harness under test: with childEnv set (to
// the cluster's state folder) TestMain runs `faultline etcd <args>` on that
// cluster, with the fault ledger of ledger.DirEnv, and exits with its
// code. Two test-only changes to the suite: the database refuses to start
// (first teardown on each node, before anything of the run touches the
// node) when the node holds any leftover (ledger.Leftovers), so a run that
// gets past its setup started healed; and, with slowCheckEnv set, the
// checker sleeps checkDelay first, so a kill can land during the check.
const (
	childEnv     = "FAULTLINE_CHAOS_CHILD"
	slowCheckEnv = "FAULTLINE_CHAOS_SLOW_CHECK"
	checkDelay   = 2 * time.Second
	// KillsEnv sets how many kills the test makes: the short version (the
	// default, shortKills) runs in `go test`; the long one is
	//
	//	FAULTLINE_CHAOS_KILLS=50 go test -count=1 -timeout 60m -run TestKilledHarness -v ./suites/etcd/chaos/
	//
	// and its figures are in BENCHMARKS.md (issue 17). The short version
	// chains its kills (the run after a kill is the next one killed; each
	// proves it started healed by getting past healedFirst) and ends with
	// one full run that must be valid; the long one runs a full, valid run
	// after every kill.
	KillsEnv   = "FAULTLINE_CHAOS_KILLS"
	shortKills = 5
)

var env *clustertest.Env

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		os.Exit(child(dir, os.Args[1:]))
	}
	env = clustertest.Up(3)
	code := m.Run()
	if err := env.Down(); err != nil {
		fmt.Fprintln(os.Stderr, "removing the test cluster:", err)
		code = 1
	}
	os.Exit(code)
}

// child is `faultline etcd args...` on the cluster in stateDir.
func child(stateDir string, args []string) int {
	c, err := localcluster.Load(stateDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return cli.ExitCrash
	}
	return cli.Execute(cli.SuiteCommand(suiteOn(c)), args, os.Stdout, os.Stderr)
}

// suiteOn is the etcd suite on cluster c, with the fault ledger of
// ledger.DirEnv and the two test-only changes above.
func suiteOn(c *localcluster.Cluster) suite.Suite {
	s := etcd.Suite()
	s.Local = func(context.Context, suite.Options) (suite.Cluster, error) {
		return suite.Cluster{Nodes: c.NodeNames(), Remote: c.Remote(), Ledger: suite.DefaultLedger()}, nil
	}
	for i := range s.Workloads {
		build := s.Workloads[i].Test
		s.Workloads[i].Test = func(o suite.Options) (*runner.Test, error) {
			t, err := build(o)
			if err != nil {
				return nil, err
			}
			t.DB = &healedFirst{DB: t.DB.(*etcd.DB), checked: map[string]bool{}}
			if os.Getenv(slowCheckEnv) != "" {
				inner := t.Checker
				t.Checker = checker.Func(func(ctx context.Context, h *history.History) checker.Result {
					fmt.Fprintln(os.Stderr, `{"msg":"CHAOS check started"}`)
					time.Sleep(checkDelay)
					return inner.Check(ctx, h)
				})
			}
			return t, nil
		}
	}
	return s
}

// healedFirst is etcd's DB refusing a node that holds any leftover before
// the run's first database step on it.
type healedFirst struct {
	*etcd.DB
	mu      sync.Mutex
	checked map[string]bool
}

func (d *healedFirst) Teardown(ctx context.Context, n db.Node) error {
	d.mu.Lock()
	first := !d.checked[n.Name]
	d.checked[n.Name] = true
	d.mu.Unlock()
	if first {
		found, err := ledger.Leftovers(ctx, n)
		if err != nil {
			return err
		}
		if len(found) > 0 {
			return fmt.Errorf("CHAOS: %s was not healed before the run's setup: %v", n.Name, found)
		}
	}
	return d.DB.Teardown(ctx, n)
}

// A moment to kill the harness at: the faults its run has, and the
// condition (on the run's log and history so far) that triggers the kill.
type moment struct {
	name    string
	nemesis string
	// msg kills once the run logged it (after up to jitter more);
	// fault kills once the last fault op of the history is this start.
	msg       string
	fault     string
	jitter    time.Duration
	slowCheck bool // the run's checker waits checkDelay (slowCheckEnv)
}

var moments = []moment{
	{name: "setup", nemesis: "partition,pause", msg: "os setup done", jitter: 1500 * time.Millisecond},
	{name: "partition active", nemesis: "partition", fault: "start-partition"},
	{name: "pause active", nemesis: "pause", fault: "pause"},
	{name: "teardown", nemesis: "partition,pause,packet", msg: "nemesis healing"},
	{name: "check", nemesis: "partition", msg: "CHAOS check started", jitter: checkDelay / 2, slowCheck: true},
	{name: "packet loss active", nemesis: "packet", fault: "start-packet"},
	{name: "kill active", nemesis: "kill", fault: "kill"},
}

// runArgs is a short register run under faults every second.
func runArgs(store, nemesis string, seed int, limit int) []string {
	return []string{"test", "--workload", "register", "--nemesis", nemesis, "--nemesis-interval", "1",
		"--time-limit", strconv.Itoa(limit), "--concurrency", "2n", "--seed", strconv.Itoa(seed),
		"--store", store, "--log-json"}
}

// harness is one faultline subprocess and what it said.
type harness struct {
	cmd     *exec.Cmd
	mu      sync.Mutex
	lines   []string // log lines (JSON), stdout and stderr
	dir     string   // its run folder, once logged
	done    chan struct{}
	code    int
	started time.Time
}

func start(t *testing.T, c *localcluster.Cluster, ledgerDir string, slowCheck bool, args []string) *harness {
	t.Helper()
	h := &harness{cmd: exec.Command(os.Args[0], args...), done: make(chan struct{}), started: time.Now()}
	h.cmd.Env = append(os.Environ(), childEnv+"="+c.StateDir, ledger.DirEnv+"="+ledgerDir)
	if slowCheck {
		h.cmd.Env = append(h.cmd.Env, slowCheckEnv+"=1")
	}
	outR, outW := io.Pipe()
	h.cmd.Stdout, h.cmd.Stderr = outW, outW
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(outR)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			var m struct {
				Msg string `json:"msg"`
				Dir string `json:"dir"`
			}
			_ = json.Unmarshal([]byte(line), &m)
			h.mu.Lock()
			h.lines = append(h.lines, line)
			if m.Msg == "run started" && m.Dir != "" {
				h.dir = m.Dir
			}
			h.mu.Unlock()
		}
	}()
	go func() {
		err := h.cmd.Wait()
		outW.Close()
		h.code = h.cmd.ProcessState.ExitCode()
		if ws, ok := h.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			h.code = -int(ws.Signal())
		}
		_ = err
		close(h.done)
	}()
	t.Cleanup(func() { _ = h.cmd.Process.Kill(); <-h.done })
	return h
}

// logged says whether the run logged msg, and the run folder.
func (h *harness) logged(msg string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, l := range h.lines {
		if strings.Contains(l, `"msg":"`+msg+`"`) {
			return true
		}
	}
	return false
}

func (h *harness) runDir() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.dir
}

func (h *harness) output() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := strings.Join(h.lines, "\n")
	if len(out) > 6000 {
		out = "..." + out[len(out)-6000:]
	}
	return out
}

// count counts log lines holding s.
func (h *harness) count(s string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, l := range h.lines {
		if strings.Contains(l, s) {
			n++
		}
	}
	return n
}

// lastFault is the f of the last fault op completed in the run's history
// so far ("" if none).
func (h *harness) lastFault() string {
	dir := h.runDir()
	if dir == "" {
		return ""
	}
	l, err := runstore.Load(dir)
	if err != nil || l.History == nil {
		return ""
	}
	last := ""
	for _, op := range l.History.All() {
		if op.IsNemesis() && op.Type.IsCompletion() {
			last = op.F
		}
	}
	return last
}

// killAt waits for m's moment and kills the harness with SIGKILL; it
// reports false if the run ended first.
func (h *harness) killAt(m moment, rnd *rand.Rand) bool {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-h.done:
			return false
		case <-tick.C:
		}
		hit := (m.msg != "" && h.logged(m.msg)) || (m.fault != "" && h.lastFault() == m.fault)
		if !hit {
			continue
		}
		if m.jitter > 0 {
			time.Sleep(time.Duration(rnd.Int64N(int64(m.jitter))))
		}
		_ = h.cmd.Process.Signal(syscall.SIGKILL)
		<-h.done
		return h.code == -int(syscall.SIGKILL)
	}
}

// TestKilledHarnessLeavesNothingTheNextRunDoesNotHeal kills `faultline etcd
// test` at each moment in turn (KillsEnv kills in all), and after each kill
// checks that the killed run's history loads with analyze and that a full
// next run starts on healed nodes (healedFirst) and ends valid. Along the
// way a second run on nodes a live run holds is refused, naming the live
// run; at the end `faultline heal` finds nothing and the ledger is empty.
func TestKilledHarnessLeavesNothingTheNextRunDoesNotHeal(t *testing.T) {
	c := env.Need(t)
	if _, err := os.Stat(etcd.DefaultBinary); err != nil {
		t.Fatalf("%s missing: run scripts/setup.sh (it installs etcd-server): %v", etcd.DefaultBinary, err)
	}
	kills := shortKills
	if s := os.Getenv(KillsEnv); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: expected a number of kills", KillsEnv, s)
		}
		kills = n
	}
	ledgerDir := t.TempDir()
	t.Setenv(ledger.DirEnv, ledgerDir)
	store := t.TempDir()
	if keep := os.Getenv("FAULTLINE_TEST_STORE"); keep != "" {
		store = keep
	}
	rnd := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 17))
	began := time.Now()
	refused := false
	for k := 0; k < kills; k++ {
		m := moments[k%len(moments)]
		if k >= shortKills || kills > shortKills {
			m = moments[rnd.IntN(len(moments))]
		}
		limit := 6
		if m.msg == "os setup done" {
			limit = 3
		}
		var h *harness
		for try := 0; ; try++ {
			h = start(t, c, ledgerDir, m.slowCheck, runArgs(store, m.nemesis, 100*k+try, limit))
			if !refused {
				refused = checkRefused(t, c, h, store)
			}
			if h.killAt(m, rnd) {
				break
			}
			if h.code != cli.ExitValid || try == 3 {
				t.Fatalf("kill %d (%s): the run ended (exit %d) before its moment came:\n%s", k+1, m.name, h.code, h.output())
			}
		}
		killedAfter := time.Since(h.started)
		dir := h.runDir()
		analyzed := analyze(t, dir)

		t.Logf("kill %d: %-18s after %5.1fs (last fault op %q), the run had healed %d leftovers first; killed run analyzed: %s",
			k+1, m.name, killedAfter.Seconds(), lastFaultOf(dir), h.count("healed a leftover"), analyzed)
		if kills > shortKills || k == kills-1 {
			fullRun(t, c, ledgerDir, store, k)
		}
	}
	if !refused {
		t.Error("no run was live long enough to try a second run on its nodes")
	}
	t.Logf("%d kills in %.0fs", kills, time.Since(began).Seconds())

	// Nothing left: heal finds nothing, status shows nothing, the ledger
	// is empty.
	var out, errs bytes.Buffer
	if code := cli.Execute(cli.Root(), []string{"heal", "--state-dir", c.StateDir, "--ledger", ledgerDir}, &out, &errs); code != 0 || !strings.Contains(out.String(), "nothing to heal") {
		t.Errorf("faultline heal after the last valid run: exit %d, %s%s; expected nothing to heal", code, out.String(), errs.String())
	}
	out.Reset()
	if code := cli.Execute(cli.Root(), []string{"cluster", "status", "--state-dir", c.StateDir, "--ledger", ledgerDir}, &out, &errs); code != 0 ||
		!strings.Contains(out.String(), "fault ledger: no entries") || !strings.Contains(out.String(), "on the nodes: no Faultline chain") {
		t.Errorf("faultline cluster status: exit %d, %s%s; expected no entries and nothing on the nodes", code, out.String(), errs.String())
	}
}

// fullRun is the run after a kill, which must heal what the killed run
// left, start healed (healedFirst) and end valid.
func fullRun(t *testing.T, c *localcluster.Cluster, ledgerDir, store string, k int) {
	t.Helper()
	next := start(t, c, ledgerDir, false, runArgs(store, "partition,pause", 100*k+50, 2))
	<-next.done
	if next.code != cli.ExitValid {
		t.Fatalf("after kill %d: the next run exited %d, expected valid (0) on healed nodes:\n%s", k+1, next.code, next.output())
	}
	t.Logf("after kill %d: the next run healed %d leftovers, valid in %.1fs", k+1, next.count("healed a leftover"), time.Since(next.started).Seconds())
}

// checkRefused tries, once h claimed its nodes, a second run on them: it
// must be refused with an error naming h's pid and run folder. It reports
// whether it could try.
func checkRefused(t *testing.T, c *localcluster.Cluster, h *harness, store string) bool {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !h.logged("nodes claimed and healed") {
		select {
		case <-h.done:
			return false
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return false
		}
	}
	var out, errs bytes.Buffer
	code := cli.Execute(cli.SuiteCommand(suiteOn(c)), runArgs(t.TempDir(), "partition", 1, 2), &out, &errs)
	all := out.String() + errs.String()
	if code == cli.ExitValid || !strings.Contains(all, "in use by another live run") ||
		!strings.Contains(all, "process "+strconv.Itoa(h.cmd.Process.Pid)) || !strings.Contains(all, h.runDir()) {
		t.Errorf("a second run on nodes a live run (pid %d, %s) holds: exit %d, %s; expected a refusal naming both", h.cmd.Process.Pid, h.runDir(), code, all)
	}
	return true
}

// analyze runs `faultline etcd analyze DIR` on a killed run: a history
// must load and get a verdict (valid or unknown: a cut history is never
// invalid for a correct etcd); a run killed before its first op has none,
// which analyze must say without crashing.
func analyze(t *testing.T, dir string) string {
	t.Helper()
	if dir == "" {
		return "no run folder (killed before the store)"
	}
	var out, errs bytes.Buffer
	code := cli.Execute(cli.SuiteCommand(etcd.Suite()), []string{"analyze", dir}, &out, &errs)
	l, err := runstore.Load(dir)
	empty := err != nil || l.History == nil || l.History.Len() == 0
	switch {
	case empty && code != cli.ExitCrash:
		return fmt.Sprintf("no ops (exit %d)", code)
	case !empty && (code == cli.ExitValid || code == cli.ExitUnknown):
		return fmt.Sprintf("%d ops, exit %d", l.History.Len(), code)
	}
	t.Fatalf("analyze %s: exit %d (history loaded: %v, %v)\n%s%s", dir, code, !empty, err, out.String(), errs.String())
	return ""
}

func lastFaultOf(dir string) string {
	if dir == "" {
		return ""
	}
	return (&harness{dir: dir}).lastFault()
}
