package etcd_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/independent"
	"github.com/faultline/faultline/checker/linear"
	"github.com/faultline/faultline/cli"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/store"
	"github.com/faultline/faultline/workload/register"
)

// The schedule that makes serializable reads visibly stale: after 4 s
// healed, the current leader is cut off from all other nodes (grudge
// "primaries") for 4 s, then healed again. Each key is shared by ten threads, two per node, so while the old
// leader is isolated its two threads keep reading the key locally
// (serializable reads need no quorum) while the eight threads on the
// majority side write and cas it through the new leader. The first read on
// the isolated node after a majority write has completed returns the old
// value: not linearizable.

func TestSerializableReadsFromAnIsolatedLeaderAreCaughtAsStale(t *testing.T) {
	code, out, l := run(t, "test", "--workload", "register", "--serializable-reads", "--nemesis", "partition-leader",
		"--nemesis-interval", "4", "--time-limit", "12", "--op-timeout", "500ms", "--concurrency", "2n", "--seed", "3")
	if code != cli.ExitInvalid || !strings.Contains(out, ": INVALID (etcd-register-partition-leader, ") {
		t.Fatalf("exit %d, expected invalid: %s", code, out)
	}
	stale, err := staleReadDuringPartition(l)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("counterexample: %s", stale)
}

func TestLinearizableReadsUnderLeaderPartitionsAreValid(t *testing.T) {
	code, out, l := run(t, "test", "--workload", "register", "--nemesis", "partition-leader",
		"--nemesis-interval", "4", "--time-limit", "10", "--op-timeout", "500ms", "--concurrency", "2n", "--seed", "3")
	if code != cli.ExitValid || !strings.Contains(out, ": valid (etcd-register-partition-leader, ") {
		t.Fatalf("exit %d, expected valid: %s", code, out)
	}
	if ws := partitionWindows(l); len(ws) == 0 {
		t.Fatal("no leader partition took effect")
	}
}

// window is a span of time in which node was cut off from every other node.
type window struct {
	from, to int64
	isolated string
}

// partitionWindows reads the leader partitions from the nemesis ops: each
// from the start-partition's completion to the next stop-partition's
// invocation (or the end of the history).
func partitionWindows(l *store.Loaded) []window {
	var out []window
	open := -1
	for _, op := range l.History.Ops {
		switch {
		case !op.IsNemesis():
		case op.F == "start-partition" && op.Type == history.Info:
			v, _ := op.Value.(history.Map)
			g, _ := v.Get(history.Keyword("grudge"))
			m, _ := g.(history.Map)
			for _, e := range m {
				if froms, _ := history.AsSlice(e.Value); len(froms) == 4 {
					name, _ := history.AsString(e.Key)
					out = append(out, window{from: op.Time, to: 1 << 62, isolated: name})
					open = len(out) - 1
				}
			}
		case op.F == "stop-partition" && op.Type == history.Invoke && open >= 0:
			out[open].to = op.Time
			open = -1
		}
	}
	return out
}

// staleReadDuringPartition re-checks the history and finds a key whose
// counterexample is a read, performed on the isolated node while it was
// cut off, that returned a value the register could not hold then.
func staleReadDuringPartition(l *store.Loaded) (string, error) {
	windows := partitionWindows(l)
	if len(windows) == 0 {
		return "", fmt.Errorf("no leader partition took effect")
	}
	nodes, _ := history.AsSlice(l.Config["nodes"])
	concurrency, _ := history.AsInt(l.Config["concurrency"])
	if len(nodes) == 0 || concurrency == 0 {
		return "", fmt.Errorf("config.json lacks nodes or concurrency: %v", l.Config)
	}
	nodeOf := func(process int) string {
		s, _ := history.AsString(nodes[(process%int(concurrency))%len(nodes)])
		return s
	}
	res := register.Checker().Check(context.Background(), l.History)
	d, ok := res.Details.(*independent.Details)
	if res.Valid != checker.Invalid || !ok {
		return "", fmt.Errorf("re-check: %v %s, expected invalid keys", res.Valid, res.Summary)
	}
	var seen []string
	for _, k := range d.Keys {
		ld, ok := k.Result.Details.(*linear.Details)
		if k.Result.Valid != checker.Invalid || !ok || ld.Counterexample == nil {
			continue
		}
		ce := ld.Counterexample
		for _, b := range ce.Blocked {
			seen = append(seen, b.String()+" on "+nodeOf(b.Process))
			if b.F != register.Read || b.Outcome != "ok" || containsEqual(ce.States, b.Value) {
				continue
			}
			for _, w := range windows {
				if nodeOf(b.Process) == w.isolated && b.InvokeTime >= w.from && b.CompleteTime <= w.to {
					return fmt.Sprintf("key %s: %s on isolated %s read %s while the register could only hold %s",
						history.FormatEDN(k.Key), b, w.isolated, history.FormatEDN(b.Value), history.FormatEDN(ce.States)), nil
				}
			}
		}
	}
	return "", fmt.Errorf("%d invalid keys, but no counterexample is a read on an isolated leader during its partition (windows %v); blocked ops: %s",
		d.InvalidCount, windows, strings.Join(seen, "; "))
}

func containsEqual(xs []any, v any) bool {
	for _, x := range xs {
		if history.Equal(x, v) {
			return true
		}
	}
	return false
}
