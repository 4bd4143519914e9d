package cli

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCheckStdin is runCheck with stdin.
func runCheckStdin(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb strings.Builder
	root := Root()
	root.SetIn(strings.NewReader(stdin))
	code := Execute(root, append([]string{"check"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// elle-cli's text form, byte for byte: elle-cli prints (println path "\t"
// valid), so a space stands on each side of the tab. Exit codes are
// elle-cli's: 1 when any history is invalid, else 0, unknown included.
func TestCheckTextOutput(t *testing.T) {
	e := elleFixture
	ok, skew, malformed := e("list-append-ok.edn"), e("list-append-read-skew.edn"), e("list-append-malformed.edn")
	cases := []struct {
		name  string
		args  []string
		code  int
		out   string
		inErr string
	}{
		{"valid", []string{"-v", "text", ok}, ExitValid, ok + " \t true\n", ""},
		{"invalid exits 1", []string{"--output", "text", skew}, ExitInvalid, skew + " \t false\n", ""},
		{"unknown exits 0, as elle-cli", []string{"--output=text", malformed}, ExitValid, malformed + " \t unknown\n", ""},
		{"one line per file, in order; any invalid exits 1",
			[]string{"-v", "text", ok, malformed, skew}, ExitInvalid,
			ok + " \t true\n" + malformed + " \t unknown\n" + skew + " \t false\n", ""},
		{"a file that is not a history is no verdict: stderr, exit 254",
			[]string{"-v", "text", ok, e("no-such-file.edn")}, ExitBadArgs,
			ok + " \t true\n", "faultline: " + e("no-such-file.edn") + ": unreadable: open "},
		{"--explain follows the line", []string{"-v", "text", "--explain", skew}, ExitInvalid,
			skew + " \t false\nlist-append: valid? false under strict-serializable\n", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCheck(t, append([]string{"-m", "list-append"}, c.args...)...)
			if code != c.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, c.code, out, errOut)
			}
			if !strings.HasPrefix(out, c.out) || (!strings.Contains(c.name, "explain") && out != c.out) {
				t.Errorf("stdout %q, want %q", out, c.out)
			}
			if !strings.Contains(errOut, c.inErr) {
				t.Errorf("stderr %q lacks %q", errOut, c.inErr)
			}
		})
	}
}

// Faultline's own form keeps its verdict lines and its exit codes: 2 for
// unknown, 254 for input that is not a history, the worst over all files.
func TestCheckFaultlineOutputExitCodes(t *testing.T) {
	e := elleFixture
	ok, skew, malformed := e("list-append-ok.edn"), e("list-append-read-skew.edn"), e("list-append-malformed.edn")
	cases := []struct {
		name  string
		files []string
		code  int
		out   []string
	}{
		{"valid", []string{ok}, ExitValid, []string{ok + ": valid (list-append, 6 ops, "}},
		{"unknown is 2", []string{ok, malformed}, ExitUnknown, []string{malformed + ": unknown (list-append, 4 ops, "}},
		{"invalid beats unknown", []string{malformed, skew}, ExitInvalid, []string{skew + ": INVALID (list-append, 6 ops, "}},
		{"unreadable beats invalid", []string{skew, e("nope.edn")}, ExitBadArgs, []string{e("nope.edn") + ": unreadable: open "}},
	}
	one := "{:index 0, :type :invoke, :process 0, :f :txn, :value [[:append :x 1]]}\n"
	if code, out, _ := runCheckStdin(t, one, "-m", "list-append", "-"); code != ExitUnknown || !strings.HasPrefix(out, "-: unknown (list-append, 1 op, ") {
		t.Errorf("one op: exit %d, %q", code, out)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, form := range [][]string{nil, {"--output", "faultline"}} {
				expectCheck(t, append(append([]string{"-m", "list-append"}, form...), c.files...), c.code, c.out)
			}
		})
	}
}

// decodeDocuments reads the JSON documents of --output json, one per file.
func decodeDocuments(t *testing.T, out string) []map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	var docs []map[string]any
	for {
		var d map[string]any
		err := dec.Decode(&d)
		if err == io.EOF {
			return docs
		}
		if err != nil {
			t.Fatalf("not a sequence of JSON documents: %v\n%s", err, out)
		}
		docs = append(docs, d)
	}
}

