package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/linear"
	"github.com/faultline/faultline/checker/linear/model"
	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/faultband"
	"github.com/faultline/faultline/runner/internal/fakekv"
	"github.com/faultline/faultline/runstore"
)

// kvTest is a test of the fake KV: lag > 0 makes it serve stale reads.
func kvTest(t *testing.T, lag int) (*Test, *fakekv.KV, *fakekv.DB, *int) {
	kv := fakekv.NewKV(lag)
	d := &fakekv.DB{}
	healed := new(int)
	return &Test{
		Name:        "fakekv",
		Nodes:       []string{"n1", "n2", "n3"},
		Remote:      fakekv.Remote{},
		DB:          d,
		Client:      &fakekv.Client{KV: kv},
		Nemesis:     fakekv.Slow{KV: kv, Latency: int64(50 * time.Microsecond), Healed: healed},
		Generator:   &fakekv.Ops{Remaining: 400, NemesisEvery: 100},
		Checker:     linear.New(model.CASRegister(nil), linear.Options{}),
		Concurrency: 5,
		Seed:        7,
		Store:       &runstore.Store{Root: t.TempDir()},
		Config:      map[string]any{"password": "hunter2", "workload": "register"},
		Output:      &bytes.Buffer{},
	}, kv, d, healed
}

