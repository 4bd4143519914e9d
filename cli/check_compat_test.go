package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// Every elle-cli option resolves, under its long name and its one letter, to
// one flag of ours: a script written for elle-cli must not meet "unknown
// flag" (and no letter may be taken by two options).
func TestElleCLIFlagsResolve(t *testing.T) {
	fs := checkCommand().Flags()
	for _, e := range elleCLIFlags {
		long := fs.Lookup(e.Name)
		if long == nil {
			t.Errorf("--%s: no flag", e.Name)
			continue
		}
		if short := fs.ShorthandLookup(e.Short); short != long {
			t.Errorf("-%s: want the flag --%s (%s), found %v", e.Short, e.Name, long.Name, short)
		}
	}
}

// The same command line spelt three ways (elle-cli's letters, elle-cli's long
// names, ours) gives the same verdict; each case also has a twin where the
// option's value changes the verdict, so an option that parsed but did not
// reach the checker would fail.
func TestElleCLIFlagForms(t *testing.T) {
	e, c := elleFixture, classicFixture
	cases := []struct {
		name  string
		forms [][]string // each spelling of the same command line
		code  int
		out   string
	}{
		{"-m names the model; read skew breaks the default strict-serializable",
			[][]string{{"-m", "list-append"}, {"--model", "list-append"}, {"--model=list-append"}, {"-mlist-append"}},
			ExitInvalid, "INVALID (list-append, 6 ops, "},
		{"-c read-committed allows read skew",
			[][]string{{"-m", "list-append", "-c", "read-committed"}, {"-m", "list-append", "--consistency-models", "read-committed"}},
			ExitValid, "valid (list-append, 6 ops, "},
		{"-a G-single-item forbids it again",
			[][]string{{"-m", "list-append", "-c", "read-committed", "-a", "G-single-item"}, {"-m", "list-append", "-c", "read-committed", "--anomalies", "G-single-item"}},
			ExitInvalid, "INVALID (list-append, 6 ops, "},
		{"-f edn reads the file as EDN",
			[][]string{{"-m", "list-append", "-f", "edn"}, {"-m", "list-append", "--format", "edn"}},
			ExitInvalid, "INVALID (list-append, 6 ops, "},
		{"-f json reads EDN as JSON and fails",
			[][]string{{"-m", "list-append", "-f", "json"}, {"-m", "list-append", "--format", "json"}},
			ExitBadArgs, ": unreadable: "},
		{"-s gives the cycle search a time limit (a minute finds the cycle)",
			[][]string{{"-m", "list-append", "-s", "60000"}, {"-m", "list-append", "--cycle-search-timeout", "60000"}},
			ExitInvalid, "INVALID (list-append, 6 ops, "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, form := range c.forms {
				expectCheck(t, append(form, e("list-append-read-skew.edn")), c.code, []string{c.out})
			}
		})
	}
	classic := []struct {
		name  string
		forms [][]string
		file  string
		code  int
		out   string
	}{
		{"-o gives the bank's total: 20 is right, a negative balance is not",
			[][]string{{"-o", "20"}, {"--total-amount", "20"}, {"--bank-total", "20"}},
			c("bank-negative.edn"), ExitInvalid, "negative-value x1"},
		{"-o with the wrong total",
			[][]string{{"-o", "100"}, {"--total-amount", "100"}},
			c("bank-negative.edn"), ExitInvalid, "wrong-total x1"},
		{"-n allows negative balances",
			[][]string{{"-o", "20", "-n"}, {"--total-amount", "20", "--allow-negative-balances"}, {"-no", "20"}},
			c("bank-negative.edn"), ExitValid, "valid (bank, 4 ops, "},
	}
	for _, k := range classic {
		t.Run(k.name, func(t *testing.T) {
			for _, form := range k.forms {
				expectCheck(t, append([]string{"-m", "bank"}, append(form, k.file)...), k.code, []string{k.out})
			}
		})
	}
	t.Run("-g sets the long-fork group size", func(t *testing.T) {
		for _, form := range [][]string{{"-g", "2"}, {"--group-size", "2"}, {"--long-fork-group-size", "2"}} {
			expectCheck(t, append([]string{"-m", "long-fork"}, append(form, c("long-fork.edn"))...), ExitInvalid, []string{"1 fork; e.g. op 4 saw 0 without 1"})
		}
		errOut := expectCheck(t, []string{"-m", "long-fork", "-g", "65", c("long-fork.edn")}, ExitBadArgs, nil)
		if !strings.Contains(errOut, "65: expected 0 (groups as read) or 1..64") {
			t.Errorf("stderr: %s", errOut)
		}
	})
	t.Run("-d writes the drawings", func(t *testing.T) {
		for _, flag := range []string{"-d", "--directory", "--elle-dir"} {
			dir := t.TempDir()
			expectCheck(t, []string{"-m", "list-append", flag, dir, e("list-append-read-skew.edn")}, ExitInvalid, nil)
			if _, err := os.Stat(filepath.Join(dir, "elle", "G-single-item-1.svg")); err != nil {
				t.Errorf("%s: %v", flag, err)
			}
		}
	})
}