// The JSON form: one document per file with elle-cli's keys, carrying what
// a script needs without parsing text: the anomalies by type with their
// transactions and steps, the models ruled out, a counterexample, failing
// keys; a file that is not a history has no "valid?".
func TestCheckJSONOutput(t *testing.T) {
	e, c, l := elleFixture, classicFixture, func(n string) string { return filepath.Join("testdata", "linear", n) }
	code, out, errOut := runCheck(t, "-m", "list-append", "-v", "json", e("list-append-ok.edn"), e("list-append-read-skew.edn"), e("missing.edn"))
	if code != ExitBadArgs {
		t.Fatalf("exit %d, want 254 for the missing file\n%s%s", code, out, errOut)
	}
	docs := decodeDocuments(t, out)
	if len(docs) != 3 {
		t.Fatalf("%d documents, want one per file:\n%s", len(docs), out)
	}
	ok, skew, missing := docs[0], docs[1], docs[2]
	if ok["valid?"] != true || ok["file"] != e("list-append-ok.edn") || ok["model"] != "list-append" || ok["ops"] != json.Number("6") {
		t.Errorf("valid document: %v", ok)
	}
	if types := fmt.Sprint(ok["anomaly-types"]); types != "[]" {
		t.Errorf("a valid history's anomaly-types = %s, want [] (present, empty)", types)
	}
	if skew["valid?"] != false || fmt.Sprint(skew["anomaly-types"]) != "[G-single-item]" ||
		fmt.Sprint(skew["not"]) != "[consistent-view repeatable-read]" ||
		skew["summary"] != "G-single-item; not consistent-view, repeatable-read; not checked: predicate-read-miss" ||
		fmt.Sprint(skew["not-checked"]) != "[predicate-read-miss]" {
		t.Errorf("read skew document: %v", skew)
	}
	byType, _ := skew["anomalies"].(map[string]any)
	cycles, _ := byType["G-single-item"].([]any)
	if len(cycles) != 1 {
		t.Fatalf("anomalies = %v, want {G-single-item: [one cycle]}", skew["anomalies"])
	}
	cycle := cycles[0].(map[string]any)
	steps := cycle["steps"].([]any)
	first := steps[0].(map[string]any)
	if len(steps) != 2 || first["rel"] != "rw" || first["from"] != "T1" || first["to"] != "T2" ||
		first["explanation"] != "T1 read key :x = [], which does not yet have 1, which T2 appended next" {
		t.Errorf("cycle steps = %v", steps)
	}
	txn := cycle["txns"].([]any)[1].(map[string]any)
	if txn["index"] != json.Number("3") || fmt.Sprint(txn["value"]) != "[[append x 1] [append y 1]]" {
		t.Errorf("second transaction = %v", txn)
	}
	if _, has := missing["valid?"]; has || missing["file"] != e("missing.edn") || !strings.Contains(fmt.Sprint(missing["error"]), "no such file") {
		t.Errorf("missing file document = %v, want file and error, no verdict", missing)
	}
	if strings.Contains(out, `\u003c`) {
		t.Errorf("JSON escapes < as for HTML:\n%s", out)
	}

	// A linearizability counterexample and its failing key.
	code, out, _ = runCheck(t, "-m", "kv", "--verbose", l("kv-stale.edn"))
	kv := decodeDocuments(t, out)
	if code != ExitInvalid || len(kv) != 1 {
		t.Fatalf("kv: exit %d\n%s", code, out)
	}
	ce, _ := kv[0]["counterexample"].(map[string]any)
	blocked, _ := ce["blocked"].([]any)
	if fmt.Sprint(kv[0]["failing-keys"]) != "[y]" || ce["key"] != "y" || len(blocked) != 1 ||
		blocked[0].(map[string]any)["index"] != json.Number("8") {
		t.Errorf("kv document: failing-keys %v, counterexample %v", kv[0]["failing-keys"], ce)
	}

	// Independent keys: failing keys first, each key's own result.
	code, out, _ = runCheck(t, "-m", "set", "--independent", "-v", "json", c("independent-set.edn"), c("set-lost.edn"))
	sets := decodeDocuments(t, out)
	if code != ExitInvalid || len(sets) != 2 || fmt.Sprint(sets[0]["failing-keys"]) != "[b]" {
		t.Fatalf("independent set: exit %d, documents %v", code, sets)
	}
	keys := sets[0]["keys"].([]any)
	if r := keys[0].(map[string]any)["result"].(map[string]any); r["valid"] != false || fmt.Sprint(r["details"].(map[string]any)["lost"]) != "[2]" {
		t.Errorf("key b's result = %v, want invalid, lost [2]", r)
	}
	if _, has := sets[1]["valid?"]; !has || sets[1]["failing-keys"] == nil {
		t.Errorf("a history with no [key value] ops still says valid? and failing-keys: %v", sets[1])
	}
}

