package codec

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/faultline/faultline/history"
)

// The histories Elle, Knossos and elle-cli write, and things that are not
// histories at all. Each test states the input, the ops read (with their
// processes, pairing and times) and the exact warning or error text.

// readAll reads text with ReadAll, as ReadFile does.
func readAll(t *testing.T, name, text string) (*history.History, []Warning) {
	t.Helper()
	h, warnings, err := Read(strings.NewReader(text), name, Auto)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return h, warnings
}

func warningTexts(ws []Warning) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.String())
	}
	return out
}

func sameStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got  %q\n want %q", what, got, want)
	}
}

// Elle's and elle-cli's histories leave :f out (a transaction is known by
// its value): F is "", never invented, in every format, and writing gives
// back an op without f.
func TestOpsWithoutFKeepAnEmptyF(t *testing.T) {
	txn := []any{[]any{kw("append"), kw("x"), int64(1)}}
	want := []history.Op{
		{Index: 0, Type: history.Invoke, Process: 0, Value: txn},
		{Index: 1, Type: history.OK, Process: 0, Value: txn},
	}
	for name, text := range map[string]string{
		"no :f":     "{:type :invoke, :value [[:append :x 1]], :process 0}\n{:type :ok, :value [[:append :x 1]], :process 0}\n",
		":f nil":    "{:type :invoke, :f nil, :value [[:append :x 1]], :process 0}\n{:type :ok, :value [[:append :x 1]], :process 0, :f nil}\n",
		"json":      `[{"type":"invoke","value":[[{"#keyword":"append"},{"#keyword":"x"},1]],"process":0},{"type":"ok","f":null,"value":[[{"#keyword":"append"},{"#keyword":"x"},1]],"process":0}]`,
		"txt rows":  "0\t:invoke\tnil\t[[:append :x 1]]\n0\t:ok\tnil\t[[:append :x 1]]\n",
		"log lines": "INFO  jepsen.util - 0\t:invoke\tnil\t[[:append :x 1]]\nINFO  jepsen.util - 0\t:ok\tnil\t[[:append :x 1]]\n",
	} {
		h, warnings := readAll(t, name, text)
		if len(warnings) > 0 || !reflect.DeepEqual(h.Ops(), want) || h.Completion(0) != 1 {
			t.Errorf("%s: ops %v, warnings %v; want %v, paired", name, h.Ops(), warnings, want)
		}
	}
	for f, wantText := range map[Format]string{
		EDN:       "{:index 0, :time 0, :type :invoke, :process 0, :value [[:append :x 1]]}\n",
		JSON:      `{"index":0,"time":0,"type":"invoke","process":0,"value":[[{"#keyword":"append"},{"#keyword":"x"},1]]}` + "\n",
		JepsenLog: "0\t:invoke\tnil\t[[:append :x 1]]\n",
	} {
		if got := writeString(t, f, want[:1]); got != wantText {
			t.Errorf("%s writes an op without f as %q, want %q", f, got, wantText)
		}
	}
}

// madeUp is ReadAll's warning about n completions without an invocation.
func madeUp(n int) string {
	return fmt.Sprintf("%d ops have no invocation (a history of completions, as Elle's examples are written?): each is taken as invoked at the start of the history, so no op is known to have completed before it began (it is never the later side of a real-time order), and a process's completions keep their order", n)
}

const givenAProcess = "op has no process; it runs as process 0, a process of its own, so that no checker takes it and another op for one process's sequence; every op without a process gets a fresh one"

