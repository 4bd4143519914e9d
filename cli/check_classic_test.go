package cli

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// runCheck runs `faultline check args...` and returns its exit code, stdout
// and stderr.
func runCheck(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb strings.Builder
	code := Execute(Root(), append([]string{"check"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func classicFixture(name string) string { return filepath.Join("testdata", "classic", name) }

func TestCheckClassicModels(t *testing.T) {
	f := classicFixture
	cases := []struct {
		name string
		args []string
		code int
		out  []string // lines or fragments stdout must contain
		err  string   // fragment stderr must contain
	}{
		{"counter reads within bounds are valid",
			[]string{"--model", "counter", f("counter-ok.edn")}, ExitValid,
			[]string{f("counter-ok.edn") + ": valid (counter, 6 ops, "}, ""},
		{"counter read below the acknowledged adds is invalid",
			[]string{"--model", "counter", "--explain", f("counter-lost.edn")}, ExitInvalid,
			[]string{f("counter-lost.edn") + ": INVALID (counter, 6 ops, ", "1 of 1 read out of bounds; first: op 5 read 1, allowed 3..3",
				"  op 5 (process 1) read 1, below the least possible value: adds allowed only 3..3"}, ""},
		{"counter without reads is valid, as Jepsen's counter checker says",
			[]string{"--model", "counter", f("counter-no-reads.edn")}, ExitValid,
			[]string{f("counter-no-reads.edn") + ": valid (counter, 4 ops, ", "): no ok reads, so no bounds to check (valid, as in Jepsen)\n"}, ""},
		{"set with element 2 lost is invalid, nemesis ops ignored",
			[]string{"--model", "set", "--explain", f("set-lost.edn")}, ExitInvalid,
			[]string{"INVALID (set, 8 ops, ", ": 1 lost, 0 unexpected", "lost: 1 acknowledged add is missing from the final read: [2]"}, ""},
		{"set-full allows a stale read by default",
			[]string{"--model", "set-full", f("set-full-stale.edn")}, ExitValid,
			[]string{"valid (set-full, 6 ops, "}, ""},
		{"set-full stale read is invalid when linearizable",
			[]string{"--model", "set-full", "--set-full-linearizable", "--explain", f("set-full-stale.edn")}, ExitInvalid,
			[]string{"1 stale element (reads missed it after it was acknowledged)", "stale: 1 took 1 ms after it was known (op 1) to show up in every read"}, ""},
		{"set-full element seen then gone is lost",
			[]string{"--model", "set-full", "--explain", f("set-full-lost.edn")}, ExitInvalid,
			[]string{"1 lost, 0 duplicated, 0 unexpected",
				"lost: 1 was known at op 1 and last seen by the read invoked at op 2, but the read invoked at op 4 (and every later one) did not see it"}, ""},
		{"queue dequeue of a value never enqueued is invalid",
			[]string{"--model", "queue", "--explain", f("queue-phantom.edn")}, ExitInvalid,
			[]string{"op 5 dequeued 2, which was never enqueued", "op 5 dequeued 2, but every enqueue of 2 invoked before it"}, ""},
		{"total-queue allows duplicates by default",
			[]string{"--model", "total-queue", f("total-queue-duplicate.edn")}, ExitValid,
			[]string{"valid (total-queue, 6 ops, "}, ""},
		{"total-queue duplicate is invalid when forbidden",
			[]string{"--model", "total-queue", "--total-queue-no-duplicates", "--explain", f("total-queue-duplicate.edn")}, ExitInvalid,
			[]string{"0 lost, 1 duplicated, 0 unexpected", "duplicated: 1 value came out more often than it went in: [1]"}, ""},
		{"unique-ids handing out 41 twice is invalid",
			[]string{"--model", "unique-ids", "--explain", f("unique-ids-dup.edn")}, ExitInvalid,
			[]string{"1 id handed out more than once, e.g. 41 by ops [2 3]", "  id 41 was returned by ops [2 3]"}, ""},
		{"bank negative balance is invalid",
			[]string{"--model", "bank", "--bank-total", "20", "--bank-accounts", "0,1", "--explain", f("bank-negative.edn")}, ExitInvalid,
			[]string{"negative-value x1 (first op 3)", "negative-value: 1 read; first at op 3, worst at op 3 (process 1): negative balance in account 0: -5"}, ""},
		{"bank negative balance passes when allowed",
			[]string{"--model", "bank", "--bank-total", "20", "--bank-negative-ok", f("bank-negative.edn")}, ExitValid,
			[]string{"valid (bank, 4 ops, "}, ""},
		{"bank with the wrong total configured is invalid",
			[]string{"--model", "bank", "--bank-total", "100", f("bank-negative.edn")}, ExitInvalid,
			[]string{"wrong-total x1 (first op 3)"}, ""},
		{"bank reads JSON histories, whose account keys are strings",
			[]string{"--model", "bank", "--bank-total", "20", "--bank-accounts", "0,1", "--explain", f("bank-negative.json")}, ExitInvalid,
			[]string{"negative-value x1 (first op 1)", `negative balance in account "0": -5`}, ""},
		{"bank without a total takes it and the accounts from the first ok read, and says so",
			[]string{"--model", "bank", f("bank-ok.edn")}, ExitValid,
			[]string{f("bank-ok.edn") + ": valid (bank, 6 ops, ", "): total 30 and 3 accounts [0 1 2] taken from the first ok read (op 1)\n"}, ""},
		{"bank without a total: a later read that lost 4 is a wrong total against the first read's",
			[]string{"--model", "bank", "--explain", f("bank-lost.edn")}, ExitInvalid,
			[]string{"): 1 of 2 reads wrong; wrong-total x1 (first op 5); total 30 and 3 accounts [0 1 2] taken from the first ok read (op 1)\n",
				"wrong-total: 1 read; first at op 5, worst at op 5 (process 0): balances add up to 26, but the bank holds 30 (the sum of op 1)\n"}, ""},
		{"bank with elle-cli's --total-amount: the configured total is checked, not the first read's",
			[]string{"--model", "bank", "--total-amount", "26", f("bank-ok.edn")}, ExitInvalid,
			[]string{"): 2 of 2 reads wrong; wrong-total x2 (first op 1); 3 accounts [0 1 2] taken from the first ok read (op 1)\n"}, ""},
		{"bank with elle-cli's short forms -o and -n allows the negative balance",
			[]string{"--model", "bank", "-o", "20", "-n", f("bank-negative.edn")}, ExitValid,
			[]string{"valid (bank, 4 ops, "}, ""},
		{"bank with elle-cli's --allow-negative-balances and --max-transfer",
			[]string{"--model", "bank", "--total-amount", "20", "--allow-negative-balances", "--max-transfer", "5", f("bank-negative.edn")}, ExitValid,
			[]string{"valid (bank, 4 ops, "}, ""},
		{"bank's old and new total flags must agree",
			[]string{"--model", "bank", "--total-amount", "20", "--bank-total", "30", f("bank-negative.edn")}, ExitBadArgs,
			nil, "--total-amount 20 and --bank-total 30 disagree"},
		{"bank's --max-transfer must be positive",
			[]string{"--model", "bank", "--max-transfer", "0", f("bank-negative.edn")}, ExitBadArgs,
			nil, "--max-transfer 0: expected a positive amount"},
		{"long-fork reads that saw writes in opposite orders are invalid",
			[]string{"--model", "long-fork", "--long-fork-group-size", "2", "--explain", f("long-fork.edn")}, ExitInvalid,
			[]string{"1 fork; e.g. op 4 saw 0 without 1, op 5 saw 1 without 0",
				"op 4 (process 2) saw key 0 written but not key 1; op 5 (process 3) saw 1 but not 0: they saw the two writes in opposite orders"}, ""},
		{"long-fork group size out of range is a usage error",
			[]string{"--model", "long-fork", "--long-fork-group-size", "65", f("long-fork.edn")}, ExitBadArgs,
			nil, "--long-fork-group-size 65: expected 0 (groups as read) or 1..64"},
		{"monotonic value going backwards in real time is invalid",
			[]string{"--model", "monotonic", "--explain", f("monotonic-backwards.edn")}, ExitInvalid,
			[]string{"key :x: op 1 (process 0) saw 3, then op 3 (process 1) saw 2, in an op that began after op 1 had ended"}, ""},
		{"monotonic with only reads as observations misses the inc",
			[]string{"--model", "monotonic", "--monotonic-fs", "read", f("monotonic-backwards.edn")}, ExitValid,
			[]string{"valid (monotonic, 4 ops, "}, ""},
		{"sequential read with a gap is invalid",
			[]string{"--model", "sequential", "--explain", f("sequential-gap.edn")}, ExitInvalid,
			[]string{"op 1 (process 0) read key 5 as [3 nil 1]: it saw the subkey at position 0 but not the one at position 1"}, ""},
		{"independent set lists the failing key",
			[]string{"--model", "set", "--independent", "--explain", f("independent-set.edn")}, ExitInvalid,
			[]string{"1 of 2 keys invalid, 0 unknown: [:b]; key :b: 1 lost, 0 unexpected", "key :b (4 ops): false", "missing from the final read: [2]"}, ""},
		{"stats of a history where every f succeeded is valid",
			[]string{"--model", "stats", f("counter-ok.edn")}, ExitValid,
			[]string{"valid (stats, 6 ops, "}, ""},
		{"a counter read that is not a number is unknown, naming the op",
			[]string{"--model", "counter", "--explain", f("counter-bad-value.edn")}, ExitUnknown,
			[]string{"unknown (counter, 4 ops, ", "): op 3 (process 1, :read ok): an ok read's value must be an integer, found :one\n"}, ""},
		{"a set that was never read is unknown",
			[]string{"--model", "set", f("unique-ids-dup.edn")}, ExitUnknown,
			[]string{"unknown (set, 4 ops, ", ": the set was never read"}, ""},
		{"several files exit with the worst verdict",
			[]string{"--model", "counter", f("counter-ok.edn"), f("counter-lost.edn")}, ExitInvalid,
			[]string{f("counter-ok.edn") + ": valid", f("counter-lost.edn") + ": INVALID"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCheck(t, c.args...)
			if code != c.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, c.code, out, errOut)
			}
			for _, want := range c.out {
				if !strings.Contains(out, want) {
					t.Errorf("stdout lacks %q:\n%s", want, out)
				}
			}
			if !strings.Contains(errOut, c.err) {
				t.Errorf("stderr lacks %q:\n%s", c.err, errOut)
			}
		})
	}
}

func TestCheckHelpListsEveryClassicModel(t *testing.T) {
	code, out, _ := runCheck(t, "--help")
	if code != ExitValid {
		t.Fatalf("exit %d", code)
	}
	for _, m := range classicCheckModels() {
		if !strings.Contains(out, "  "+m.Name+" ") || !strings.Contains(out, m.Summary) {
			t.Errorf("help does not list %s: %s", m.Name, m.Summary)
		}
	}
	for _, flag := range []string{"-o, --total-amount", "-n, --allow-negative-balances", "--max-transfer", "--bank-total", "--bank-accounts", "--bank-negative-ok", "--long-fork-group-size", "--set-full-linearizable", "--total-queue-no-duplicates", "--monotonic-fs", "--independent"} {
		if !strings.Contains(out, flag) {
			t.Errorf("help lacks %s", flag)
		}
	}
}

// onesWithPlurals finds "1 reads" and the like in out: a count of one
// followed by a word ending in s that is no unit or verb ("1 ms", "1 was").
func onesWithPlurals(out string) []string {
	var bad []string
	for _, m := range oneThenWord.FindAllStringSubmatch(out, -1) {
		switch m[2] {
		case "ms", "was", "is", "has", "does":
		default:
			if strings.HasSuffix(m[2], "s") {
				bad = append(bad, m[0])
			}
		}
	}
	return bad
}

var oneThenWord = regexp.MustCompile(`(^|[^0-9.-])1 ([a-z]+)`)

// Every classic model on every classic fixture, including histories of other
// workloads, must reach a verdict (valid, invalid or unknown) and never
// crash: a user pointing the wrong model at a history gets an answer that
// names what did not fit, not a stack trace.
func TestCheckClassicModelsNeverCrashOnForeignHistories(t *testing.T) {
	fixtures, err := filepath.Glob(classicFixture("*"))
	if err != nil || len(fixtures) < 10 {
		t.Fatalf("fixtures: %v %v", fixtures, err)
	}
	for _, m := range classicCheckModels() {
		args := []string{"--model", m.Name, "--explain", "--bank-total", "20"}
		code, out, errOut := runCheck(t, append(args, fixtures...)...)
		if code != ExitValid && code != ExitInvalid && code != ExitUnknown {
			t.Errorf("%s: exit %d\n%s\n%s", m.Name, code, out, errOut)
		}
		if strings.Contains(out+errOut, "panicked") || strings.Count(out, ": ") < len(fixtures) {
			t.Errorf("%s: a checker panicked or a file got no verdict line:\n%s", m.Name, out)
		}
		if strings.Contains(out, "map[") {
			t.Errorf("%s: a Go map in the output:\n%s", m.Name, out)
		}
		if bad := onesWithPlurals(out); len(bad) > 0 {
			t.Errorf("%s: %q: a count of one with a plural noun:\n%s", m.Name, bad, out)
		}
	}
}
