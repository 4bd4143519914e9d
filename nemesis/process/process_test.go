package process_test

import (
	"context"
	"strings"
	"testing"

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

func setup(t *testing.T) nemesis.Env {
	_, e := nemtest.Env(t, env, nemtest.Sleeper{})
	nemtest.StopSleepers(t, e)
	for _, n := range e.Nodes {
		if err := (nemtest.Sleeper{}).Setup(context.Background(), n); err != nil {
			t.Fatal(err)
		}
	}
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
	before := nemtest.SleeperStates(t, e)
	done := nemtest.Invoke(t, n, process.KillF, "n2")
	if got := history.FormatEDN(done.Value); got != `{:nodes ["n2"]}` {
		t.Fatalf("kill n2 completed with %s", got)
	}
	killed := nemtest.SleeperStates(t, e)
	onlyChanged(t, "kill n2", before, killed, "n2", func(s string) bool { return s == "dead" })
	nemtest.Invoke(t, n, process.StartF, nil)
	started := nemtest.SleeperStates(t, e)
	onlyChanged(t, "start", killed, started, "n2", func(s string) bool { return strings.HasSuffix(s, ":S") })
}

func TestPauseResumeAndTeardownResumes(t *testing.T) {
	e := setup(t)
	n, err := process.Pause{Targets: target.MustParse("n3")}.Setup(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	before := nemtest.SleeperStates(t, e)
	nemtest.Invoke(t, n, process.PauseF, nil)
	paused := nemtest.SleeperStates(t, e)
	onlyChanged(t, "pause n3", before, paused, "n3", func(s string) bool { return strings.HasSuffix(s, ":T") })
	nemtest.Invoke(t, n, process.ResumeF, nil)
	if got := nemtest.SleeperStates(t, e); got["n3"] != before["n3"] {
		t.Fatalf("resume: n3 is %s, want %s", got["n3"], before["n3"])
	}
	// Pause again and "interrupt": teardown alone must resume it.
	nemtest.Invoke(t, n, process.PauseF, "n1+n3")
	if got := nemtest.SleeperStates(t, e); !strings.HasSuffix(got["n1"], ":T") || !strings.HasSuffix(got["n3"], ":T") {
		t.Fatalf("pause n1+n3: %v", got)
	}
	if err := n.Teardown(context.Background()); err != nil {
		t.Fatal(err)
	}
	after := nemtest.SleeperStates(t, e)
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
