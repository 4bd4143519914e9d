package process_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/control/node"
	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/localcluster/clustertest"
	"github.com/faultline/faultline/nemesis"
	"github.com/faultline/faultline/nemesis/internal/nemtest"
	"github.com/faultline/faultline/nemesis/process"
	"github.com/faultline/faultline/nemesis/target"
)

var env *clustertest.Env

func TestMain(m *testing.M) { nemtest.Main(m, 3, &env) }

// sleeper is a tiny DB: one long-running sleep per node under a pid file,
// killed and started, paused and resumed with signals.
type sleeper struct{}

const pidFile = "/run/faultline-nemtest/sleeper.pid"

func (sleeper) Setup(ctx context.Context, n db.Node) error { return sleeper{}.Start(ctx, n) }
func (sleeper) Teardown(ctx context.Context, n db.Node) error {
	return node.Stop(ctx, n.Conn, pidFile, time.Second)
}
func (sleeper) Kill(ctx context.Context, n db.Node) error {
	return node.KillPidFile(ctx, n.Conn, pidFile)
}
func (sleeper) Start(ctx context.Context, n db.Node) error {
	_, err := node.Start(ctx, n.Conn, node.Daemon{Bin: "sleep", Args: []string{"3600"}, PidFile: pidFile, LogFile: "/run/faultline-nemtest/sleeper.log"})
	return err
}
func (sleeper) Pause(ctx context.Context, n db.Node) error {
	return node.SignalPidFile(ctx, n.Conn, pidFile, "STOP")
}
func (sleeper) Resume(ctx context.Context, n db.Node) error {
	return node.SignalPidFile(ctx, n.Conn, pidFile, "CONT")
}

// state is each node's sleeper as "pid:state" (state from /proc: S
// sleeping, T stopped), or "dead".
func state(t *testing.T, e nemesis.Env) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, n := range e.Nodes {
		s, err := node.Shell(context.Background(), n.Conn, `pid=$(cat "$1" 2>/dev/null) && [ -r /proc/$pid/stat ] || { echo dead; exit 0; }
echo "$pid:$(awk '{print $3}' /proc/$pid/stat)"`, pidFile)
		if err != nil {
			t.Fatal(err)
		}
		out[n.Name] = s
	}
	return out
}

func setup(t *testing.T) nemesis.Env {
	_, e := nemtest.Env(t, env, sleeper{})
	for _, n := range e.Nodes {
		if err := (sleeper{}).Setup(context.Background(), n); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, n := range e.Nodes {
			(sleeper{}).Resume(context.Background(), n)
			(sleeper{}).Teardown(context.Background(), n)
		}
	})
	return e
}

// onlyChanged checks that exactly the nodes in changed differ between two
// states, and that those now look like want says.
func onlyChanged(t *testing.T, what string, before, after map[string]string, changed string, want func(string) bool) {
	t.Helper()
	for n, b := range before {
		a := after[n]
		if n == changed {
			if a == b || !want(a) {
				t.Errorf("%s: %s went from %s to %s", what, n, b, a)
			}
		} else if a != b {
			t.Errorf("%s touched %s (not targeted): %s -> %s", what, n, b, a)
		}
	}
}

func TestKillAndStartTouchOnlyTheTarget(t *testing.T) {
	e := setup(t)
	n := nemtest.Setup(t, process.Kill{}, e)
	before := state(t, e)
	done := nemtest.Invoke(t, n, process.KillF, "n2")
	if got := history.FormatEDN(done.Value); got != `{:nodes ["n2"]}` {
		t.Fatalf("kill n2 completed with %s", got)
	}
	killed := state(t, e)
	onlyChanged(t, "kill n2", before, killed, "n2", func(s string) bool { return s == "dead" })
	nemtest.Invoke(t, n, process.StartF, nil)
	started := state(t, e)
	onlyChanged(t, "start", killed, started, "n2", func(s string) bool { return strings.HasSuffix(s, ":S") })
}

func TestPauseResumeAndTeardownResumes(t *testing.T) {
	e := setup(t)
	n, err := process.Pause{Targets: target.MustParse("n3")}.Setup(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	before := state(t, e)
	nemtest.Invoke(t, n, process.PauseF, nil)
	paused := state(t, e)
	onlyChanged(t, "pause n3", before, paused, "n3", func(s string) bool { return strings.HasSuffix(s, ":T") })
	nemtest.Invoke(t, n, process.ResumeF, nil)
	if got := state(t, e); got["n3"] != before["n3"] {
		t.Fatalf("resume: n3 is %s, want %s", got["n3"], before["n3"])
	}
	// Pause again and "interrupt": teardown alone must resume it.
	nemtest.Invoke(t, n, process.PauseF, "n1+n3")
	if got := state(t, e); !strings.HasSuffix(got["n1"], ":T") || !strings.HasSuffix(got["n3"], ":T") {
		t.Fatalf("pause n1+n3: %v", got)
	}
	if err := n.Teardown(context.Background()); err != nil {
		t.Fatal(err)
	}
	after := state(t, e)
	for name, s := range after {
		if s != before[name] {
			t.Errorf("after teardown %s is %s, want %s (running, same process)", name, s, before[name])
		}
	}
}

func TestMissingCapabilitiesAreNamed(t *testing.T) {
	_, e := nemtest.Env(t, env, db.Noop{})
	if _, err := (process.Kill{}).Setup(context.Background(), e); err == nil || !strings.Contains(err.Error(), "db.Killer") {
		t.Errorf("kill on a DB without Kill: %v", err)
	}
	if _, err := (process.Pause{}).Setup(context.Background(), e); err == nil || !strings.Contains(err.Error(), "db.Pauser") {
		t.Errorf("pause on a DB without Pause: %v", err)
	}
}
