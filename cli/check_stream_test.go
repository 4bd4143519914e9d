package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/faultline/faultline/checker/counter"
	"github.com/faultline/faultline/history/codec"
)

// elapsed matches the time a verdict line reports: reading and checking
// take their own time in every run.
var elapsed = regexp.MustCompile(`, [0-9.]+(ns|µs|ms|s|m[0-9.]+s)\)`)

// sameOutput puts two runs' output in one form: paths and the name of
// standard input as "FILE", elapsed times left out.
func sameOutput(s, path string) string {
	s = strings.ReplaceAll(s, path, "FILE")
	s = strings.ReplaceAll(s, "standard input", "FILE")
	s = regexp.MustCompile(`(?m)^-(:| \t|\s)`).ReplaceAllString(s, "FILE$1")
	s = strings.ReplaceAll(s, `"file": "-"`, `"file": "FILE"`)
	return elapsed.ReplaceAllString(s, ")")
}

// counterHistory writes n sequential add-then-read rounds; with lostAt >=
// 0 the read of that round misses the add before it (out of bounds).
func counterHistory(t *testing.T, n, lostAt int) string {
	var b strings.Builder
	i, sum := 0, 0
	op := func(typ, f string, v any) {
		fmt.Fprintf(&b, "{:index %d, :type :%s, :process %d, :f :%s, :value %v}\n", i, typ, i/4%2, f, v)
		i++
	}
	for r := range n {
		op("invoke", "add", 1)
		op("ok", "add", 1)
		sum++
		read := sum
		if r == lostAt {
			read--
		}
		op("invoke", "read", "nil")
		op("ok", "read", read)
	}
	return writeFile(t, fmt.Sprintf("counter-%d-%d.edn", n, lostAt), b.String())
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// A file checked by a streaming checker prints exactly what the same history
// read whole (from standard input) prints, in every output form: verdicts
// that pass and that fail, warnings, and input that is not a history.
func TestCheckStreamingPrintsWhatTheWholeHistoryPrints(t *testing.T) {
	f := classicFixture
	histories := []struct{ model, path string }{
		{"counter", f("counter-ok.edn")},
		{"counter", f("counter-lost.edn")},         // a read below the ok adds: invalid
		{"counter", f("counter-bad-value.edn")},    // not an integer: unknown, naming the op
		{"counter", counterHistory(t, 5000, 4321)}, // out of bounds deep in a file
		{"set", f("set-lost.edn")},                 // an acknowledged add lost: invalid
		{"set-full", f("set-full-lost.edn")},       // seen, then gone
		{"set-full", f("set-full-stale.edn")},      // stale, allowed
		{"set", writeFile(t, "completions.edn", "{:type :ok, :process 0, :f :add, :value 1}\n{:type :ok, :process 1, :f :read, :value [1]}\n")},              // invoked at the start: read whole
		{"counter", writeFile(t, "truncated.edn", "{:type :invoke, :process 0, :f :read}\n{:type :ok, :process 0, :f :read, :value 0}\n{:type :inv")},        // a crashed run's last line: a warning
		{"counter", writeFile(t, "broken.edn", "{:type :invoke, :process 0, :f :read}\n{:type :ok :process\n{:type :ok, :process 0, :f :read, :value 0}\n")}, // a syntax error: 254
		{"counter", writeFile(t, "mismatch.edn", "{:type :invoke, :process 0, :f :read}\n{:type :ok, :process 0, :f :add, :value 1}\n")},                     // does not pair: 254
		{"set", writeFile(t, "empty.edn", "")},
		{"bank", f("bank-ok.edn")},
		{"bank", f("bank-lost.edn")},      // a total off: invalid
		{"bank", f("bank-negative.json")}, // JSON lines
		{"unique-ids", f("unique-ids-dup.edn")},
		{"monotonic", f("monotonic-backwards.edn")},
		{"stats", f("counter-lost.edn")},
	}
	for _, h := range histories {
		for _, form := range [][]string{nil, {"--output", "json"}, {"--explain"}} {
			t.Run(filepath.Base(h.path)+strings.Join(form, ""), func(t *testing.T) {
				text, err := os.ReadFile(h.path)
				if err != nil {
					t.Fatal(err)
				}
				args := append([]string{"--model", h.model}, form...)
				code, out, errOut := runCheck(t, append(args, h.path)...)
				wholeCode, wholeOut, wholeErr := runCheckStdin(t, string(text), append(args, "-")...)
				if code != wholeCode || sameOutput(out, h.path) != sameOutput(wholeOut, h.path) || sameOutput(errOut, h.path) != sameOutput(wholeErr, h.path) {
					t.Fatalf("streamed: exit %d\n%s%s\nread whole: exit %d\n%s%s", code, out, errOut, wholeCode, wholeOut, wholeErr)
				}
				if code == ExitCrash || out == "" && code != ExitBadArgs {
					t.Fatalf("exit %d, stdout %q", code, out)
				}
			})
		}
	}
}

// The stream is taken for a history whose ops pair as they come, and
// refused (so that the history is read whole) for completions that have no
// invocation, which a whole read invokes at the start.
func TestStreamFileGivesUpOnlyWhereTheWholeHistoryIsNeeded(t *testing.T) {
	cases := []struct {
		path     string
		streamed bool
	}{
		{counterHistory(t, 10, -1), true},
		{writeFile(t, "bare.edn", "{:type :ok, :process 0, :f :read, :value 0}\n"), false},
		{writeFile(t, "missing.edn", ""), false},
		{filepath.Join(t.TempDir(), "absent.edn"), false},
	}
	for _, c := range cases {
		got, _, ok := streamFile(context.Background(), counter.Checker(), checkedFile{Path: c.path}, codec.Auto, nil)
		if ok != c.streamed {
			t.Errorf("%s: streamed %v, want %v", c.path, ok, c.streamed)
		}
		if ok && (got.Ops != 40 || got.Result.Valid.String() != "true") {
			t.Errorf("%s: %d ops, %v", c.path, got.Ops, got.Result.Valid)
		}
	}
}

// Progress goes to standard error only: what scripts parse on standard
// output is the same with it and without it. A check slower than the
// logging interval logs its progress when standard error is no terminal.
func TestCheckProgressLeavesStandardOutputAlone(t *testing.T) {
	path := counterHistory(t, 20000, 19999)
	for _, model := range []string{"counter", "stats", "list-append"} {
		t.Run(model, func(t *testing.T) {
			code, out, errOut := runCheck(t, "--model", model, "--progress-interval", "1ms", path)
			quietCode, quietOut, quietErr := runCheck(t, "--model", model, "--progress=false", path)
			if code != quietCode || elapsed.ReplaceAllString(out, ")") != elapsed.ReplaceAllString(quietOut, ")") {
				t.Fatalf("with progress: exit %d %q\nwithout: exit %d %q", code, out, quietCode, quietOut)
			}
			if strings.Contains(out, "progress") || quietErr != "" {
				t.Fatalf("progress on stdout %q, or without progress stderr %q", out, quietErr)
			}
			if !strings.Contains(errOut, "progress: "+path+": ") {
				t.Fatalf("no progress logged on stderr: %q", errOut)
			}
		})
	}
}

// fifo makes a named pipe that serves text to one reader.
func fifo(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "history.fifo")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	go func() {
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer f.Close()
		f.WriteString(text)
	}()
	return p
}

// A named pipe (a shell's <(zcat ...)) is read whole: should the history
// need it, a stream could not start over.
func TestCheckReadsANamedPipeWhole(t *testing.T) {
	code, out, errOut := runCheck(t, "--model", "set", fifo(t, "{:type :ok, :process 0, :f :add, :value 1}\n{:type :ok, :process 1, :f :read, :value [1]}\n"))
	if code != ExitValid || !strings.Contains(out, ": valid (set, 4 ops, ") || !strings.Contains(errOut, "taken as invoked at the start") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
}
