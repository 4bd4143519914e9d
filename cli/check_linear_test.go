package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckLinearModels(t *testing.T) {
	shared := func(name string) string { return filepath.Join("..", "testdata", "histories", name) }
	mine := func(name string) string { return filepath.Join("testdata", "linear", name) }
	cases := []struct {
		name string
		args []string
		code int
		out  []string // fragments stdout must contain
		err  string   // fragment stderr must contain
	}{
		{"linearizable etcd-style cas-register history is valid",
			[]string{"--model", "cas-register", shared("cas-register-ok.edn")}, ExitValid,
			[]string{shared("cas-register-ok.edn") + ": valid (cas-register, 204 ops, "}, ""},
		{"stale read is invalid, explained with the op, prefix and states",
			[]string{"--model", "cas-register", "--explain", shared("cas-register-stale-read.edn")}, ExitInvalid,
			[]string{": INVALID (cas-register, 204 ops, ", "op 185 (process 5: read 0, ok) cannot be linearized",
				"The longest linearizable prefix found has", "States possible just before it: "}, ""},
		{"every format reads the same history",
			[]string{"--model", "cas-register", "--format", "json", shared("cas-register-stale-read.jsonl")}, ExitInvalid,
			[]string{"INVALID (cas-register, 204 ops, ", "op 185 (process 5: read 0, ok) cannot be linearized"}, ""},
		{"one invalid file makes the whole run invalid, each file gets its line",
			[]string{"--model", "cas-register", shared("cas-register-ok.txt"), shared("cas-register-stale-read.txt")}, ExitInvalid,
			[]string{"cas-register-ok.txt: valid", "cas-register-stale-read.txt: INVALID"}, ""},
		{"mutex double grant is invalid",
			[]string{"--model", "mutex", "--explain", mine("mutex-double-grant.edn")}, ExitInvalid,
			[]string{"op 2 (process 1: acquire nil, ok) cannot be linearized", "The only state possible just before it: \"held\""}, ""},
		{"kv names the key with the stale read",
			[]string{"--model", "kv", mine("kv-stale.edn")}, ExitInvalid,
			[]string{"INVALID (kv, 10 ops, ", ": key :y: op 8 (process 0: read 1, ok) cannot be linearized"}, ""},
		{"initial value given in EDN makes a read of it valid",
			[]string{"--model", "register", "--initial", "5", mine("register-initial-5.edn")}, ExitValid,
			[]string{"valid (register, 4 ops, "}, ""},
		{"without it the same read is invalid",
			[]string{"--model", "register", mine("register-initial-5.edn")}, ExitInvalid,
			[]string{"INVALID (register, 4 ops, ", "): op 0 (process 0: read 5, ok) cannot be linearized after 0 ops; register state just before: nil\n"}, ""},
		{"ops the model cannot interpret make the verdict unknown, with the op",
			[]string{"--model", "register", shared("cas-register-ok.edn")}, ExitUnknown,
			[]string{"unknown (register, ", "model register expects f read or write (cas needs the cas-register model)"}, ""},
		{"malformed --initial is a bad argument that says where",
			[]string{"--model", "register", "--initial", "[1 2", mine("register-initial-5.edn")}, ExitBadArgs,
			nil, "--initial"},
		{"an initial value for a model that starts empty is a bad argument",
			[]string{"--model", "mutex", "--initial", "3", mine("mutex-double-grant.edn")}, ExitBadArgs,
			nil, "takes no initial value"},
		{"a search that runs out of its memory budget is unknown, not a hang, and the verdict line says so",
			[]string{"--model", "fifo-queue", "--linear-max-memory", "1048576", "--explain", mine("fifo-queue-backlog.edn")}, ExitUnknown,
			[]string{"unknown (fifo-queue, ", "): search gave up before deciding: memory budget of 1.0 MiB exhausted\n",
				"The search gave up before it could decide: allow it more time (--linear-timeout) or memory (--linear-max-memory).\n"}, ""},
		{"a search that runs out of time is unknown, and the verdict line says so",
			[]string{"--model", "fifo-queue", "--linear-timeout", "1ms", mine("fifo-queue-backlog.edn")}, ExitUnknown,
			[]string{"unknown (fifo-queue, ", "): search gave up before deciding: time limit of 1ms reached\n"}, ""},
		{"Knossos's nil read after a write is invalid by default: nil is the unset register",
			[]string{"--model", "cas-register", mine("register-nil-read.edn")}, ExitInvalid,
			[]string{"): op 2 (process 1: read nil, ok) cannot be linearized after 1 op; cas-register state just before: 1\n"}, ""},
		{"with --nil-reads-match-any the nil read matches any state, as in Knossos",
			[]string{"--model", "cas-register", "--nil-reads-match-any", mine("register-nil-read.edn")}, ExitValid,
			[]string{"register-nil-read.edn: valid (cas-register, 6 ops, "}, ""},
		{"--nil-reads-match-any forgives only nil: a read of a value never written stays invalid",
			[]string{"--model", "register", "--nil-reads-match-any", mine("register-nil-then-phantom.edn")}, ExitInvalid,
			[]string{"): op 4 (process 1: read 2, ok) cannot be linearized after 2 ops; register state just before: 1\n"}, ""},
		{"--nil-reads-match-any on a model without register reads is a bad argument",
			[]string{"--model", "mutex", "--nil-reads-match-any", mine("mutex-double-grant.edn")}, ExitBadArgs,
			nil, "model mutex has no register reads for nil to match"},
		{"multi-register --initial map gives each register its own initial value",
			[]string{"--model", "multi-register", "--initial", "{:x 0 :y 1}", mine("multi-register-initial.edn")}, ExitValid,
			[]string{"multi-register-initial.edn: valid (multi-register, 6 ops, "}, ""},
		{"multi-register --initial that is not a map is every register's",
			[]string{"--model", "multi-register", "--initial", "0", mine("multi-register-initial.edn")}, ExitInvalid,
			[]string{"): op 0 (process 0: txn [[:r :x 0] [:r :y 1]], ok) cannot be linearized after 0 ops; multi-register state just before: {:x 0, :y 0}\n"}, ""},
		{"multi-register registers an --initial map leaves out start nil",
			[]string{"--model", "multi-register", "--initial", "{:x 0}", mine("multi-register-initial.edn")}, ExitInvalid,
			[]string{"multi-register state just before: {:x 0, :y nil}\n"}, ""},
		{"a missing file is unreadable input",
			[]string{"--model", "cas-register", mine("no-such-file.edn")}, ExitBadArgs,
			[]string{"no-such-file.edn: unreadable: "}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCheck(t, c.args...)
			var missing []string
			for _, want := range c.out {
				if !strings.Contains(out, want) {
					missing = append(missing, want)
				}
			}
			if code != c.code || len(missing) > 0 || !strings.Contains(errOut, c.err) {
				t.Fatalf("exit %d (want %d); stdout lacks %q; stderr should contain %q\nstdout:\n%s\nstderr:\n%s", code, c.code, missing, c.err, out, errOut)
			}
			if bad := onesWithPlurals(out); len(bad) > 0 || strings.Contains(out, "map[") {
				t.Fatalf("%q: a count of one with a plural noun, or a Go map:\n%s", bad, out)
			}
		})
	}
}

func TestCheckLinearWritesTheTimelineOfAnInvalidHistory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "timeline.html")
	code, out, errOut := runCheck(t, "--model", "kv", "--linear-timeline", path, filepath.Join("testdata", "linear", "kv-stale.edn"))
	if code != ExitInvalid {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	page, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "<svg") || !strings.Contains(string(page), "key :y") {
		t.Fatalf("timeline page:\n%s", page)
	}
}

func TestCheckListsTheLinearModels(t *testing.T) {
	code, out, _ := runCheck(t, "--help")
	if code != ExitValid {
		t.Fatalf("exit %d", code)
	}
	for _, name := range []string{"cas-register", "linear-set", "fifo-queue", "unordered-queue", "multi-register", "kv", "mutex"} {
		if !strings.Contains(out, "  "+name+" ") {
			t.Errorf("--help does not list %s:\n%s", name, out)
		}
	}
}