// The JSON of one history is the same on every run: scripts may diff it.
func TestCheckJSONIsStable(t *testing.T) {
	args := []string{"-m", "list-append", "-v", "json", elleFixture("list-append-long-fork.edn")}
	_, first, _ := runCheck(t, args...)
	for range 5 {
		if _, again, _ := runCheck(t, args...); again != first {
			t.Fatalf("JSON changed between runs:\n%s\n---\n%s", first, again)
		}
	}
}

func TestCheckOutputArguments(t *testing.T) {
	f := elleFixture("list-append-ok.edn")
	cases := []struct {
		args []string
		err  string
	}{
		{[]string{"-v", "yaml", f}, `--output "yaml": expected faultline, text or json`},
		{[]string{"--verbose", "-v", "text", f}, "--verbose means --output json, but --output text was given too"},
		{[]string{"-v", "json", "--explain", f}, "--explain prints text"},
		{[]string{"-", "-"}, "- (standard input) given 2 times"},
		{nil, "no history files given"},
	}
	for _, c := range cases {
		errOut := expectCheck(t, append([]string{"-m", "list-append"}, c.args...), ExitBadArgs, nil)
		if !strings.Contains(errOut, c.err) {
			t.Errorf("%v: stderr %q lacks %q", c.args, errOut, c.err)
		}
	}
}