// -s is elle-cli's milliseconds; it reaches elle.Options as a duration, and
// a negative one is refused.
func TestCycleSearchTimeoutOption(t *testing.T) {
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	registerElleFlags(fs)
	if err := fs.Parse([]string{"--cycle-search-timeout", "250"}); err != nil {
		t.Fatal(err)
	}
	o, _, err := elleOptions(fs)
	if err != nil || o.CycleSearchTimeout != 250*time.Millisecond {
		t.Fatalf("CycleSearchTimeout = %v (%v), want 250ms", o.CycleSearchTimeout, err)
	}
	if err := fs.Parse([]string{"--cycle-search-timeout", "-1"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := elleOptions(fs); err == nil || !strings.Contains(err.Error(), "expected milliseconds") {
		t.Fatalf("negative timeout: %v", err)
	}
	fs = pflag.NewFlagSet("t", pflag.ContinueOnError)
	registerElleFlags(fs)
	if o, _, _ := elleOptions(fs); o.CycleSearchTimeout != 0 {
		t.Fatalf("default CycleSearchTimeout = %v, want none: the budget bounds the search", o.CycleSearchTimeout)
	}
}

func TestElleCLIModelNames(t *testing.T) {
	e := elleFixture
	for old, ours := range elleCLIModelAliases {
		if _, err := findModel(checkModels(), old); err != nil {
			t.Errorf("%s (elle-cli's name for %s): %v", old, ours, err)
		}
	}
	expectCheck(t, []string{"-m", "elle-list-append", e("list-append-read-skew.edn")}, ExitInvalid,
		[]string{"INVALID (list-append, 6 ops, "})
	cases := []struct {
		name, model, err string
	}{
		{"no model says it is required and lists them", "", "--model is required: one of bank, cas-register, counter, "},
		{"elle-cli's comments has no equivalent", "comments", "--model comments: elle-cli's experimental comments checker"},
		{"an unknown name lists the models", "serialisable", `--model "serialisable": unknown; expected one of bank, `},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := []string{e("list-append-ok.edn")}
			if c.model != "" {
				args = append([]string{"-m", c.model}, args...)
			}
			errOut := expectCheck(t, args, ExitBadArgs, nil)
			if !strings.Contains(errOut, c.err) {
				t.Errorf("stderr lacks %q:\n%s", c.err, errOut)
			}
		})
	}
}

