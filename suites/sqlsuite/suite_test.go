package sqlsuite

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/suite"
)

func TestSuiteIsWellFormed(t *testing.T) {
	if err := Suite().Validate(); err != nil {
		t.Fatal(err)
	}
}

// test-all runs every workload at every isolation level under every fault
// set, unless --isolation is given; the run names say which.
func TestMatrixCoversWorkloadsIsolationLevelsAndFaults(t *testing.T) {
	s := Suite()
	o := suite.Options{Flags: map[string]string{flagDB: "postgres", flagIsolation: "serializable"}, TestCount: 1}
	runs, err := s.Matrix(o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(s.Workloads) * 4 * len(s.Nemeses); len(runs) != want {
		t.Fatalf("%d runs, expected %d (workloads x 4 levels x fault sets)", len(runs), want)
	}
	names := map[string]bool{}
	for _, r := range runs {
		names[s.TestName(r.Workload, r.Options)] = true
	}
	for _, want := range []string{"sql-append-read-uncommitted", "sql-bank-repeatable-read-kill", "sql-wr-serializable-partition"} {
		if !names[want] {
			t.Fatalf("no run named %s among %v", want, names)
		}
	}
	if o.Flags[flagIsolation] != "serializable" {
		t.Fatal("Matrix changed the caller's flags")
	}
	given, err := s.Matrix(o, nil, flagIsolation)
	if err != nil {
		t.Fatal(err)
	}
	if len(given) != len(s.Workloads)*len(s.Nemeses) {
		t.Fatalf("--isolation given: %d runs, expected one level", len(given))
	}
	for _, r := range given {
		if r.Options.Flags[flagIsolation] != "serializable" {
			t.Fatalf("--isolation given: a run at %s", r.Options.Flags[flagIsolation])
		}
	}
}

// The checked model is the level's promise unless --consistency-models
// names another; the run's config and the verdict's summary say which.
func TestModelsComeFromTheIsolationLevelUnlessGiven(t *testing.T) {
	for _, c := range []struct {
		flags map[string]string
		want  string
	}{
		{map[string]string{flagDB: "postgres", flagIsolation: "repeatable-read"}, "[snapshot-isolation]"},
		{map[string]string{flagDB: "mariadb", flagIsolation: "repeatable-read"}, "[read-committed]"},
		{map[string]string{flagDB: "postgres", flagIsolation: "repeatable-read", flagConsistencyModels: "serializable"}, "[serializable]"},
	} {
		w, _ := Suite().Workload("append")
		tst, err := w.Test(suite.Options{Flags: c.flags})
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(tst.Config["consistency-models"]); got != c.want {
			t.Fatalf("%v: models %s, expected %s", c.flags, got, c.want)
		}
		res := tst.Checker.Check(context.Background(), history.MustNew())
		if !strings.Contains(res.Summary, "checked as "+strings.Trim(c.want, "[]")) {
			t.Fatalf("%v: summary %q does not say the model", c.flags, res.Summary)
		}
	}
}

func TestBadFlagValuesNameTheFlag(t *testing.T) {
	for flag, val := range map[string]string{flagKeyCount: "many", flagOpTimeout: "-1s", flagRate: "fast", flagTablesPerAccount: "maybe", flagReadLock: "share"} {
		w, _ := Suite().Workload("bank")
		_, err := w.Test(suite.Options{Flags: map[string]string{flag: val}})
		if err == nil || !strings.Contains(err.Error(), "--"+flag) && !strings.Contains(err.Error(), val) {
			t.Fatalf("--%s %s: error %v, expected one naming the flag", flag, val, err)
		}
	}
}

// Only the Elle workloads are checked against the level's model; the
// verdict line of any other says what its own checker holds the history
// to, so a weak level's failure is not read as the database breaking its
// promise.
func TestOnlyElleWorkloadsClaimTheLevelsModel(t *testing.T) {
	flags := map[string]string{flagDB: "postgres", flagIsolation: "read-committed"}
	for _, w := range Suite().Workloads {
		tst, err := w.Test(suite.Options{Flags: flags, Concurrency: 4})
		if err != nil {
			t.Fatalf("%s: %v", w.Name, err)
		}
		res := tst.Checker.Check(context.Background(), history.MustNew())
		claims := strings.Contains(res.Summary, "checked as read-committed;")
		if elle := w.Name == "append" || w.Name == "wr"; claims != elle {
			t.Errorf("%s: summary %q; it should name the model only for an Elle workload", w.Name, res.Summary)
		}
		if !strings.Contains(res.Summary, "checked as ") {
			t.Errorf("%s: summary %q says nothing of what was checked", w.Name, res.Summary)
		}
	}
}