// Histories that break one-op-at-a-time or name no process are repaired,
// never guessed at: every op read (made-up invocations first), its pairing
// and the warnings are stated for each.
func TestProcessAndInvocationRepairs(t *testing.T) {
	cases := []struct {
		why, name, text string
		warnings        []string
		ops             []string
		completes       map[int]int // position -> position of its completion (-1: none)
	}{{
		why: "ops without a process (long-fork and set histories written by hand) get one of their own each, " +
			"so no checker takes two for one process's sequence; the file's own process 1 was taken, so it runs as 2",
		name: "p.edn",
		text: "{:type :ok, :f :read, :value [[:r 0 1] [:r 1 nil]]}\n" +
			"{:type :ok, :f :read, :value [[:r 1 1] [:r 0 nil]], :process nil}\n" +
			"{:type :invoke, :f :read, :value nil, :process 1}\n" +
			"{:type :ok, :f :read, :value [[:r 0 1] [:r 1 1]], :process 1}\n",
		warnings: []string{"p.edn:1:1: " + givenAProcess, "p.edn: 2 ops in all had no process and were given processes of their own", "p.edn:1:1: " + madeUp(2)},
		ops: []string{
			"{:index 0, :time 0, :type :invoke, :process 0, :f :read, :value [[:r 0 1] [:r 1 nil]]}",
			"{:index 1, :time 0, :type :invoke, :process 1, :f :read, :value [[:r 1 1] [:r 0 nil]]}",
			"{:index 0, :time 0, :type :ok, :process 0, :f :read, :value [[:r 0 1] [:r 1 nil]]}",
			"{:index 1, :time 0, :type :ok, :process 1, :f :read, :value [[:r 1 1] [:r 0 nil]]}",
			"{:index 2, :time 0, :type :invoke, :process 2, :f :read, :value nil}",
			"{:index 3, :time 0, :type :ok, :process 2, :f :read, :value [[:r 0 1] [:r 1 1]]}",
		},
		completes: map[int]int{0: 2, 1: 3, 4: 5},
	}, {
		why: "Jepsen's own long-fork test history has no process at all: nothing says which completion is an invocation's, " +
			"and keeping both would count each read twice (once as indeterminate), so the invocations are left out",
		name: "lf.edn",
		text: "{:type :invoke, :f :read, :value [[:r 0 nil] [:r 1 nil] [:r 2 nil]]}\n" +
			"{:type :invoke, :f :read, :value [[:r 2 nil] [:r 0 nil] [:r 1 nil]]}\n" +
			"{:type :ok, :f :read, :value [[:r 0 1] [:r 1 1] [:r 2 nil]]}\n" +
			"{:type :ok, :f :read, :value [[:r 2 1] [:r 0 1] [:r 1 nil]]}\n",
		warnings: []string{
			"lf.edn:1:1: an :invoke without a process is left out: nothing says which completion is its own (its completion, if any, is kept as an op of its own); so is every :invoke without a process",
			"lf.edn:3:1: " + givenAProcess,
			"lf.edn: 2 ops in all had no process and were given processes of their own",
			"lf.edn: 2 :invoke ops in all had no process and were left out",
			"lf.edn:3:1: " + madeUp(2),
		},
		ops: []string{
			"{:index 2, :time 0, :type :invoke, :process 0, :f :read, :value [[:r 0 1] [:r 1 1] [:r 2 nil]]}",
			"{:index 3, :time 0, :type :invoke, :process 1, :f :read, :value [[:r 2 1] [:r 0 1] [:r 1 nil]]}",
			"{:index 2, :time 0, :type :ok, :process 0, :f :read, :value [[:r 0 1] [:r 1 1] [:r 2 nil]]}",
			"{:index 3, :time 0, :type :ok, :process 1, :f :read, :value [[:r 2 1] [:r 0 1] [:r 1 nil]]}",
		},
		completes: map[int]int{0: 2, 1: 3},
	}, {
		why: "completions alone, as Elle's examples are written: each is invoked at the start (a copy of it, the earliest time), " +
			"and a process's completions keep their order, also around an op of the process that has its invocation",
		name: "c.edn",
		text: "{:type :ok, :value [[:append :x 1]], :process 0, :time 10}\n" +
			"{:type :ok, :value [[:append :x 2]], :process 0, :time 20}\n" +
			"{:type :invoke, :value [[:r :x nil]], :process 1, :time 30}\n" +
			"{:type :ok, :value [[:r :x [1 2]]], :process 1, :time 40}\n" +
			"{:type :ok, :value [[:append :x 3]], :process 1, :time 50}\n" +
			"{:type :info, :value [[:append :y 1]], :process 2, :time 60}\n",
		warnings: []string{"c.edn:1:1: " + madeUp(4)},
		ops: []string{
			"{:index 0, :time 10, :type :invoke, :process 0, :value [[:append :x 1]]}",
			"{:index 1, :time 10, :type :invoke, :process 0, :value [[:append :x 2]]}",
			"{:index 4, :time 10, :type :invoke, :process 1, :value [[:append :x 3]]}",
			"{:index 5, :time 10, :type :invoke, :process 2, :value [[:append :y 1]]}",
			"{:index 0, :time 10, :type :ok, :process 0, :value [[:append :x 1]]}",
			"{:index 1, :time 20, :type :ok, :process 0, :value [[:append :x 2]]}",
			"{:index 2, :time 30, :type :invoke, :process 1, :value [[:r :x nil]]}",
			"{:index 3, :time 40, :type :ok, :process 1, :value [[:r :x [1 2]]]}",
			"{:index 4, :time 50, :type :ok, :process 1, :value [[:append :x 3]]}",
			"{:index 5, :time 60, :type :info, :process 2, :value [[:append :y 1]]}",
		},
		completes: map[int]int{0: 4, 1: 5, 2: 8, 3: 9, 6: 7},
	}, {
		why: "a process that invokes again before its op completed is a new process; the earlier op stays uncompleted " +
			"(it may or may not have happened) and the next completion completes the new op",
		name: "o.txt",
		text: "0\t:invoke\t:write\t1\n" +
			"0\t:invoke\t:write\t2\n" +
			"1\t:invoke\t:read\tnil\n" +
			"0\t:ok\t:write\t2\n" +
			"1\t:ok\t:read\t2\n" +
			"7\t:invoke\t:read\tnil\n7\t:invoke\t:read\tnil\n7\t:ok\t:read\t2\n",
		warnings: []string{
			"o.txt:2:1: process 0 invokes again while its op on line 1 is still outstanding; the new op runs as process 1 and the earlier one is left uncompleted (it may or may not have happened); every such process after it is renamed the same way",
			"o.txt: 2 processes in all invoked again while an op of theirs was outstanding and were given fresh ids",
		},
		ops: []string{
			"{:index 0, :time 0, :type :invoke, :process 0, :f :write, :value 1}",
			"{:index 1, :time 0, :type :invoke, :process 1, :f :write, :value 2}",
			"{:index 2, :time 0, :type :invoke, :process 2, :f :read, :value nil}",
			"{:index 3, :time 0, :type :ok, :process 1, :f :write, :value 2}",
			"{:index 4, :time 0, :type :ok, :process 2, :f :read, :value 2}",
			"{:index 5, :time 0, :type :invoke, :process 7, :f :read, :value nil}",
			"{:index 6, :time 0, :type :invoke, :process 8, :f :read, :value nil}",
			"{:index 7, :time 0, :type :ok, :process 8, :f :read, :value 2}",
		},
		completes: map[int]int{0: -1, 1: 3, 2: 4, 5: -1, 6: 7},
	}}
	for _, c := range cases {
		h, warnings := readAll(t, c.name, c.text)
		sameStrings(t, c.name+" warnings ("+c.why+")", warningTexts(warnings), c.warnings)
		var ops []string
		for _, op := range h.All() {
			ops = append(ops, op.String())
		}
		sameStrings(t, c.name+" ops ("+c.why+")", ops, c.ops)
		for inv, done := range c.completes {
			if h.Completion(inv) != done || done >= 0 && h.Invocation(done) != inv {
				t.Errorf("%s: op at %d completes at %d, want %d (%s)", c.name, h.Completion(inv), inv, done, c.why)
			}
		}
	}
}