// elle-cli's drawing options that change nothing here are accepted, and say
// so; a plot format elle-cli does not know is refused.
func TestElleCLIDrawingOptions(t *testing.T) {
	f := elleFixture("list-append-read-skew.edn")
	cases := []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"-p", "svg"}, ExitInvalid, ""},
		{[]string{"-p", "png"}, ExitInvalid, "warning: --plot-format png: Faultline draws cycles as SVG and DOT; no PNG is written"},
		{[]string{"-t", "100"}, ExitInvalid, "warning: --plot-timeout: elle-cli's option has no effect here"},
		{[]string{"--max-plot-bytes", "10"}, ExitInvalid, "warning: --max-plot-bytes: elle-cli's option has no effect here"},
		{[]string{"-p", "gif"}, ExitBadArgs, `--plot-format "gif": expected svg or png`},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.args), func(t *testing.T) {
			errOut := expectCheck(t, append(append([]string{"-m", "list-append"}, c.args...), f), c.code, nil)
			if c.err == "" && errOut != "" || !strings.Contains(errOut, c.err) {
				t.Errorf("stderr %q, want %q", errOut, c.err)
			}
		})
	}
}

// g0History is a write cycle (G0): T1 and T2 append to x and y, and the final
// reads show them in opposite orders on the two keys.
const g0History = `{:index 0, :type :invoke, :process 0, :f :txn, :value [[:append :x 1] [:append :y 1]]}
{:index 1, :type :invoke, :process 1, :f :txn, :value [[:append :x 2] [:append :y 2]]}
{:index 2, :type :ok, :process 0, :f :txn, :value [[:append :x 1] [:append :y 1]]}
{:index 3, :type :ok, :process 1, :f :txn, :value [[:append :x 2] [:append :y 2]]}
{:index 4, :type :invoke, :process 2, :f :txn, :value [[:r :x nil] [:r :y nil]]}
{:index 5, :type :ok, :process 2, :f :txn, :value [[:r :x [1 2]] [:r :y [2 1]]]}
`

// An empty -c (-c "") and -c none ask for no model, as Elle's :consistency-models nil:
// only the anomalies named count, G0 unless -a says otherwise (elle-cli's
// default). Asking for nothing at all is refused: every history would pass.
func TestCheckNoConsistencyModel(t *testing.T) {
	skew := elleFixture("list-append-read-skew.edn")
	cases := []struct {
		name  string
		args  []string
		stdin string
		code  int
		out   string // stdout fragment, or stderr fragment for bad arguments
	}{
		{"read skew passes with no model: only G0 counts", []string{"-c", "", skew}, "", ExitValid, "valid (list-append, 6 ops, "},
		{"none is the same", []string{"-c", "none", skew}, "", ExitValid, "valid (list-append, 6 ops, "},
		{"and :none", []string{"--consistency-models", ":none", skew}, "", ExitValid, "valid (list-append, 6 ops, "},
		{"an anomaly named makes it invalid", []string{"-c", "none", "-a", "G-single-item", skew}, "", ExitInvalid, "INVALID (list-append, 6 ops, "},
		{"G0 still fails with no model (the default anomaly)", []string{"-c", "", "-"}, g0History, ExitInvalid, "INVALID (list-append, 6 ops, "},
		{"G0 fails under read-uncommitted too", []string{"-c", "read-uncommitted", "-"}, g0History, ExitInvalid, "G0"},
		{"but not when -a names something else", []string{"-c", "none", "-a", "G1a", "-"}, g0History, ExitValid, "valid (list-append, 6 ops, "},
		{"no model and no anomaly is refused", []string{"-c", "none", "-a", "", skew}, "", ExitBadArgs, "nothing would make a history invalid"},
		{"none beside a model is refused", []string{"-c", "none,serializable", skew}, "", ExitBadArgs, "cannot be combined"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCheckStdin(t, c.stdin, append([]string{"-m", "list-append"}, c.args...)...)
			got := out
			if c.code == ExitBadArgs {
				got = errOut
			}
			if code != c.code || !strings.Contains(got, c.out) {
				t.Errorf("exit %d (want %d)\nstdout: %s\nstderr: %s\nwant %q", code, c.code, out, errOut, c.out)
			}
		})
	}
}
