package etcd_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/cli"
	"github.com/faultline/faultline/localcluster/clustertest"
	"github.com/faultline/faultline/runstore"
	"github.com/faultline/faultline/suite"
	"github.com/faultline/faultline/suites/etcd"
)

// These tests run the suite for real: etcd (Debian's etcd-server, from
// scripts/setup.sh) on a five-node local cluster unique to this test run,
// driven through the same command line a user types, with real faults
// (iptables partitions, SIGKILL, SIGSTOP). Each run is short (10-12 s of
// workload); the cluster is built once for the package and removed at the
// end, and every run wipes etcd from the nodes in its teardown.

var env *clustertest.Env

// stuckAfter is when a run is reported as stuck (see run), and giveUpAfter
// when it is interrupted (as Ctrl-C would: faults healed, history saved),
// so a hang fails one test instead of the whole CI job. A benchmark's run
// gets its time limit on top.
const (
	stuckAfter  = 3 * time.Minute
	giveUpAfter = 4 * time.Minute
)

func TestMain(m *testing.M) {
	env = clustertest.Up(5)
	code := m.Run()
	if err := env.Down(); err != nil {
		fmt.Fprintln(os.Stderr, "removing the test cluster:", err)
		code = 1
	}
	os.Exit(code)
}

// run runs `etcd <args>` on the test cluster with a store of its own, and
// returns the exit code, stdout, and the run loaded back from the store.
func run(t testing.TB, args ...string) (int, string, *runstore.Loaded) {
	t.Helper()
	return runIn(t, storeDir(t), args...)
}

// storeDir is a store folder for one test's runs.
func storeDir(t testing.TB) string {
	if keep := os.Getenv("FAULTLINE_TEST_STORE"); keep != "" {
		// Keep the runs (history, run.log, node logs) for inspection.
		return keep
	}
	return t.TempDir()
}

// runIn is run with the store in dir.
func runIn(t testing.TB, dir string, args ...string) (int, string, *runstore.Loaded) {
	t.Helper()
	c := env.Need(t)
	if _, err := os.Stat(etcd.DefaultBinary); err != nil {
		t.Fatalf("%s missing: run scripts/setup.sh (it installs etcd-server): %v", etcd.DefaultBinary, err)
	}
	s := etcd.Suite()
	s.Local = func(context.Context, suite.Options) (suite.Cluster, error) {
		return suite.Cluster{Nodes: c.NodeNames(), Remote: c.Remote()}, nil
	}
	var out, errs bytes.Buffer
	// A run that takes far longer than its time limit is stuck somewhere:
	// say where, while it is stuck, instead of waiting for go test's
	// timeout.
	watchdog := time.AfterFunc(stuckAfter+timeLimit(args), func() {
		fmt.Fprintf(os.Stderr, "faultline etcd %s: still running after %v; goroutines:\n", strings.Join(args, " "), stuckAfter)
		pprof.Lookup("goroutine").WriteTo(os.Stderr, 2)
	})
	defer watchdog.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), giveUpAfter+timeLimit(args))
	defer cancel()
	root := cli.SuiteCommand(s)
	root.SetContext(ctx)
	code := cli.Execute(root, append(args, "--store", dir, "--log-json"), &out, &errs)
	if ctx.Err() != nil {
		t.Errorf("faultline etcd %s: interrupted after %v", strings.Join(args, " "), giveUpAfter+timeLimit(args))
	}
	t.Logf("faultline etcd %s\nexit %d: %s", strings.Join(args, " "), code, out.String())
	loaded, err := runstore.Load(filepath.Join(dir, "latest"))
	if err != nil {
		t.Fatalf("loading the run: %v\nstderr: %s", err, tail(errs.String()))
	}
	if code == cli.ExitCrash || code == cli.ExitBadArgs {
		t.Fatalf("exit %d\nstderr: %s", code, tail(errs.String()))
	}
	return code, out.String(), loaded
}

