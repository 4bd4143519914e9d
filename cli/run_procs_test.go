package cli

import (
	"strings"
	"testing"

	"github.com/faultline/faultline/suite"
)

// --run-procs keeps the run phase on one processor unless told otherwise;
// all is 0, which the runner takes as leaving GOMAXPROCS alone.
func TestRunProcsFlagTakesANumberOrAll(t *testing.T) {
	for in, want := range map[string]int{"1": 1, "4": 4, "all": 0} {
		got, err := parseRunProcs(in)
		if err != nil || got != want {
			t.Errorf("--run-procs %s: got %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"0", "-2", "two", ""} {
		_, err := parseRunProcs(bad)
		if err == nil || !strings.Contains(err.Error(), "--run-procs") {
			t.Errorf("--run-procs %q: got %v, want an error naming the flag", bad, err)
		}
	}
	o, err := nemesisOptions(t, suite.Suite{})
	if err != nil || o.RunProcs != 1 {
		t.Fatalf("without --run-procs: RunProcs %d, %v; want 1", o.RunProcs, err)
	}
}