func TestRunSetsUpRunsChecksStoresAndTearsDown(t *testing.T) {
	test, kv, d, healed := kvTest(t, 0)
	out, err := Run(context.Background(), test)
	if err != nil {
		t.Fatal(err)
	}
	if out.Result.Valid != checker.Valid || out.Interrupted {
		t.Fatalf("correct KV: %v (interrupted %v)", out.Result, out.Interrupted)
	}
	// DB: torn down before setup (cleaning up any earlier run), set up,
	// torn down after, on every node; clients set up and torn down per node.
	if d.Count("setup") != 3 || d.Count("teardown") != 6 {
		t.Fatalf("db steps %v: want 3 setups and 6 teardowns", d.Steps)
	}
	if kv.SetupCalls.Load() != 3 || kv.TeardownCalls.Load() != 3 || kv.Opened.Load() != kv.Closed.Load() {
		t.Fatalf("client setup %d teardown %d opened %d closed %d", kv.SetupCalls.Load(), kv.TeardownCalls.Load(), kv.Opened.Load(), kv.Closed.Load())
	}
	if *healed != 1 {
		t.Fatalf("nemesis healed %d times, want 1", *healed)
	}
	for _, f := range []string{runstore.StreamFile, runstore.HistoryEDNFile, runstore.HistoryTxtFile, runstore.ResultsFile, runstore.ResultsEDNFile, runstore.ConfigFile, runstore.LogFile, "n1/kv.log", "n3/kv.log", "timeline.html"} {
		if st, err := os.Stat(filepath.Join(out.Dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty in the run folder: %v", f, err)
		}
	}
	cfg, _ := os.ReadFile(filepath.Join(out.Dir, runstore.ConfigFile))
	if bytes.Contains(cfg, []byte("hunter2")) {
		t.Error("config.json holds the password")
	}
	l, err := runstore.Load(filepath.Join(test.Store.Root, "latest"))
	if err != nil {
		t.Fatal(err)
	}
	if l.History.Len() != out.History.Len() || l.Results == nil || l.Results.Valid != checker.Valid {
		t.Fatalf("stored run has %d ops and results %v; the run had %d ops", l.History.Len(), l.Results, out.History.Len())
	}
	if _, err := os.Lstat(filepath.Join(test.Store.Root, "current")); !os.IsNotExist(err) {
		t.Fatal("store/current left behind after the run")
	}
	log := test.Output.(*bytes.Buffer).String()
	for _, want := range []string{"db setup done", "run phase ended", "nemesis healing", "analysis done", "valid=true"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

// RunProcs 1 runs the run phase on one processor and gives the process its
// own setting back afterwards; zero (a program that embeds the runner and
// did not opt in) leaves the setting alone.
func TestRunPhaseCapsGOMAXPROCSOnlyWhenAskedAndRestoresIt(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	if before < 2 {
		t.Skip("GOMAXPROCS is 1 already: a cap would not show")
	}
	for _, c := range []struct {
		runProcs int
		want     int
	}{{1, 1}, {0, before}} {
		test, _, _, _ := kvTest(t, 0)
		test.RunProcs = c.runProcs
		if _, err := Run(context.Background(), test); err != nil {
			t.Fatal(err)
		}
		log := test.Output.(*bytes.Buffer).String()
		if want := fmt.Sprintf("gomaxprocs=%d", c.want); !strings.Contains(log, want) {
			t.Errorf("RunProcs %d: the run-phase log line lacks %s:\n%s", c.runProcs, want, log)
		}
		if got := runtime.GOMAXPROCS(0); got != before {
			t.Fatalf("RunProcs %d: GOMAXPROCS is %d after the run, was %d before", c.runProcs, got, before)
		}
	}
}

// The test's fault table (a suite's own families, combined's bands of the
// faults asked for) shades the run's plots and timeline, on the run and on
// a re-analysis; without one, the default table leaves the fake's slow
// nemesis an unknown family.
func TestTheTestsFaultTableReachesTheTimeline(t *testing.T) {
	slow := faultband.Family{Name: "slow replicas", Start: []string{"start-slow"}, Stop: []string{"stop-slow"}, Colour: color.RGBA{R: 1, G: 2, B: 3, A: 0xff}}
	legend := `["slow replicas","#010203"]`
	timeline := func(dir string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, "timeline.html"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, faults := range []faultband.Table{nil, faultband.Default().With(slow)} {
		test, _, _, _ := kvTest(t, 0)
		test.Faults = faults
		out, err := Run(context.Background(), test)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(timeline(out.Dir), legend); got != (faults != nil) {
			t.Errorf("fault table %v: the timeline's legend has %s: %v", faults != nil, legend, got)
		}
		if faults == nil {
			continue
		}
		if err := os.Remove(filepath.Join(out.Dir, "timeline.html")); err != nil {
			t.Fatal(err)
		}
		if _, err := Analyze(context.Background(), test, out.Dir, out.History); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(timeline(out.Dir), legend) {
			t.Errorf("after analyze, the timeline's legend lacks %s", legend)
		}
	}
}

func TestRunFindsStaleReadsWithACounterexample(t *testing.T) {
	test, _, _, _ := kvTest(t, 2)
	out, err := Run(context.Background(), test)
	if err != nil {
		t.Fatal(err)
	}
	if out.Result.Valid != checker.Invalid {
		t.Fatalf("stale KV judged %v", out.Result.Valid)
	}
	d, ok := out.Result.Details.(*linear.Details)
	if !ok || d.Counterexample == nil || len(d.Counterexample.Blocked) == 0 {
		t.Fatalf("invalid without a counterexample: %#v", out.Result.Details)
	}
	if b := d.Counterexample.Blocked[0]; b.F != "read" {
		t.Fatalf("blocked op %v: want the stale read", b)
	}
	for _, f := range []string{"linear.txt", "linear.html"} {
		if st, err := os.Stat(filepath.Join(out.Dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("the counterexample's %s is missing from the run folder: %v", f, err)
		}
	}
	res, _ := os.ReadFile(filepath.Join(out.Dir, runstore.ResultsEDNFile))
	if !bytes.Contains(res, []byte(":valid? false")) || !bytes.Contains(res, []byte(":counterexample")) {
		t.Fatalf("results.edn: %s", res)
	}
}

func TestRunRefusesAnIncompleteTestBeforeTouchingAnything(t *testing.T) {
	_, err := Run(context.Background(), &Test{Name: "x", Concurrency: 1})
	if err == nil || !strings.Contains(err.Error(), "missing Nodes, Remote, Client, Generator, Checker, Store") {
		t.Fatalf("got %v", err)
	}
}

// failingDB fails setup on one node.
type failingDB struct{ fakekv.DB }

func (f *failingDB) Setup(ctx context.Context, n dbNode) error {
	if n.Name == "n2" {
		return errSetup
	}
	// n1 and n3 wait at the barrier, which n2's failure must break.
	return n.Sync(ctx)
}

func TestSetupFailureNamesTheNodeBreaksTheBarrierAndStillTearsDown(t *testing.T) {
	test, _, _, _ := kvTest(t, 0)
	fdb := &failingDB{}
	test.DB = fdb
	done := make(chan struct{})
	var err error
	go func() {
		defer close(done)
		_, err = Run(context.Background(), test)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("setup failure on n2 left the other nodes waiting at the barrier")
	}
	if err == nil || !strings.Contains(err.Error(), "n2: disk full") {
		t.Fatalf("got %v, want the failing node and its error", err)
	}
	if fdb.Count("teardown") != 6 {
		t.Fatalf("db teardowns %v: want 3 before setup and 3 after the failure", fdb.Steps)
	}
}

type dbNode = db.Node

var errSetup = errors.New("disk full")

// slowDB blocks in setup until the run is interrupted.
type slowDB struct{ fakekv.DB }

func (d *slowDB) Setup(ctx context.Context, n dbNode) error {
	<-ctx.Done()
	return ctx.Err()
}

func TestAnInterruptDuringSetupTearsDownAndIsNotACrash(t *testing.T) {
	test, _, _, _ := kvTest(t, 0)
	d := &slowDB{}
	test.DB = d
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	out, err := Run(ctx, test)
	if err != nil || !out.Interrupted || out.Result.Valid != checker.Unknown {
		t.Fatalf("got %v, interrupted %v, verdict %v; want an interrupted run with no error", err, out.Interrupted, out.Result.Valid)
	}
	if d.Count("teardown") != 6 {
		t.Fatalf("db steps %v: want the teardown before setup and the one after the interrupt on every node", d.Steps)
	}
}