// timeLimit is the --time-limit (whole seconds) among args.
func timeLimit(args []string) time.Duration {
	for i, a := range args {
		if a == "--time-limit" && i+1 < len(args) {
			if n, err := strconv.Atoi(args[i+1]); err == nil {
				return time.Duration(n) * time.Second
			}
		}
	}
	return 0
}

func tail(s string) string {
	if len(s) > 4000 {
		return "..." + s[len(s)-4000:]
	}
	return s
}

// counts tallies client completions by type and nemesis completions by f.
func counts(l *runstore.Loaded) (client map[string]int, faults map[string]int) {
	client, faults = map[string]int{}, map[string]int{}
	for _, op := range l.History.All() {
		switch {
		case op.IsNemesis() && op.Type.IsCompletion():
			faults[op.F]++
		case op.IsClient() && op.Type.IsCompletion():
			client[op.Type.String()]++
		}
	}
	return client, faults
}

// faultArgs is a 12 s run of a workload under faults switched about every
// 2 s, with a 2 s recovery wait before any final reads.
func faultArgs(workload, nemesis string) []string {
	return []string{"test", "--workload", workload, "--nemesis", nemesis,
		"--nemesis-interval", "2", "--time-limit", "12", "--recovery-time", "2", "--concurrency", "2n", "--seed", "1"}
}

// validRun runs a workload under faults (faultArgs) and checks that the
// verdict is valid, that at least minOK ops succeeded, and that the faults
// (their start fs) were performed at least twice in all.
func validRun(t *testing.T, workload, nemesis string, minOK int, starts ...string) *runstore.Loaded {
	t.Helper()
	code, out, l := run(t, faultArgs(workload, nemesis)...)
	if want := ": valid (etcd-" + workload + "-" + nemesis + ", "; code != cli.ExitValid || !strings.Contains(out, want) {
		t.Fatalf("exit %d, expected valid: %s", code, out)
	}
	client, faults := counts(l)
	if client["ok"] < minOK {
		t.Fatalf("only %d ok ops in 12 s, expected at least %d: %v", client["ok"], minOK, client)
	}
	performed := 0
	for _, f := range starts {
		performed += faults[f]
	}
	if performed < 2 {
		t.Fatalf("faults performed: %v, expected at least two of %v in 12 s at a 2 s interval", faults, starts)
	}
	return l
}

func TestRegisterWithPartitionsAndKillsIsLinearizable(t *testing.T) {
	l := validRun(t, "register", "partition,kill", 500, "start-partition", "kill")
	for _, n := range []string{"n1", "n2", "n3", "n4", "n5"} {
		if _, err := os.Stat(filepath.Join(l.Dir, n, "etcd.log")); err != nil {
			t.Errorf("node %s's etcd log was not collected: %v", n, err)
		}
	}
}

// The valid twin of TestAnAppendRemovedBehindTheRunsBackMakesItInvalid:
// the same run, nothing removed.
func TestAppendWithKillsAndPausesIsStrictSerializable(t *testing.T) {
	l := validRun(t, "append", "kill,pause", 200, "kill", "pause")
	if models := l.Config["consistency-models"]; fmt.Sprint(models) != "[strict-serializable]" {
		t.Fatalf("checked models %v, expected strict-serializable", models)
	}
	assertFinalReadsOnEveryThread(t, l)
}

func TestTestAllRunsSetAndWRUnderPausesAndSummarises(t *testing.T) {
	code, out, _ := run(t, "test-all", "--workload", "set,wr", "--nemesis", "pause",
		"--nemesis-interval", "2", "--time-limit", "8", "--recovery-time", "2", "--concurrency", "2n", "--seed", "4")
	if code != cli.ExitValid {
		t.Fatalf("exit %d, expected valid: %s", code, out)
	}
	for _, want := range []string{": valid (etcd-set-pause, ", ": valid (etcd-wr-pause, ", "2 runs: 2 valid, 0 invalid"} {
		if !strings.Contains(out, want) {
			t.Fatalf("test-all output lacks %q:\n%s", want, out)
		}
	}
}
