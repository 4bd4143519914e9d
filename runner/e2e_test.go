package runner_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/linear"
	"github.com/faultline/faultline/checker/linear/model"
	"github.com/faultline/faultline/cli"
	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/codec"
	"github.com/faultline/faultline/runner"
	"github.com/faultline/faultline/runner/internal/fakekv"
	"github.com/faultline/faultline/runstore"
	"github.com/faultline/faultline/suite"
)

// These tests drive the whole runner through the CLI, the way a suite's main
// does, against the in-process fake cluster.

// childEnv, when set, makes this test binary act as the fake suite's main,
// with the arguments it holds (separated by \x1f): the interrupt test runs
// it as a subprocess and signals it.
const childEnv = "FAULTLINE_FAKEKV_SUITE_ARGS"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(childEnv); ok {
		os.Exit(cli.Execute(cli.SuiteCommand(fakeSuite()), strings.Split(args, "\x1f"), os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// fakeSuite is a suite over the fake KV: --stale-lag makes it serve stale
// reads, --ops bounds the workload (-1: until the time limit), --latency
// slows every op.
func fakeSuite() suite.Suite {
	intFlag := func(o suite.Options, name string) int {
		n, _ := strconv.Atoi(o.Flags[name])
		return n
	}
	fake := func(_ context.Context, o suite.Options) (suite.Cluster, error) {
		nodes := o.Nodes
		if len(nodes) == 0 {
			nodes = []string{"n1", "n2", "n3", "n4", "n5"}
		}
		return suite.Cluster{Nodes: nodes, Remote: fakekv.Remote{}}, nil
	}
	return suite.Suite{
		Name: "fakekv",
		Workloads: []suite.Workload{{
			Name:    "register",
			Summary: "reads, writes and cas on one register",
			Test: func(o suite.Options) (*runner.Test, error) {
				if o.Flags["stale-lag"] != "" && intFlag(o, "stale-lag") < 0 {
					return nil, errors.New("--stale-lag: expected a number of writes >= 0")
				}
				kv := fakekv.NewKV(intFlag(o, "stale-lag"))
				kv.SetLatency(time.Duration(intFlag(o, "latency-us")) * time.Microsecond)
				gen := &fakekv.Ops{Remaining: intFlag(o, "ops")}
				if len(o.Nemesis) > 0 {
					gen.NemesisEvery = 50
				}
				return &runner.Test{
					DB: &fakekv.DB{}, Client: &fakekv.Client{KV: kv},
					Nemesis:   fakekv.Slow{KV: kv, Latency: int64(20 * time.Microsecond)},
					Generator: gen,
					Checker:   linear.New(model.CASRegister(nil), linear.Options{}),
				}, nil
			},
		}},
		Faults:  []string{"slow"},
		Nemeses: []string{"", "slow"},
		Flags: func(fs *pflag.FlagSet) {
			fs.Int("stale-lag", 0, "serve reads this many writes behind (0: correct)")
			fs.Int("ops", 300, "client ops to run (-1: until the time limit)")
			fs.Int("latency-us", 0, "latency of every op, in microseconds")
		},
		Connect: fake,
		Local:   fake,
	}
}

func execute(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Execute(cli.SuiteCommand(fakeSuite()), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestEndToEndCorrectKVIsValidAndStaleKVIsInvalidWithACounterexample(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := execute(t, "test", "--store", dir, "--nodes", "n1,n2,n3", "--concurrency", "2n", "--seed", "3", "--password", "hunter2", "--nemesis", "slow")
	if code != cli.ExitValid || !strings.Contains(out, ": valid (fakekv-register-slow, ") {
		t.Fatalf("correct KV: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	good, err := runstore.Load(filepath.Join(dir, "latest"))
	if err != nil {
		t.Fatal(err)
	}
	if n := good.History.Nemesis().Len(); n == 0 {
		t.Fatal("no nemesis ops recorded with --nemesis slow")
	}
	if good.Config["concurrency"] != float64(6) || good.Config["flags"].(map[string]any)["password"] != runstore.Redacted {
		t.Fatalf("config.json: %v", good.Config)
	}

	code, out, errs = execute(t, "test", "--store", dir, "--nodes", "n1,n2,n3", "--concurrency", "2n", "--seed", "3", "--stale-lag", "2")
	if code != cli.ExitInvalid || !strings.Contains(out, ": INVALID (fakekv-register, ") {
		t.Fatalf("stale KV: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	bad, err := runstore.Load(filepath.Join(dir, "fakekv-register", "latest"))
	if err != nil {
		t.Fatal(err)
	}
	if bad.Results == nil || bad.Results.Valid != checker.Invalid {
		t.Fatalf("stored results %v", bad.Results)
	}
	if d, ok := bad.Results.Details.(map[string]any); !ok || d["counterexample"] == nil {
		t.Fatalf("stored results carry no counterexample: %#v", bad.Results.Details)
	}

	// analyze re-checks the stored run with the workload's checker.
	code, out, _ = execute(t, "analyze", "--store", dir, "fakekv-register")
	if code != cli.ExitInvalid || !strings.Contains(out, "INVALID") {
		t.Fatalf("analyze of the stale run: exit %d: %s", code, out)
	}
	code, out, _ = execute(t, "analyze", "--store", dir, "fakekv-register-slow")
	if code != cli.ExitValid || !strings.Contains(out, "valid") {
		t.Fatalf("analyze of the correct run: exit %d: %s", code, out)
	}
}

func TestEndToEndBadArgumentsExit254AndSayWhatWasExpected(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"test", "--store", dir, "--concurrency", "xn"}, `expected a positive number of threads`},
		{[]string{"test", "--store", dir, "--time-limit", "soon"}, `--time-limit "soon": expected seconds`},
		{[]string{"test", "--store", dir, "--workload", "bank"}, `--workload "bank": expected one of register`},
		{[]string{"test", "--store", dir, "--stale-lag", "-1"}, `--stale-lag: expected a number of writes >= 0`},
		{[]string{"test", "--store", dir, "--nodes-file", filepath.Join(dir, "none")}, `--nodes-file`},
		{[]string{"analyze", "--store", dir, "nothing-here"}, `"nothing-here" is not a run`},
		{[]string{"test", "--no-such-flag"}, `unknown flag`},
	} {
		code, _, errs := execute(t, c.args...)
		if code != cli.ExitBadArgs || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 254 and %q", c.args, code, errs, c.want)
		}
	}
	// A nodes file with two names on a line is refused with its place.
	nf := filepath.Join(dir, "nodes")
	os.WriteFile(nf, []byte("n1\n# spare\nn2 n3\n"), 0o644)
	if code, _, errs := execute(t, "test", "--store", dir, "--nodes-file", nf); code != cli.ExitBadArgs || !strings.Contains(errs, nf+":3:4: expected one node name per line") {
		t.Errorf("bad nodes file: exit %d, %s", code, errs)
	}
}

func TestEndToEndTestAllRunsTheMatrixAndSummarises(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := execute(t, "test-all", "--store", dir, "--ops", "100", "--test-count", "2", "--seed", "1")
	if code != cli.ExitValid {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "4 runs: 4 valid, 0 invalid, 0 unknown, 0 crashed") {
		t.Fatalf("summary: %s", out)
	}
	for _, name := range []string{"fakekv-register", "fakekv-register-slow"} {
		runs, _ := filepath.Glob(filepath.Join(dir, name, "2*"))
		if len(runs) != 2 {
			t.Fatalf("%s has %d runs, want 2 (--test-count 2)", name, len(runs))
		}
	}
	code, out, _ = execute(t, "test-all", "--store", dir, "--ops", "200", "--stale-lag", "2", "--nemesis", "", "--seed", "1")
	if code != cli.ExitInvalid || !strings.Contains(out, "1 runs: 0 valid, 1 invalid") {
		t.Fatalf("stale test-all: exit %d: %s", code, out)
	}
}

// TestEndToEndInterruptSavesAValidHistoryAndTearsDown runs the suite in a
// subprocess with no end to its workload, sends it SIGINT (Ctrl-C) or
// SIGTERM once ops are flowing, and checks that it stopped the way the
// runner promises.
func TestEndToEndInterruptSavesAValidHistoryAndTearsDown(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) { interruptRun(t, sig) })
	}
}

// startEndless starts the suite in a subprocess on a workload with no end,
// storing into dir, and returns once its journal holds ops (so a signal
// lands mid-run).
func startEndless(t *testing.T, dir string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	args := []string{"test", "--store", dir, "--ops", "-1", "--time-limit", "0", "--latency-us", "2000", "--concurrency", "4", "--nemesis", "slow"}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+strings.Join(args, "\x1f"))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		if st, err := os.Stat(filepath.Join(dir, "current", runstore.StreamFile)); err == nil && st.Size() > 2000 {
			return cmd, &out, &errb
		}
		if time.Now().After(deadline) {
			t.Fatalf("no ops streamed within 20s\nstderr: %s", errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestEndToEndACrashedRunCanStillBeAnalysed kills the suite with SIGKILL
// (no chance to clean up) and checks the streamed history of the run it
// left in store/current can be analysed.
func TestEndToEndACrashedRunCanStillBeAnalysed(t *testing.T) {
	dir := t.TempDir()
	cmd, _, _ := startEndless(t, dir)
	time.Sleep(300 * time.Millisecond) // past the journal's first fsync
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_, _ = cmd.Process.Wait()
	code, out, errs := execute(t, "analyze", filepath.Join(dir, "current"))
	if code != cli.ExitValid || !strings.Contains(out, ": valid (register, ") {
		t.Fatalf("analyze of the killed run: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	l, err := runstore.Load(filepath.Join(dir, "current"))
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(l.HistoryFile) != runstore.StreamFile || l.History.Len() < 100 {
		t.Fatalf("crashed run read from %s with %d ops", l.HistoryFile, l.History.Len())
	}
}

func interruptRun(t *testing.T, sig syscall.Signal) {
	dir := t.TempDir()
	cmd, out, errb := startEndless(t, dir)
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("still running 20s after %s\nstderr: %s", sig, errb.String())
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != cli.ExitUnknown {
		t.Fatalf("exit %v, want status %d (interrupted: no verdict)\nstderr: %s", err, cli.ExitUnknown, errb.String())
	}
	if !strings.Contains(out.String(), ": interrupted (fakekv-register-slow") {
		t.Fatalf("stdout: %s", out.String())
	}
	run := filepath.Join(dir, "latest")
	h, warnings, err := codec.ReadFile(filepath.Join(run, runstore.HistoryEDNFile), codec.EDN)
	if err != nil || len(warnings) > 0 {
		t.Fatalf("history.edn after the interrupt: %v %v", err, warnings)
	}
	interrupted := 0
	for op := range h.Operations() {
		if !op.Completed {
			t.Fatalf("op %d was left without a completion", op.Invoke.Index)
		}
		if msg, _ := op.Complete.Error.(string); op.Complete.Type == history.Info && strings.Contains(msg, "interrupted") {
			interrupted++
		}
	}
	if interrupted == 0 {
		t.Fatal("no op was outstanding at the interrupt (each takes 2ms on 4 threads): the test did not exercise the shutdown")
	}
	stream, _, err := codec.ReadFile(filepath.Join(run, runstore.StreamFile), codec.JSON)
	if err != nil || stream.Len() != h.Len() {
		t.Fatalf("streamed history has %v ops (%v), the final one %d", stream.Len(), err, h.Len())
	}
	log, _ := os.ReadFile(filepath.Join(run, runstore.LogFile))
	for _, want := range []string{"run interrupted", "nemesis healing", "db teardown done", "history saved"} {
		if !bytes.Contains(log, []byte(want)) {
			t.Errorf("run.log lacks %q:\n%s", want, log)
		}
	}
	if _, err := os.Stat(filepath.Join(run, "n3", "kv.log")); err != nil {
		t.Errorf("node logs not collected after the interrupt: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "current")); !os.IsNotExist(err) {
		t.Error("store/current left behind")
	}
	t.Logf("%s: %d ops, %d outstanding at the interrupt", sig, h.Len(), interrupted)
}

// TestEndToEndOnATerminalTheStatusLineIsLive runs the suite on a real
// pseudo-terminal (util-linux's script) and checks that the status line is
// drawn and redrawn in place.
func TestEndToEndOnATerminalTheStatusLineIsLive(t *testing.T) {
	scriptPath, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script (util-linux) is not installed; scripts/setup.sh installs it")
	}
	dir := t.TempDir()
	args := []string{"test", "--store", dir, "--ops", "-1", "--time-limit", "1300ms", "--latency-us", "1000", "--nemesis", "slow"}
	cmd := exec.Command(scriptPath, "-q", "-e", "-c", os.Args[0]+" -test.run=^$", "/dev/null")
	cmd.Env = append(os.Environ(), childEnv+"="+strings.Join(args, "\x1f"), "TERM=xterm")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	s := string(out)
	if n := strings.Count(s, "\r\033[K"); n < 3 || !strings.Contains(s, "ops/s  ok ") || !strings.Contains(s, " / 1.3s  ") {
		t.Fatalf("no live status line (%d redraws) in the terminal output:\n%q", n, s)
	}
	if !strings.Contains(s, ": valid (fakekv-register-slow") {
		t.Fatalf("no verdict on the terminal:\n%q", s)
	}
}

// failingSetup is the fake DB with setup failing on n2.
type failingSetup struct{ fakekv.DB }

func (f *failingSetup) Setup(ctx context.Context, n db.Node) error {
	if n.Name == "n2" {
		return errors.New("port 2379 already in use")
	}
	return f.DB.Setup(ctx, n)
}

func TestEndToEndACrashExits255AndLogsJSON(t *testing.T) {
	s := fakeSuite()
	build := s.Workloads[0].Test
	s.Workloads[0].Test = func(o suite.Options) (*runner.Test, error) {
		t, err := build(o)
		if err == nil {
			t.DB = &failingSetup{}
		}
		return t, err
	}
	var out, errb bytes.Buffer
	dir := t.TempDir()
	code := cli.Execute(cli.SuiteCommand(s), []string{"test", "--store", dir, "--nodes", "n1,n2,n3", "--log-json"}, &out, &errb)
	if code != cli.ExitCrash || !strings.Contains(out.String(), ": crashed (fakekv-register") {
		t.Fatalf("exit %d, stdout %q; want 255 and a crashed verdict line", code, out.String())
	}
	sawError := false
	var text strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(errb.String()), "\n") {
		if !strings.HasPrefix(line, "{") {
			text.WriteString(line + "\n")
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("--log-json wrote a line that is not JSON: %q", line)
		}
		if rec["level"] == "ERROR" && rec["msg"] == "run failed" {
			sawError = true
		}
	}
	if msg := text.String(); !strings.Contains(msg, "db setup: 1 of the nodes failed:\n  n2: port 2379 already in use") {
		t.Fatalf("the crash message does not name the one node at fault and its error:\n%s", msg)
	}
	if !sawError {
		t.Fatalf("no JSON record of the failure in:\n%s", errb.String())
	}
	res, err := os.ReadFile(filepath.Join(dir, "latest", runstore.ResultsFile))
	if err != nil || !bytes.Contains(res, []byte(`"valid": "unknown"`)) {
		t.Fatalf("results of the crashed run: %s %v", res, err)
	}
}

func TestEndToEndAnalyzeReadsAJepsenRunFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "jepsen-run")
	os.MkdirAll(dir, 0o755)
	edn := `{:index 0, :time 10, :type :invoke, :process 0, :f :write, :value 3}
{:index 1, :time 20, :type :invoke, :process 1, :f :read, :value nil}
{:index 2, :time 30, :type :ok, :process 0, :f :write, :value 3}
{:index 3, :time 40, :type :ok, :process 1, :f :read, :value 3}
{:index 4, :time 50, :type :invoke, :process 0, :f :read, :value nil}
{:index 5, :time 60, :type :ok, :process 0, :f :read, :value 0}
`
	if err := os.WriteFile(filepath.Join(dir, runstore.HistoryEDNFile), []byte(edn), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := execute(t, "analyze", "--workload", "register", dir)
	if code != cli.ExitInvalid || !strings.Contains(out, dir+": INVALID (register, 6 ops)") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	res, err := os.ReadFile(filepath.Join(dir, runstore.ResultsEDNFile))
	if err != nil || !bytes.Contains(res, []byte(":valid? false")) {
		t.Fatalf("results.edn beside the Jepsen history: %s %v", res, err)
	}
	// A one-workload suite needs no --workload: its workload is the default.
	if code, out, errs := execute(t, "analyze", dir); code != cli.ExitInvalid || !strings.Contains(out, "INVALID (register") {
		t.Fatalf("analyze without --workload: exit %d: %s %s", code, out, errs)
	}
}
