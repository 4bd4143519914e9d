package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Found in review: check refuses -c none -a "" because "nothing would
// make a history invalid", but accepts -c none with only
// anomalies that nothing can show (predicate-read-miss: these histories
// have no predicate reads; consistency.Unobservable), and then calls every
// history valid, exit 0: here a textbook write skew. The same hole as the
// refused case; it should be refused too (or the verdict be unknown).
func TestNoModelWithOnlyUnobservableAnomaliesIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "write-skew.edn")
	ws := `{:index 0 :type :invoke :process 0 :f :txn :value [[:r :x nil] [:append :y 1]]}
{:index 1 :type :invoke :process 1 :f :txn :value [[:r :y nil] [:append :x 1]]}
{:index 2 :type :ok :process 0 :f :txn :value [[:r :x []] [:append :y 1]]}
{:index 3 :type :ok :process 1 :f :txn :value [[:r :y []] [:append :x 1]]}
`
	if err := os.WriteFile(path, []byte(ws), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCheck(t, "--model", "list-append", "-c", "none", "-a", "", path); code != ExitBadArgs {
		t.Fatalf("-c none -a '': exit %d, want %d (the refusal this test compares with)\n%s%s", code, ExitBadArgs, out, errs)
	}
	if code, out, errs := runCheck(t, "--model", "list-append", "-c", "none", "-a", "predicate-read-miss", path); code == ExitValid {
		t.Errorf("-c none -a predicate-read-miss: exit %d (valid) on a write skew, want a refusal (%d) or unknown; nothing could ever make it invalid\n%s%s", code, ExitBadArgs, out, errs)
	}
}

// --explain on a valid verdict with caveats says what the verdict does not
// cover and why; on a valid verdict without any it prints the line alone.
func TestExplainSaysWhatAValidVerdictDoesNotCover(t *testing.T) {
	path := filepath.Join(t.TempDir(), "serial.edn")
	serial := `{:index 0 :type :invoke :process 0 :f :txn :value [[:append :x 1]]}
{:index 1 :type :ok :process 0 :f :txn :value [[:append :x 1]]}
{:index 2 :type :invoke :process 1 :f :txn :value [[:r :x nil]]}
{:index 3 :type :ok :process 1 :f :txn :value [[:r :x [1]]]}
`
	if err := os.WriteFile(path, []byte(serial), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCheck(t, "--model", "list-append", "--explain", "-c", "serializable", path)
	if code != ExitValid || !strings.Contains(out, "not checked (the verdict does not cover these):\n  predicate-read-miss: ") {
		t.Fatalf("exit %d, want valid with the not-checked reasons explained:\n%s%s", code, out, errs)
	}
	code, out, _ = runCheck(t, "--model", "counter", "--explain", path)
	if strings.Count(out, "\n") != 1 {
		t.Fatalf("counter, exit %d: want the verdict line alone:\n%s", code, out)
	}
}
