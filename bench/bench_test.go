package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/checker"
)

// TestVerdictsAgreeOnEtcdLogs checks all 103 Jepsen etcd logs shipped with
// Porcupine with both checkers and requires identical verdicts.
func TestVerdictsAgreeOnEtcdLogs(t *testing.T) {
	cases, err := EtcdCases()
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 103 {
		t.Fatalf("found %d etcd logs, want 103", len(cases))
	}
	verdicts := map[string]int{}
	for _, c := range cases {
		r := Compare(c, 1, time.Minute)
		if !r.Agree() {
			t.Errorf("%s: faultline %s, porcupine %s", c.Name, r.FaultlineVerdict, r.PorcupineVerdict)
		}
		verdicts[r.FaultlineVerdict.String()]++
	}
	// Most of these runs caught etcd's stale reads; some are clean, and
	// one (etcd_095) is empty because the cluster never started.
	if verdicts["true"] == 0 || verdicts["false"] == 0 || verdicts["unknown"] != 0 {
		t.Fatalf("verdicts %v", verdicts)
	}
	t.Logf("verdicts: %v", verdicts)
}

// TestVerdictsAgreeOnGeneratedHistories compares both checkers on the
// linearsim histories of the harness as generated (valid) and, where
// neither search explodes, with one read corrupted (invalid). A corrupted
// single register with info ops is left out: proving it invalid means
// exhausting every placement of its crashed writes, which takes both
// checkers minutes.
func TestVerdictsAgreeOnGeneratedHistories(t *testing.T) {
	if testing.Short() {
		t.Skip("generated histories take a few seconds; run without -short")
	}
	for _, c := range GeneratedCases(false) {
		r := Compare(c, 1, 2*time.Minute)
		if !r.Agree() || r.FaultlineVerdict != checker.Valid {
			t.Errorf("%s: faultline %s, porcupine %s", c.Name, r.FaultlineVerdict, r.PorcupineVerdict)
		}
		if !c.Keyed && strings.Contains(c.Name, "info") {
			continue
		}
		c.Name += "-corrupted"
		c.History = corruptRead(c.History, c.Keyed)
		r = Compare(c, 1, 2*time.Minute)
		if !r.Agree() || r.FaultlineVerdict != checker.Invalid {
			t.Errorf("%s: faultline %s, porcupine %s", c.Name, r.FaultlineVerdict, r.PorcupineVerdict)
		}
	}
}
