package combined_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/cli"
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/nemesis/combined"
	"github.com/faultline/faultline/nemesis/internal/nemtest"
	"github.com/faultline/faultline/runner"
	"github.com/faultline/faultline/runstore"
	"github.com/faultline/faultline/suite"
)

// TestCommandLineFaults runs `test --nemesis partition,pause
// --nemesis-interval 0.3 --nemesis-targets n2` through a suite whose
// workload builds its faults with suite.NemesisPackage, on the real local
// cluster, and reads the stored history back: the faults were scheduled,
// aimed at n2, recorded with their nodes, and healed by the final phase.
func TestCommandLineFaults(t *testing.T) {
	c, e := nemtest.Env(t, env, nemtest.Sleeper{})
	nemtest.StopSleepers(t, e)
	s := suite.Suite{
		Name:   "nemtest",
		Faults: []string{combined.Partition, combined.Pause},
		Workloads: []suite.Workload{{Name: "reads", Test: func(o suite.Options) (*runner.Test, error) {
			p, err := suite.NemesisPackage(o, combined.Options{})
			if err != nil {
				return nil, err
			}
			return &runner.Test{
				DB: nemtest.Sleeper{}, Client: reader{}, Nemesis: p.Nemesis,
				Generator:      generator.Any(p.Generator, generator.Clients(generator.Stagger(50*time.Millisecond, generator.Repeat(generator.Invoke("read", nil))))),
				FinalGenerator: p.Final,
				Checker: checker.Func(func(context.Context, *history.History) checker.Result {
					return checker.Result{Valid: checker.Valid}
				}),
			}, nil
		}}},
		Local: func(context.Context, suite.Options) (suite.Cluster, error) {
			return suite.Cluster{Nodes: c.NodeNames(), Remote: c.Remote()}, nil
		},
	}
	dir := t.TempDir()
	var out, errb bytes.Buffer
	code := cli.Execute(cli.SuiteCommand(s), []string{"test", "--store", dir, "--time-limit", "3s", "--log-json",
		"--leave-db-running", "--nemesis", "partition,pause", "--nemesis-interval", "0.3", "--nemesis-targets", "n2", "--seed", "5"}, &out, &errb)
	if code != cli.ExitValid {
		t.Fatalf("exit %d: %s\n%s", code, out.String(), errb.String())
	}
	run, err := (&runstore.Store{Root: dir}).Resolve("")
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := runstore.Load(run)
	if err != nil {
		t.Fatal(err)
	}
	var fs []string
	for _, op := range loaded.History.All() {
		if !op.IsNemesis() || op.Type == history.Invoke {
			continue
		}
		fs = append(fs, op.F)
		if op.F == "pause" && history.FormatEDN(op.Value) != `{:nodes ["n2"]}` {
			t.Errorf("pause completed with %s, want it aimed at n2 only", history.FormatEDN(op.Value))
		}
		if op.Error != nil {
			t.Errorf("%s failed: %v", op.F, op.Error)
		}
	}
	all := strings.Join(fs, " ")
	for _, f := range []string{"start-partition", "stop-partition", "pause", "resume"} {
		if !strings.Contains(all, f) {
			t.Errorf("no %s in the stored history's nemesis ops: %s", f, all)
		}
	}
	// The final phase heals: the last partition and pause ops are heals.
	if !strings.HasSuffix(all, "stop-partition resume") {
		t.Errorf("nemesis ops end with %q, want the final phase's stop-partition resume", all[max(0, len(all)-40):])
	}
	for name, s := range nemtest.SleeperStates(t, e) {
		if !strings.HasSuffix(s, ":S") {
			t.Errorf("%s's sleeper is %s after the run (left running); want running, not paused (S)", name, s)
		}
	}
}