// Jepsen 0.2/0.3's jepsen.log (logback: "%d{ISO8601}{GMT}\t%p\t[%t] %c:
// %m%n"): rows after "jepsen.util: ", times from each line's timestamp in
// nanoseconds since the first op's line (across midnight too), the console
// layout without a date keeping the time of the row before, copied logs
// with spaces, and an ISO 8601 'T' with microseconds.
func TestJepsen03LogRowsAndTimes(t *testing.T) {
	text := "2024-01-02 10:11:12,345{GMT}\tINFO\t[jepsen test runner] jepsen.core: Relative time begins now\n" +
		"2024-01-02 10:11:12,400{GMT}\tINFO\t[jepsen worker 0] jepsen.util: 0\t:invoke\t:write\t1\n" +
		"2024-01-02 10:11:12,415{GMT}\tINFO\t[jepsen worker 0] jepsen.util: 0\t:ok\t:write\t1\n" +
		"2024-01-02 10:11:13,001{GMT}\tINFO\t[jepsen nemesis] jepsen.util: :nemesis\t:info\t:start\tnil\n" +
		"2024-01-02 10:11:13,002{GMT}\tINFO\t[jepsen nemesis] jepsen.util: :nemesis\t:info\t:start\t{\"n1\" #{\"n2\"}}\n" +
		"2024-01-02 10:11:14,500{GMT}\tWARN\t[jepsen worker 1] jepsen.generator.interpreter: Process 1 crashed\n" +
		"2024-01-02 23:59:59,999{GMT}\tINFO\t[jepsen worker 1] jepsen.util: 1\t:invoke\t:read\tnil\n" +
		"2024-01-03 00:00:00,001{GMT}\tINFO\t[jepsen worker 1] jepsen.util: 1\t:fail\t:read\tnil\t:timeout\n" +
		"INFO\t[jepsen worker 2] jepsen.util: 2\t:invoke\t:read\tnil\n" +
		"2024-01-03 00:00:00,001{GMT}  INFO  [jepsen worker 2] jepsen.util: 2  :ok    :read  [1 2]\n" +
		"2024-01-03T00:00:00.001500 INFO [jepsen worker 3] jepsen.util: 3\t:invoke\t:read\tnil\n"
	h, warnings := readAll(t, "jepsen.log", text)
	if len(warnings) > 0 {
		t.Fatal(warnings)
	}
	const ms = int64(1_000_000)
	midnight := (13*3600+48*60+47)*1000*ms + 599*ms // 10:11:12.400 to 23:59:59.999
	want := []history.Op{
		{Index: 0, Time: 0, Type: history.Invoke, Process: 0, F: "write", Value: int64(1)},
		{Index: 1, Time: 15 * ms, Type: history.OK, Process: 0, F: "write", Value: int64(1)},
		{Index: 2, Time: 601 * ms, Type: history.Info, Process: history.NemesisProcess, F: "start"},
		{Index: 3, Time: 602 * ms, Type: history.Info, Process: history.NemesisProcess, F: "start", Value: history.Map{{Key: "n1", Value: history.Set{"n2"}}}},
		{Index: 4, Time: midnight, Type: history.Invoke, Process: 1, F: "read"},
		{Index: 5, Time: midnight + 2*ms, Type: history.Fail, Process: 1, F: "read", Error: kw("timeout")},
		{Index: 6, Time: midnight + 2*ms, Type: history.Invoke, Process: 2, F: "read"},
		{Index: 7, Time: midnight + 2*ms, Type: history.OK, Process: 2, F: "read", Value: []any{int64(1), int64(2)}},
		{Index: 8, Time: midnight + 2*ms + 500_000, Type: history.Invoke, Process: 3, F: "read"},
	}
	if !reflect.DeepEqual(h.Ops(), want) {
		t.Fatalf("got\n%v\nwant\n%v", h.Ops(), want)
	}
}

