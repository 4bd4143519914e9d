package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A lost update built on a value no transaction wrote (9), as histories
// written for Elle have it: Elle takes 9 as a version after the initial nil
// and reports lost-update; --garbage-reads adds Faultline's stricter
// garbage-read and still finds the lost update.
const lostUpdateOnUnwritten = `{:index 0, :time 0, :type :invoke, :process 0, :f :txn, :value [[:r :x nil] [:w :x 1]]}
{:index 1, :time 5, :type :invoke, :process 1, :f :txn, :value [[:r :x nil] [:w :x 2]]}
{:index 2, :time 10, :type :ok, :process 0, :f :txn, :value [[:r :x 9] [:w :x 1]]}
{:index 3, :time 15, :type :ok, :process 1, :f :txn, :value [[:r :x 9] [:w :x 2]]}
`

// Its twin: the second transaction read the first one's write.
const chainOnUnwritten = `{:index 0, :time 0, :type :invoke, :process 0, :f :txn, :value [[:r :x nil] [:w :x 1]]}
{:index 1, :time 5, :type :ok, :process 0, :f :txn, :value [[:r :x 9] [:w :x 1]]}
{:index 2, :time 10, :type :invoke, :process 1, :f :txn, :value [[:r :x nil] [:w :x 2]]}
{:index 3, :time 15, :type :ok, :process 1, :f :txn, :value [[:r :x 1] [:w :x 2]]}
`

func TestCheckRWRegisterUnwrittenValues(t *testing.T) {
	dir := t.TempDir()
	lost, chain := filepath.Join(dir, "lost.edn"), filepath.Join(dir, "chain.edn")
	for path, text := range map[string]string{lost: lostUpdateOnUnwritten, chain: chainOnUnwritten} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name string
		args []string
		code int
		out  []string
	}{
		// Neither write follows the read version unless writes follow
		// reads, so the graph has no edge: Elle names that too.
		{"by default, as in Elle, a lost update on an unwritten value is a lost update",
			[]string{"--model", "rw-register", lost}, ExitInvalid, []string{"INVALID (rw-register, 4 ops, ", ": empty-transaction-graph, lost-update; not "}},
		{"its twin is valid",
			[]string{"--model", "rw-register", chain}, ExitValid, []string{"valid (rw-register, 4 ops, "}},
		{"--garbage-reads reports the garbage read and still the lost update",
			[]string{"--model", "rw-register", "--garbage-reads", lost}, ExitInvalid, []string{": empty-transaction-graph, garbage-read, lost-update; not read-uncommitted"}},
		{"--garbage-reads makes the twin invalid too: 9 was never written",
			[]string{"--model", "rw-register", "--garbage-reads", chain}, ExitInvalid, []string{": garbage-read; not read-uncommitted"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { expectCheck(t, c.args, c.code, c.out) })
	}
}

// Elle's inference defaults: writes-follow-reads is off unless asked for.
// A transaction that read 9 and wrote 1, and another that read y = 1 from
// it but x = 9: read skew only if 9 precedes 1.
func TestCheckRWRegisterWritesFollowReadsIsOffByDefault(t *testing.T) {
	path := filepath.Join(t.TempDir(), "skew.edn")
	text := `{:index 0, :time 0, :type :invoke, :process 0, :f :txn, :value [[:r :x nil] [:w :x 1] [:w :y 1]]}
{:index 1, :time 5, :type :invoke, :process 1, :f :txn, :value [[:r :y nil] [:r :x nil]]}
{:index 2, :time 10, :type :ok, :process 0, :f :txn, :value [[:r :x 9] [:w :x 1] [:w :y 1]]}
{:index 3, :time 15, :type :ok, :process 1, :f :txn, :value [[:r :y 1] [:r :x 9]]}
`
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	expectCheck(t, []string{"--model", "rw-register", path}, ExitValid, []string{"valid (rw-register, 4 ops, "})
	expectCheck(t, []string{"--model", "rw-register", "--writes-follow-reads", path}, ExitInvalid, []string{": G-single-item; not "})
}

func TestCheckHelpSaysWhereRWRegisterDiffersFromElle(t *testing.T) {
	code, out, errOut := runCheck(t, "--help")
	if code != ExitValid {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"--garbage-reads", "Faultline's stricter check", "Elle, and this command without the flag, take such a value as a version after the initial nil", "Elle's :wfr-keys?"} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
			t.Errorf("check --help lacks %q:\n%s", want, out)
		}
	}
}
