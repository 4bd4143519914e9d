package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker/elle/txnsim"
	"github.com/faultline/faultline/history/codec"
)

func elleFixture(name string) string { return filepath.Join("testdata", "elle", name) }

func TestCheckElleModels(t *testing.T) {
	f := elleFixture
	cases := []struct {
		name string
		args []string
		code int
		out  []string
	}{
		{"serial list-append history is valid",
			[]string{"--model", "list-append", f("list-append-ok.edn")}, ExitValid,
			[]string{f("list-append-ok.edn") + ": valid (list-append, 6 ops, "}},
		{"read skew is invalid under the default strict-serializable, explained",
			[]string{"--model", "list-append", "--explain", f("list-append-read-skew.edn")}, ExitInvalid,
			[]string{": INVALID (list-append, 6 ops, ", "G-single-item; not consistent-view, repeatable-read",
				"T1 < T2: T1 read key :x = [], which does not yet have 1, which T2 appended next",
				"T2 < T1: T1 read key :y = [1], which T2 appended 1 to"}},
		{"read skew is allowed by read committed",
			[]string{"--model", "list-append", "--consistency-models", "read-committed", f("list-append-read-skew.edn")}, ExitValid,
			[]string{"valid (list-append, 6 ops, ", ": G-single-item; not consistent-view, repeatable-read"}},
		{"an anomaly named with --anomalies makes it invalid",
			[]string{"--model", "list-append", "--consistency-models", "read-committed", "--anomalies", "G-single-item", f("list-append-read-skew.edn")}, ExitInvalid,
			[]string{"INVALID (list-append"}},
		{"write skew on registers is invalid under serializable",
			[]string{"--model", "rw-register", "--consistency-models", "serializable", f("rw-register-write-skew.edn")}, ExitInvalid,
			[]string{"INVALID (rw-register, 4 ops, ", "G2-item; not repeatable-read"}},
		{"write skew on registers is allowed by snapshot isolation",
			[]string{"--model", "rw-register", "--consistency-models", "snapshot-isolation", f("rw-register-write-skew.edn")}, ExitValid,
			[]string{"valid (rw-register, 4 ops, "}},
		{"without the initial-nil inference the nil reads prove nothing, so the graph is empty",
			[]string{"--model", "rw-register", "--initial-nil=false", f("rw-register-write-skew.edn")}, ExitUnknown,
			[]string{"unknown (rw-register, 4 ops, ", "empty-transaction-graph"}},
		{"a long fork breaks snapshot isolation",
			[]string{"--model", "list-append", "--consistency-models", "snapshot-isolation", "--explain", f("list-append-long-fork.edn")}, ExitInvalid,
			[]string{"G-nonadjacent-item; not repeatable-read, snapshot-isolation", "T3 < T4: T3 read key :y = [], which does not yet have 1, which T4 appended next"}},
		{"a long fork is allowed by parallel snapshot isolation",
			[]string{"--model", "list-append", "--consistency-models", "parallel-snapshot-isolation", f("list-append-long-fork.edn")}, ExitValid,
			[]string{"valid (list-append, 8 ops, "}},
		{"a malformed read is unknown and says where",
			[]string{"--model", "list-append", f("list-append-malformed.edn")}, ExitUnknown,
			[]string{"unknown (list-append, 4 ops, ", "op 3 (index 3, process 1), micro-op 0: expected the read [:r :x 7] to return a list such as [1 2] (or nil), found 7"}},
		{"an unknown model is a bad argument",
			[]string{"--model", "list-append", "--consistency-models", "serialisable", f("list-append-ok.edn")}, ExitBadArgs,
			nil},
		{"an unknown anomaly is a bad argument",
			[]string{"--model", "rw-register", "--anomalies", "G3", f("list-append-ok.edn")}, ExitBadArgs,
			nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errOut := expectCheck(t, c.args, c.code, c.out)
			if c.code == ExitBadArgs && !strings.Contains(errOut, "unknown") {
				t.Errorf("stderr should say what is unknown: %s", errOut)
			}
		})
	}
}

// expectCheck runs `faultline check args...`, fails unless it exits with
// code and prints every fragment of outs, and returns stderr.
func expectCheck(t *testing.T, args []string, code int, outs []string) string {
	t.Helper()
	got, out, errOut := runCheck(t, args...)
	if got != code {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", got, code, out, errOut)
	}
	for _, want := range outs {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	return errOut
}

// writeHistory writes a simulated history in the given format.
func writeHistory(t *testing.T, path string, f codec.Format, c txnsim.Config) {
	t.Helper()
	h, err := txnsim.Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	file, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	w, err := codec.NewWriter(file, f)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range h.All() {
		if err := w.Write(op); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
}

func TestCheckElleSimulatedHistoriesInEDNAndJSON(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []codec.Format{codec.EDN, codec.JSON} {
		for _, w := range []txnsim.Workload{txnsim.ListAppend, txnsim.RWRegister} {
			path := filepath.Join(dir, string(w)+"."+string(f))
			writeHistory(t, path, f, txnsim.Config{Seed: 3, Txns: 3000, Processes: 10, ActiveKeys: 5, Workload: w, Behaviour: txnsim.SnapshotIsolation})
			// The simulator's registers satisfy writes-follow-reads, which
			// (as in Elle) is off unless asked for.
			model := []string{"--model", string(w), "--writes-follow-reads"}
			expectCheck(t, append(model, "--consistency-models", "snapshot-isolation", path), ExitValid, nil)
			expectCheck(t, append(model, "--consistency-models", "serializable", path), ExitInvalid, []string{"G2-item"})
		}
	}
}

func TestCheckElleWritesDrawings(t *testing.T) {
	dir := t.TempDir()
	expectCheck(t, []string{"--model", "list-append", "--elle-dir", dir, elleFixture("list-append-read-skew.edn")}, ExitInvalid, nil)
	for _, name := range []string{"anomalies.txt", "G-single-item-1.dot", "G-single-item-1.svg"} {
		if st, err := os.Stat(filepath.Join(dir, "elle", name)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
}
