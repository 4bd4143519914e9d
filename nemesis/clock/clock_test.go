package clock_test

import (
	"context"
	"errors"
	"math"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/control/node"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/localcluster/clustertest"
	"github.com/faultline/faultline/nemesis/clock"
	"github.com/faultline/faultline/nemesis/internal/nemtest"
)

var env *clustertest.Env

func TestMain(m *testing.M) { nemtest.Main(m, 3, &env) }

func TestSharedClockIsRefusedAtSetup(t *testing.T) {
	_, e := nemtest.Env(t, env, nil)
	_, err := clock.Nemesis{Helper: "/nonexistent"}.Setup(context.Background(), e)
	if !errors.Is(err, clock.ErrSharedClock) {
		t.Fatalf("clock faults on the local cluster: %v; want ErrSharedClock", err)
	}
	for _, want := range []string{"n1, n2, n3, the control node share boot_id", "one kernel"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestCheckOffsetsOnASharedClockAreNearZero(t *testing.T) {
	_, e := nemtest.Env(t, env, nil)
	checkOnly := clock.Nemesis{CheckOnly: true}
	if got := checkOnly.Fs(); !slices.Equal(got, []string{clock.Check}) {
		t.Fatalf("CheckOnly handles %v", got)
	}
	n := nemtest.Setup(t, checkOnly, e)
	done := nemtest.Invoke(t, n, clock.Check, nil)
	m := done.Value.(history.Map)
	if len(m) != 3 {
		t.Fatalf("offsets %s: want one per node", history.FormatEDN(done.Value))
	}
	for i, entry := range m {
		secs := entry.Value.(float64)
		// The estimate is off by up to half an SSH round trip, which a
		// loaded machine can stretch; a moved clock would be off by far more.
		if entry.Key != e.Nodes[i].Name || math.Abs(secs) > 2 {
			t.Errorf("offset of %v is %v s; nodes sharing the control's clock must be within 2 s", entry.Key, secs)
		}
	}
	if bad := nemtest.Call(n, clock.Bump, nil); bad.Error == nil {
		t.Error("a CheckOnly nemesis performed bump-clock")
	}
}

func TestHelperBuildsStaticAndReadsTheClock(t *testing.T) {
	dir := t.TempDir()
	bin, err := clock.BuildHelper(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if out, _ := exec.Command("file", bin).CombinedOutput(); len(out) > 0 && !strings.Contains(string(out), "statically linked") && !strings.Contains(string(out), "No such") {
		t.Errorf("helper is not static: %s", out)
	}
	before := time.Now().UnixNano()
	out, err := exec.Command(bin, "now").Output()
	after := time.Now().UnixNano()
	if err != nil {
		t.Fatal(err)
	}
	ns, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil || ns < before-int64(time.Second) || ns > after+int64(time.Second) {
		t.Fatalf("helper now = %q, want within a second of %d..%d", out, before, after)
	}
	for args, want := range map[string]string{
		"bump x":       `argument 1 "x": expected an integer`,
		"strobe 1 0 5": "expected a positive period",
		"spin":         `"spin" with 0 arguments`,
	} {
		out, err := exec.Command(bin, strings.Fields(args)...).CombinedOutput()
		if err == nil || !strings.Contains(string(out), want) {
			t.Errorf("helper %s: %v %s; want it to fail saying %q", args, err, out, want)
		}
	}
}

func TestFakeTimeWrapsTheDaemon(t *testing.T) {
	d := node.Daemon{Bin: "/usr/bin/mydb", Env: []string{"A=1"}, PidFile: "p", LogFile: "l"}
	got := clock.FakeTime(d, -90*time.Second, "")
	want := []string{"A=1", "LD_PRELOAD=" + clock.FakeTimeLib, "FAKETIME=-90.000", "FAKETIME_DONT_FAKE_MONOTONIC=1"}
	if !slices.Equal(got.Env, want) {
		t.Fatalf("env %v, want %v", got.Env, want)
	}
	if len(d.Env) != 1 {
		t.Fatalf("FakeTime changed the original daemon's env: %v", d.Env)
	}
	if got := clock.FakeTime(d, 1500*time.Millisecond, "/x.so").Env; got[1] != "LD_PRELOAD=/x.so" || got[2] != "FAKETIME=+1.500" {
		t.Fatalf("env %v", got)
	}
}
