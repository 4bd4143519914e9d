package elle

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/elle/consistency"
	"github.com/faultline/faultline/checker/elle/txnsim"
	"github.com/faultline/faultline/history"
)

func simulate(t testing.TB, c txnsim.Config) *history.History {
	t.Helper()
	h, err := txnsim.Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func analyzerFor(w txnsim.Workload) func(context.Context, *history.History, Options) (checker.Validity, *Report, error) {
	if w == txnsim.RWRegister {
		return AnalyzeRWRegister
	}
	return AnalyzeListAppend
}

// registerOptions are the version-order inferences that hold for the
// simulator's registers under every behaviour: keys start nil, and a
// transaction's write follows what it read.
var registerOptions = Options{InitialNil: true, WritesFollowReads: true}

func runSim(t *testing.T, c txnsim.Config, models ...string) (checker.Validity, *Report) {
	t.Helper()
	return checkSimulated(t, c.Workload, simulate(t, c), models...)
}

// checkSimulated checks a simulated history of workload w against models
// (default strict-serializable), with the register inferences the
// simulator satisfies; any error fails the test.
func checkSimulated(t *testing.T, w txnsim.Workload, h *history.History, models ...string) (checker.Validity, *Report) {
	t.Helper()
	o := Options{}
	if w == txnsim.RWRegister {
		o = registerOptions
	}
	o.ConsistencyModels = models
	v, rep, err := analyzerFor(w)(context.Background(), h, o)
	if err != nil {
		t.Fatalf("%s: %v", w, err)
	}
	return v, rep
}

func hasAny(types []string, pred func(string) bool) bool { return slices.ContainsFunc(types, pred) }

func isG1(a string) bool {
	return a == consistency.G1a || a == consistency.G1b || strings.HasPrefix(a, consistency.G1c) || strings.HasPrefix(a, consistency.G0)
}

func TestSimulatedBehaviours(t *testing.T) {
	// 3000 transactions are enough for every behaviour to show its
	// anomalies on these seeds (write skew needs a few thousand on registers,
	// where snapshot isolation aborts many writers).
	const n = 3000
	for _, w := range []txnsim.Workload{txnsim.ListAppend, txnsim.RWRegister} {
		for seed := uint64(1); seed <= 3; seed++ {
			base := txnsim.Config{Seed: seed, Txns: n, Workload: w, Processes: 10, ActiveKeys: 5}
			name := string(w) + "/"
			t.Run(name+"strict-serializable", func(t *testing.T) {
				c := base
				c.Behaviour = txnsim.StrictSerializable
				c.InfoFraction = 0.02
				v, rep := runSim(t, c, "strict-serializable")
				if v != checker.Valid || len(rep.AnomalyTypes) != 0 {
					t.Fatalf("valid = %v, anomalies %v\n%s", v, rep.AnomalyTypes, dump(rep))
				}
			})
			t.Run(name+"serializable", func(t *testing.T) {
				c := base
				c.Behaviour = txnsim.Serializable
				v, rep := runSim(t, c, "serializable")
				if v != checker.Valid {
					t.Fatalf("serializable history invalid under serializable: %v\n%s", rep.AnomalyTypes, dump(rep))
				}
				v, rep = runSim(t, c, "strict-serializable")
				if v != checker.Invalid {
					t.Fatalf("a serial order that ignores real time should be caught under strict-serializable; got %v", v)
				}
				for _, a := range rep.AnomalyTypes {
					if !strings.HasSuffix(a, "-process") && !strings.HasSuffix(a, "-realtime") {
						t.Errorf("%s: a serializable history can only break process or realtime order", a)
					}
				}
			})
			t.Run(name+"serializable-with-no-lag-is-strict", func(t *testing.T) {
				c := base
				c.Behaviour = txnsim.Serializable
				c.Lag = 1 // serialized at invocation: within the interval
				if v, rep := runSim(t, c, "strict-serializable"); v != checker.Valid {
					t.Fatalf("got %v: %v", v, rep.AnomalyTypes)
				}
			})
			t.Run(name+"snapshot-isolation", func(t *testing.T) {
				c := base
				c.Behaviour = txnsim.SnapshotIsolation
				v, rep := runSim(t, c, "snapshot-isolation")
				if v != checker.Valid {
					t.Fatalf("SI history invalid under snapshot-isolation: %v\n%s", rep.AnomalyTypes, dump(rep))
				}
				if hasAny(rep.AnomalyTypes, func(a string) bool { return strings.HasPrefix(a, "G-single") || isG1(a) }) {
					t.Fatalf("SI must never show G-single or G1: %v", rep.AnomalyTypes)
				}
				if !hasAny(rep.AnomalyTypes, func(a string) bool {
					return strings.HasPrefix(a, consistency.G2Item) || strings.HasPrefix(a, consistency.GNonadjacentItem)
				}) {
					t.Errorf("expected write skew (G2-item) in an SI history of %d txns, found %v", n, rep.AnomalyTypes)
				}
			})
			t.Run(name+"read-committed", func(t *testing.T) {
				c := base
				c.Behaviour = txnsim.ReadCommitted
				v, rep := runSim(t, c, "read-committed")
				if v != checker.Valid {
					t.Fatalf("RC history invalid under read-committed: %v\n%s", rep.AnomalyTypes, dump(rep))
				}
				if hasAny(rep.AnomalyTypes, isG1) {
					t.Fatalf("read committed must never show G1: %v", rep.AnomalyTypes)
				}
				if !hasAny(rep.AnomalyTypes, func(a string) bool { return strings.HasPrefix(a, "G-single") || strings.HasPrefix(a, "G2") }) {
					t.Errorf("expected G-single or G2 in an RC history, found %v", rep.AnomalyTypes)
				}
			})
			t.Run(name+"prefix-consistent", func(t *testing.T) {
				c := base
				c.Behaviour = txnsim.PrefixConsistent
				v, rep := runSim(t, c, "read-committed")
				if v != checker.Valid || hasAny(rep.AnomalyTypes, isG1) {
					t.Fatalf("prefix-consistent history shows G1: %v\n%s", rep.AnomalyTypes, dump(rep))
				}
				if v, _ := runSim(t, c, "serializable"); v != checker.Invalid {
					t.Errorf("stale prefixes should break serializability")
				}
			})
			t.Run(name+"lost-update", func(t *testing.T) {
				c := base
				c.Behaviour = txnsim.LostUpdate
				v, rep := runSim(t, c, "read-committed")
				if v != checker.Valid {
					t.Fatalf("invalid under read-committed: %v\n%s", rep.AnomalyTypes, dump(rep))
				}
				if !slices.Contains(rep.AnomalyTypes, consistency.LostUpdate) {
					t.Fatalf("expected lost-update, found %v", rep.AnomalyTypes)
				}
				if v, _ := runSim(t, c, "snapshot-isolation"); v != checker.Invalid {
					t.Errorf("lost updates must rule out snapshot isolation")
				}
			})
			t.Run(name+"aborted-reads", func(t *testing.T) {
				c := base
				c.Behaviour = txnsim.AbortedReads
				_, rep := runSim(t, c, "read-uncommitted")
				if !slices.Contains(rep.AnomalyTypes, consistency.G1a) {
					t.Fatalf("expected G1a, found %v", rep.AnomalyTypes)
				}
				for _, a := range rep.AnomalyTypes {
					if a != consistency.G1a && a != consistency.DirtyUpdate {
						t.Errorf("aborted reads on a serial database should show only G1a and dirty-update, found %s\n%s", a, dump(rep))
					}
				}
				if !slices.Contains(rep.Not, "read-committed") {
					t.Errorf("aborted reads must rule out read-committed: not %v", rep.Not)
				}
			})
		}
	}
}

// TestSerializableBreaksStrictOnlyWithRealtime checks the checker against
// the simulator's own knowledge: a serializable history is invalid under
// strict-serializable exactly when its serial order contradicts real time
// in a way the reads reveal; never when the order respects real time.
func TestSerializableBreaksStrictOnlyWithRealtime(t *testing.T) {
	violated, caught := 0, 0
	for seed := uint64(1); seed <= 40; seed++ {
		for _, w := range []txnsim.Workload{txnsim.ListAppend, txnsim.RWRegister} {
			c := txnsim.Config{Seed: seed, Txns: 200, Processes: 5, ActiveKeys: 3, Workload: w, Behaviour: txnsim.Serializable, Latency: 1000, Lag: []int64{2, 10, 50, 1000}[seed%4]}
			h, labels, err := txnsim.GenerateLabelled(c)
			if err != nil {
				t.Fatal(err)
			}
			v, rep := checkSimulated(t, w, h)
			if labels.RealtimeViolated {
				violated++
			}
			if v == checker.Invalid {
				caught++
				if !labels.RealtimeViolated {
					t.Errorf("seed %d %s: invalid (%v) although the serial order respects real time\n%s", seed, w, rep.AnomalyTypes, dump(rep))
				}
			}
		}
	}
	if violated == 0 || caught == 0 {
		t.Fatalf("%d histories violated real time and %d were caught: the sweep should contain both kinds", violated, caught)
	}
	t.Logf("%d of 80 histories violated real time; %d of those were caught", violated, caught)
}
