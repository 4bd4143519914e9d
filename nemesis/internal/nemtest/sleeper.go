package nemtest

import (
	"context"
	"testing"
	"time"

	"github.com/faultline/faultline/control/node"
	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/nemesis"
)

// Sleeper is a tiny DB for process faults: one long-running sleep per node
// under a pid file in the node's private /run, killed and started, paused
// and resumed with signals (db.Killer and db.Pauser).
type Sleeper struct{}

// SleeperPidFile is where each node keeps its sleeper's PID.
const SleeperPidFile = "/run/faultline-nemtest/sleeper.pid"

func (Sleeper) Setup(ctx context.Context, n db.Node) error { return Sleeper{}.Start(ctx, n) }
func (Sleeper) Teardown(ctx context.Context, n db.Node) error {
	return node.Stop(ctx, n.Conn, SleeperPidFile, time.Second)
}
func (Sleeper) Kill(ctx context.Context, n db.Node) error {
	return node.KillPidFile(ctx, n.Conn, SleeperPidFile)
}
func (Sleeper) Start(ctx context.Context, n db.Node) error {
	_, err := node.Start(ctx, n.Conn, node.Daemon{Bin: "sleep", Args: []string{"3600"}, PidFile: SleeperPidFile, LogFile: "/run/faultline-nemtest/sleeper.log"})
	return err
}
func (Sleeper) Pause(ctx context.Context, n db.Node) error {
	return node.SignalPidFile(ctx, n.Conn, SleeperPidFile, "STOP")
}
func (Sleeper) Resume(ctx context.Context, n db.Node) error {
	return node.SignalPidFile(ctx, n.Conn, SleeperPidFile, "CONT")
}

// SleeperStates returns each node's sleeper as "pid:state" (state from
// /proc: S sleeping, T stopped), or "dead".
func SleeperStates(t testing.TB, e nemesis.Env) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, n := range e.Nodes {
		s, err := node.Shell(context.Background(), n.Conn, `pid=$(cat "$1" 2>/dev/null) && [ -r /proc/$pid/stat ] || { echo dead; exit 0; }
echo "$pid:$(awk '{print $3}' /proc/$pid/stat)"`, SleeperPidFile)
		if err != nil {
			t.Fatal(err)
		}
		out[n.Name] = s
	}
	return out
}

// StopSleepers stops (resuming first) every node's sleeper when the test ends.
func StopSleepers(t testing.TB, e nemesis.Env) {
	t.Cleanup(func() {
		for _, n := range e.Nodes {
			Sleeper{}.Resume(context.Background(), n)
			Sleeper{}.Teardown(context.Background(), n)
		}
	})
}