func gzipped(t testing.TB, text string) string {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(text)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// gzip-compressed input is decompressed first, whatever format was asked
// for, and the format is detected on what it holds.
func TestGzipIsDecompressedAndItsContentsJudged(t *testing.T) {
	ops := richOps()
	for _, f := range []Format{EDN, JSON, JepsenLog} {
		text := writeString(t, f, ops)
		plain, _, err := Read(strings.NewReader(text), "h", Auto)
		if err != nil {
			t.Fatal(err)
		}
		for _, asked := range []Format{Auto, f} {
			r, err := NewReader(strings.NewReader(gzipped(t, text)), "h.gz", asked)
			if err != nil {
				t.Fatal(err)
			}
			h, err := r.ReadAll()
			if err != nil || r.Format() != f || !reflect.DeepEqual(h.Ops(), plain.Ops()) || len(r.Warnings()) > 0 {
				t.Errorf("%s asked as %s: format %s, %v %v", f, asked, r.Format(), err, r.Warnings())
			}
		}
	}
	// Concatenated gzip members (gzip a >> h.gz; gzip b >> h.gz) read as one.
	lines := strings.SplitAfter(writeString(t, EDN, ops), "\n")
	two := gzipped(t, strings.Join(lines[:3], "")) + gzipped(t, strings.Join(lines[3:], ""))
	if h, _, err := Read(strings.NewReader(two), "two.gz", Auto); err != nil || h.Len() != len(ops) {
		t.Errorf("two gzip members: %v, %v", h, err)
	}
	// Damaged or cut-short compressed data is an error, not a truncated run.
	good := gzipped(t, writeString(t, EDN, ops))
	for name, bad := range map[string]string{
		"flipped": good[:30] + string(good[30]^0xff) + good[31:],
		"cut":     good[:len(good)/2],
	} {
		_, _, err := Read(strings.NewReader(bad), "bad.gz", Auto)
		if err == nil || !strings.HasPrefix(err.Error(), "bad.gz: decompressing it (gzip): ") {
			t.Errorf("%s gzip: %v", name, err)
		}
	}
	if _, _, err := Read(strings.NewReader("\x1f\x8b\x01\x00\x00\x00\x00\x00\x00\x00 not deflate"), "hdr.gz", Auto); err == nil || err.Error() != "hdr.gz: reading it as gzip: gzip: invalid header" {
		t.Errorf("bad gzip header: %v", err)
	}
}

// "-" is standard input.
func TestReadFileDashIsStandardInput(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdin
	os.Stdin = pr
	defer func() { os.Stdin = saved; pr.Close() }()
	go func() {
		pw.Write([]byte(gzipped(t, writeString(t, EDN, richOps()))))
		pw.Close()
	}()
	h, warnings, err := ReadFile("-", Auto)
	if err != nil || len(warnings) > 0 || h.Len() != len(richOps()) {
		t.Fatalf("stdin: %v %v %v", h, warnings, err)
	}
	_, _, err = ReadFile("-", Auto) // now empty: the error names it
	if err == nil || err.Error() != "no operations found in standard input (read as edn): it is empty" {
		t.Fatalf("empty stdin: %v", err)
	}
}

// Input that holds no op is not a history: an error that says what it was
// read as and what was found, never an empty history (which every
// linearizability model would call valid).
func TestInputWithoutOpsIsAnError(t *testing.T) {
	const rowWhy = `no line is a Jepsen op row (process, :type, :f and value, tab-separated) or holds one after "jepsen.util - " or "jepsen.util: ", and it is neither EDN nor JSON`
	binary := "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00"
	csv := "index,type,process,f,value\n0,invoke,0,read,\n1,ok,0,read,3\n"
	yaml := "- type: invoke\n  process: 0\n  f: read\n- type: ok\n  process: 0\n  f: read\n  value: 3\n"
	cases := []struct{ name, text, want string }{
		{"empty.edn", "", "no operations found in empty.edn (read as edn): it is empty"},
		{"blank.txt", "  \n\t\n", "no operations found in blank.txt (read as edn): it holds no op map {:type ..., :process ..., :f ...}, only blanks, comments or empty collections"},
		{"comments.edn", "; nothing yet\n[]\n", "no operations found in comments.edn (read as edn): it holds no op map {:type ..., :process ..., :f ...}, only blanks, comments or empty collections"},
		{"empty.json", "[]", `no operations found in empty.json (read as json): it holds no op object {"type": ..., "process": ..., "f": ...}, only blanks or empty arrays`},
		{"data.csv", csv, "no operations found in data.csv (read as jepsen-log): " + rowWhy},
		{"h.yaml", yaml, "no operations found in h.yaml (read as jepsen-log): " + rowWhy},
		{"app.log", "INFO  app - starting\nINFO  jepsen.util - not an op\n", "no operations found in app.log (read as jepsen-log): " + rowWhy},
		{"plot.png", binary, "no operations found in plot.png (read as jepsen-log): it is not text (line 1 has a NUL byte or is not UTF-8): binary data, or compressed in a way other than gzip"},
		{"latin1.txt", "caf\xe9\n", "no operations found in latin1.txt (read as jepsen-log): it is not text (line 1 has a NUL byte or is not UTF-8): binary data, or compressed in a way other than gzip"},
		{"empty.gz", gzipped(t, ""), "no operations found in empty.gz (read as gzip-compressed edn): it is empty"},
		{"data.csv.gz", gzipped(t, csv), "no operations found in data.csv.gz (read as gzip-compressed jepsen-log): " + rowWhy},
		{"h.yaml.gz", gzipped(t, yaml), "no operations found in h.yaml.gz (read as gzip-compressed jepsen-log): " + rowWhy},
		{"png.gz", gzipped(t, binary), "no operations found in png.gz (read as gzip-compressed jepsen-log): it is not text (line 1 has a NUL byte or is not UTF-8): binary data, or compressed in a way other than gzip"},
		{"invokes.edn", "{:type :invoke, :f :read}\n{:type :invoke, :f :read}\n", "no operations found in invokes.edn (read as edn): its 2 :invoke ops have no process, and an :invoke without one is left out"},
	}
	dir := t.TempDir()
	for _, c := range cases {
		path := filepath.Join(dir, c.name)
		if err := os.WriteFile(path, []byte(c.text), 0o644); err != nil {
			t.Fatal(err)
		}
		h, _, err := ReadFile(path, Auto)
		var noOps *NoOpsError
		if h != nil || !errors.As(err, &noOps) || err.Error() != strings.Replace(c.want, c.name, path, 1) {
			t.Errorf("%s:\n got  %v, %v\n want %s", c.name, h, err, c.want)
		}
	}
	// Streaming, no op yet is only that (a live stream may not have one
	// yet): no error, no warning.
	r, err := NewReader(strings.NewReader(csv), "live", Auto)
	if err != nil {
		t.Fatal(err)
	}
	if op, err := r.Next(); err != io.EOF || len(r.Warnings()) > 0 {
		t.Fatalf("streaming a CSV: %v %v %v", op, err, r.Warnings())
	}
}

// Two ops with the same index are an error naming both lines, whether the
// indexes are written, large, or one of them is a position.
func TestTwoOpsWithTheSameIndexAreAnError(t *testing.T) {
	cases := []struct{ name, text, want string }{
		{"d.edn", "{:index 0, :type :invoke, :process 0, :f :read}\n{:index 1, :type :ok, :process 0, :f :read, :value 1}\n\n{:index 0, :type :invoke, :process 1, :f :read}\n",
			"d.edn:4:1: op has index 0, as does the op on line 1: two ops cannot share an index"},
		{"d.jsonl", `{"index":7,"type":"invoke","process":0,"f":"read"}` + "\n" + `{"index":7,"type":"ok","process":0,"f":"read"}` + "\n",
			"d.jsonl:2:1: op has index 7, as does the op on line 1: two ops cannot share an index"},
		{"big.edn", "{:index 5000000000, :type :invoke, :process 0, :f :read}\n{:index 9000000000, :type :ok, :process 0, :f :read}\n{:index 5000000000, :type :invoke, :process 0, :f :read}\n",
			"big.edn:3:1: op has index 5000000000, as does the op on line 1: two ops cannot share an index"},
		{"pos.edn", "{:index 1, :type :invoke, :process 0, :f :read}\n{:type :ok, :process 0, :f :read}\n",
			"pos.edn:2:1: op has index 1, as does the op on line 1: two ops cannot share an index (this op has no :index, so its position in the file is its index)"},
	}
	for _, c := range cases {
		_, _, err := Read(strings.NewReader(c.text), c.name, Auto)
		var se *SyntaxError
		if !errors.As(err, &se) || err.Error() != c.want {
			t.Errorf("%s:\n got  %v\n want %s", c.name, err, c.want)
		}
	}
	// Distinct indexes in any order, dense or far apart, are fine.
	var x indexLines
	for line, i := range []int{3, 0, 2, 1, 1 << 40, 5000, 4, 1<<40 + 1} {
		if _, dup := x.see(i, line+1); dup {
			t.Fatalf("index %d taken for a duplicate", i)
		}
	}
	for i, line := range map[int]int{2: 3, 1 << 40: 5, 4: 7} {
		if prev, dup := x.see(i, 99); !dup || prev != line {
			t.Errorf("index %d again: line %d, %v; want line %d", i, prev, dup, line)
		}
	}
	// An index kept aside while it was far from the others is still found
	// once the others have caught up with it.
	var y indexLines
	y.see(200_000, 1)
	for i := range 150_000 {
		y.see(i, i+2)
	}
	if prev, dup := y.see(200_000, 7); !dup || prev != 1 {
		t.Errorf("index 200000 again: line %d, %v; want line 1", prev, dup)
	}
	// Indexes far apart cannot make it allocate a page each.
	var z indexLines
	for i := range 1000 {
		z.see(i*indexPage*15, i+1)
	}
	if len(z.pages) > 16 {
		t.Errorf("1000 indexes far apart took %d pages", len(z.pages))
	}
}