// "-" reads standard input, in every format, and the reader's warnings are
// printed as for a file.
func TestCheckStandardInput(t *testing.T) {
	skew, err := os.ReadFile(elleFixture("list-append-read-skew.edn"))
	if err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCheckStdin(t, string(skew), "-m", "list-append", "-v", "text", "-")
	if code != ExitInvalid || out != "- \t false\n" {
		t.Errorf("exit %d, stdout %q", code, out)
	}
	// Compressed, and empty: the reader's rules hold for standard input.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(skew)
	zw.Close()
	if code, out, _ := runCheckStdin(t, gz.String(), "-m", "list-append", "-v", "text", "-"); code != ExitInvalid || out != "- \t false\n" {
		t.Errorf("gzip stdin: exit %d, stdout %q", code, out)
	}
	if code, out, errOut := runCheckStdin(t, "", "-m", "list-append", "-v", "text", "-"); code != ExitBadArgs || out != "" || !strings.Contains(errOut, "no operations found in standard input") {
		t.Errorf("empty stdin: exit %d, stdout %q, stderr %q: want no verdict, exit 254", code, out, errOut)
	}
	// A crashed run's last op, cut short: a warning naming stdin, the ops
	// before it checked.
	ok, err := os.ReadFile(elleFixture("list-append-ok.edn"))
	if err != nil {
		t.Fatal(err)
	}
	lastLine := bytes.LastIndexByte(ok[:len(ok)-1], '\n') + 1
	code, out, errOut := runCheckStdin(t, string(ok[:lastLine+20]), "-m", "list-append", "-")
	if code != ExitValid || !strings.HasPrefix(out, "-: valid (list-append, 5 ops, ") || !strings.Contains(errOut, "warning: standard input:6:1: the last op is cut short") {
		t.Errorf("truncated stdin: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	broken := "{:index 0, :type :invoke, :process 0, :f :txn, :value [[:r :x nil]]}\n{:index 1 ]\n"
	code, out, _ = runCheckStdin(t, broken, "-m", "list-append", "-", elleFixture("list-append-ok.edn"))
	if code != ExitBadArgs || !strings.HasPrefix(out, "-: unreadable: standard input:2:") || !strings.Contains(out, "list-append-ok.edn: valid") {
		t.Errorf("broken stdin: exit %d, stdout %s", code, out)
	}
}

// writeG1cRing writes a list-append history of n transactions in a G1c ring
// (each appends to its own key and reads the previous one's append), all
// concurrent: one strongly connected component whose cycle a tiny budget
// cannot find.
func writeG1cRing(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "{:index %d, :type :invoke, :process %d, :f :txn, :value [[:append %d 1] [:r %d nil]]}\n", i, i, i, (i+n-1)%n)
	}
	for i := range n {
		fmt.Fprintf(&b, "{:index %d, :type :ok, :process %d, :f :txn, :value [[:append %d 1] [:r %d [1]]]}\n", n+i, i, i, (i+n-1)%n)
	}
	path := filepath.Join(t.TempDir(), "ring.edn")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// An unknown verdict from an exhausted budget says so on the verdict line,
// and the JSON carries the same account; with enough budget the ring is
// found (so the unknown is the budget's doing, not the history's).
func TestCheckSaysWhenTheBudgetRanOut(t *testing.T) {
	ring := writeG1cRing(t, 50)
	expectCheck(t, []string{"-m", "list-append", "--cycle-search-budget", "10", ring}, ExitUnknown,
		[]string{"unknown (list-append, 100 ops, ", "; cycle-search-timeout: the search for G1c cycles in a strongly connected component of 50 transactions ran out of its budget of 10 edge visits"})
	expectCheck(t, []string{"-m", "list-append", ring}, ExitInvalid, []string{"INVALID (list-append, 100 ops, ", "G1c"})
	code, out, _ := runCheck(t, "-m", "list-append", "--cycle-search-budget", "10", "-v", "text", ring)
	if code != ExitValid || out != ring+" \t unknown\n" {
		t.Errorf("elle-cli text: exit %d, %q: want unknown, exit 0 as elle-cli", code, out)
	}
	_, out, _ = runCheck(t, "-m", "list-append", "--cycle-search-budget", "10", "-v", "json", ring)
	doc := decodeDocuments(t, out)[0]
	timeouts, _ := doc["anomalies"].(map[string]any)["cycle-search-timeout"].([]any)
	if doc["valid?"] != "unknown" || len(timeouts) != 1 {
		t.Errorf("JSON: valid? %v, anomalies %v", doc["valid?"], doc["anomalies"])
	}
}

// A counterexample's states are EDN maps for multi-register: the JSON shows
// them as maps, as elle-cli's Knossos output does.
func TestCheckJSONShowsMapsAsObjects(t *testing.T) {
	h := `{:index 0, :type :invoke, :process 0, :f :txn, :value [[:w :x 1] [:w :y 2]]}
{:index 1, :type :ok, :process 0, :f :txn, :value [[:w :x 1] [:w :y 2]]}
{:index 2, :type :invoke, :process 1, :f :txn, :value [[:r :x nil] [:r :y nil]]}
{:index 3, :type :ok, :process 1, :f :txn, :value [[:r :x 1] [:r :y 3]]}
`
	code, out, _ := runCheckStdin(t, h, "-m", "multi-register", "-v", "json", "-")
	docs := decodeDocuments(t, out)
	if code != ExitInvalid || len(docs) != 1 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	ce := docs[0]["counterexample"].(map[string]any)
	if fmt.Sprint(ce["states"]) != "[map[x:1 y:2]]" || fmt.Sprint(ce["start"]) != "map[x:<nil> y:<nil>]" {
		t.Errorf("states %v, start %v: want the registers as JSON objects", ce["states"], ce["start"])
	}
}

// check --help says where Faultline stands in for elle-cli and where it
// judges otherwise than Elle and Knossos.
func TestCheckHelpNamesTheDifferences(t *testing.T) {
	_, out, _ := runCheck(t, "--help")
	for _, want := range []string{
		`--output text prints elle-cli's lines ("PATH \t true"`,
		"exit as elle-cli does: 1 if any\nhistory is invalid, else 0",
		"Where Faultline deliberately differs from Elle and Knossos:",
		"nil reads: Knossos lets an ok read of nil match any state of a register",
		"--nil-reads-match-any takes Knossos's reading", "--garbage-reads reports it as an anomaly,",
		"-s, --cycle-search-timeout int", "-v, --output string", "-m, --model string",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}
