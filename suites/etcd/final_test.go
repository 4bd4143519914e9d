package etcd

import (
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/suite"
	"github.com/faultline/faultline/workload/txn"
)

// The append and wr tests' schedule, simulated (no cluster): the main
// phase, then the faults healed, the recovery wait, and final reads of every
// key on every client thread.
func TestTxnWorkloadsHealThenWaitThenReadEveryKeyOnEveryThread(t *testing.T) {
	cases := []struct {
		workload, nemesis string
		wait              time.Duration // expected between the last nemesis op and the final reads
	}{
		{"append", "kill", 3 * time.Second},
		{"wr", "partition,pause", 3 * time.Second},
		{"append", "", 0},
	}
	for _, c := range cases {
		t.Run(c.workload+"-"+c.nemesis, func(t *testing.T) {
			o := suite.Options{Concurrency: 10, Nodes: []string{"n1", "n2", "n3", "n4", "n5"}, Seed: 1,
				Flags: map[string]string{flagRecoveryTime: "3"}}
			if c.nemesis != "" {
				o.Nemesis = strings.Split(c.nemesis, ",")
			}
			var w suite.Workload
			for _, x := range Suite().Workloads {
				if x.Name == c.workload {
					w = x
				}
			}
			test, err := w.Test(o)
			if err != nil {
				t.Fatal(err)
			}
			if test.FinalGenerator == nil {
				t.Fatal("no final generator")
			}
			sim, err := generator.Simulate(generator.Phases(generator.Limit(300, test.Generator), test.FinalGenerator),
				generator.Sim{Concurrency: 10, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			written := map[int64]bool{}
			readBy := map[int]map[int64]bool{}
			var lastMain, lastNemesis, firstFinal int64 = 0, -1, -1
			for _, op := range sim.History {
				switch {
				case op.IsNemesis():
					lastNemesis = op.Time
				case op.Type != history.Invoke:
				case isFinalOp(op):
					if firstFinal < 0 {
						firstFinal = op.Time
					}
					if readBy[op.Process%10] == nil {
						readBy[op.Process%10] = map[int64]bool{}
					}
					for _, m := range op.Value.([]any) {
						readBy[op.Process%10][m.([]any)[1].(int64)] = true
					}
				default:
					if firstFinal >= 0 {
						t.Fatalf("op %d of the main phase after the final reads began", op.Index)
					}
					lastMain = op.Time
					for _, m := range op.Value.([]any) {
						if mm := m.([]any); mm[0] != txn.Read {
							written[mm[1].(int64)] = true
						}
					}
				}
			}
			if c.nemesis != "" && lastNemesis < lastMain {
				t.Fatalf("no nemesis op (the heal) after the main phase ended at %v", time.Duration(lastMain))
			}
			if gap := time.Duration(firstFinal - max(lastMain, lastNemesis)); gap < c.wait || gap > c.wait+time.Second {
				t.Fatalf("final reads began %v after the main phase and the heal, expected the recovery wait %v", gap, c.wait)
			}
			for thread := range 10 {
				if len(readBy[thread]) != len(written) {
					t.Fatalf("thread %d read %d of the %d written keys at the end", thread, len(readBy[thread]), len(written))
				}
			}
		})
	}
}

func isFinalOp(op history.Op) bool {
	v, ok := op.Get(txn.FinalField)
	return ok && v == true
}

func TestRecoveryTimeTakesSecondsDurationsAndZero(t *testing.T) {
	for in, want := range map[string]time.Duration{"0": 0, "0s": 0, "2": 2 * time.Second, "500ms": 500 * time.Millisecond, "1.5": 1500 * time.Millisecond} {
		if got, err := parseWait(in); err != nil || got != want {
			t.Errorf("parseWait(%q) = %v, %v; expected %v", in, got, err, want)
		}
	}
	for _, in := range []string{"-1", "soon", "-2s"} {
		if _, err := parseWait(in); err == nil {
			t.Errorf("parseWait(%q): no error, expected one", in)
		}
	}
}
