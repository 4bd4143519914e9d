package codec

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
)

// readString reads text as a whole history file named name.
func readString(name string, f Format, text string) ([]history.Op, []Warning, error) {
	r, err := NewReader(strings.NewReader(text), name, f)
	if err != nil {
		return nil, nil, err
	}
	var ops []history.Op
	for {
		op, err := r.Next()
		if err == io.EOF {
			return ops, r.Warnings(), nil
		}
		if err != nil {
			return ops, r.Warnings(), err
		}
		ops = append(ops, op)
	}
}

// writeString writes ops in format f.
func writeString(t testing.TB, f Format, ops []history.Op) string {
	t.Helper()
	var b bytes.Buffer
	w, err := NewWriter(&b, f)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		if err := w.Write(op); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func kw(s string) history.Keyword { return history.Keyword(s) }

// richOps is a small history with every value type in values, errors and
// extra fields: nemesis and info ops, txn and cas values, nil, big integers,
// strings with escapes.
func richOps() []history.Op {
	huge, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	return []history.Op{
		{Index: 0, Time: 10, Type: history.Invoke, Process: 0, F: "txn", Value: []any{[]any{kw("append"), int64(5), int64(2)}, []any{kw("r"), int64(6), nil}}},
		{Index: 1, Time: 11, Type: history.Invoke, Process: 1, F: "cas", Value: []any{int64(1), int64(4)}, Extra: []history.Field{{Name: "node", Value: "n1"}}},
		{Index: 2, Time: 12, Type: history.Invoke, Process: history.NemesisProcess, F: "start-partition", Value: kw("majority")},
		{Index: 3, Time: 13, Type: history.Info, Process: history.NemesisProcess, F: "start-partition", Value: history.Map{{Key: "n1", Value: []any{"n2", "n3"}}, {Key: kw("n4"), Value: history.Set{"n5"}}}},
		{Index: 4, Time: 20, Type: history.OK, Process: 0, F: "txn", Value: []any{[]any{kw("append"), int64(5), int64(2)}, []any{kw("r"), int64(6), []any{int64(1), int64(2)}}}},
		{Index: 5, Time: 21, Type: history.Info, Process: 1, F: "cas", Value: []any{int64(1), int64(4)}, Error: kw("timeout"), Extra: []history.Field{{Name: "node", Value: "n1"}, {Name: "jepsen.history/latency", Value: 1.5}}},
		{Index: 6, Time: 30, Type: history.Invoke, Process: 6, F: "write", Value: "tab\tquote\"back\\slash\nnewline é 😀 \x01"},
		{Index: 7, Time: 31, Type: history.Fail, Process: 6, F: "write", Value: "tab\tquote\"back\\slash\nnewline é 😀 \x01", Error: []any{kw("conflict"), "write \"x\" failed"}},
		{Index: 8, Time: 40, Type: history.Invoke, Process: 2, F: "add", Value: huge},
		{Index: 9, Time: 41, Type: history.OK, Process: 2, F: "add", Value: huge, Extra: []history.Field{
			{Name: "small-big", Value: big.NewInt(7)}, {Name: "neg", Value: int64(-9223372036854775808)},
			{Name: "chars", Value: history.List{history.Char('a'), history.Char('\n'), history.Char(' '), history.Char('é')}},
			{Name: "sym", Value: history.Symbol("clojure.core/inc")},
			{Name: "floats", Value: []any{0.1, -2.0, 1e21, math.Inf(1), math.Inf(-1)}},
			{Name: "tagged", Value: history.Tagged{Tag: "inst", Value: "2026-01-25T12:00:00.000Z"}},
			{Name: "hash-key", Value: history.Map{{Key: "#keyword", Value: "not a keyword"}}},
			{Name: "empty", Value: []any{[]any{}, history.Map{}, history.Set{}, history.List{}, ""}},
			{Name: "bool", Value: []any{true, false}},
		}},
		{Index: 10, Time: 50, Type: history.Invoke, Process: 3, F: "read", Value: nil},
	}
}

func TestEveryFormatRoundTripsTheSameHistory(t *testing.T) {
	ops := richOps()
	for _, f := range []Format{EDN, JSON} {
		text := writeString(t, f, ops)
		got, warnings, err := readString("rt."+string(f), f, text)
		if err != nil || len(warnings) > 0 {
			t.Fatalf("%s: reading back: %v %v\n%s", f, err, warnings, text)
		}
		if !reflect.DeepEqual(got, ops) {
			t.Errorf("%s round trip changed the history:\n%s\ngot  %v\nwant %v", f, text, got, ops)
		}
		if again := writeString(t, f, got); again != text {
			t.Errorf("%s: writing what was read gives other text:\n%s\n%s", f, text, again)
		}
	}
	// history.txt keeps process, type, f, value and error; indexes become
	// positions (the same here), time and extra fields are not part of it.
	text := writeString(t, JepsenLog, ops)
	got, warnings, err := readString("rt.txt", JepsenLog, text)
	if err != nil || len(warnings) > 0 {
		t.Fatalf("txt: %v %v\n%s", err, warnings, text)
	}
	for i := range ops {
		want := ops[i]
		want.Time, want.Extra = 0, nil
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("txt op %d = %v, want %v", i, got[i], want)
		}
	}
}

func TestEDNToJSONLinesToEDNIsByteIdentical(t *testing.T) {
	edn := writeString(t, EDN, richOps())
	ops, _, err := readString("a.edn", Auto, edn)
	if err != nil {
		t.Fatal(err)
	}
	jsonl := writeString(t, JSON, ops)
	back, _, err := readString("a.jsonl", Auto, jsonl)
	if err != nil {
		t.Fatal(err)
	}
	if again := writeString(t, EDN, back); again != edn {
		t.Fatalf("EDN -> JSONL -> EDN changed the text:\n%s\n%s", edn, again)
	}
}

func TestJSONKeepsPlainValuesPlain(t *testing.T) {
	cases := map[string]any{
		`null`: nil, `true`: true, `12`: int64(12), `1.5`: 1.5, `2.0`: 2.0, `"s"`: "s",
		`[1,"a",[]]`:            []any{int64(1), "a", []any{}},
		`{"a":1,"b":[null]}`:    history.Map{{Key: "a", Value: int64(1)}, {Key: "b", Value: []any{nil}}},
		`99999999999999999999`:  func() any { n, _ := new(big.Int).SetString("99999999999999999999", 10); return n }(),
		`{"#keyword":"append"}`: kw("append"),
		`{"#map":[[1,2]]}`:      history.Map{{Key: int64(1), Value: int64(2)}},
		`{"#bigint":"5"}`:       big.NewInt(5),
		`{"#float":"-Inf"}`:     math.Inf(-1),
		`{"#other":1}`:          history.Map{{Key: "#other", Value: int64(1)}},
	}
	for text, want := range cases {
		if got := string(appendJSON(nil, want)); got != text && text != `{"#other":1}` {
			t.Errorf("appendJSON(%#v) = %s, want %s", want, got, text)
		}
		line := `{"type":"ok","process":0,"f":"read","value":` + text + "}"
		ops, _, err := readString("v.jsonl", JSON, line)
		if err != nil {
			t.Errorf("%s: %v", text, err)
			continue
		}
		if !reflect.DeepEqual(ops[0].Value, want) {
			t.Errorf("%s read as %#v, want %#v", text, ops[0].Value, want)
		}
	}
}

func TestJepsenEDNForms(t *testing.T) {
	want := []history.Op{
		{Index: 0, Time: 5, Type: history.Invoke, Process: 0, F: "read"},
		{Index: 1, Time: 6, Type: history.OK, Process: 0, F: "read", Value: int64(3)},
		{Index: 2, Time: 7, Type: history.Info, Process: history.NemesisProcess, F: "kill", Value: "n1"},
	}
	forms := map[string]string{
		"one map per line": "{:index 0, :time 5, :type :invoke, :process 0, :f :read, :value nil}\n{:index 1, :time 6, :type :ok, :process 0, :f :read, :value 3}\n{:index 2 :time 7 :type :info :process :nemesis :f :kill :value \"n1\"}\n",
		"vector":           "[{:time 5, :type :invoke, :process 0, :f :read, :value nil}\n {:time 6, :type :ok, :process 0, :f :read, :value 3}\n {:time 7 :type :info :process :nemesis :f :kill :value \"n1\"}]",
		"list, records":    "(#jepsen.history.Op{:index 0, :time 5, :type :invoke, :process 0, :f :read, :value nil} #jepsen.history.Op{:index 1, :time 6, :type :ok, :process 0, :f :read, :value 3}) ; done\n#jepsen.history.Op{:index 2 :time 7 :type :info :process :nemesis :f :kill :value \"n1\"}",
	}
	for name, text := range forms {
		got, warnings, err := readString(name, Auto, text)
		if err != nil || len(warnings) > 0 || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %v, %v, %v; want %v", name, got, warnings, err, want)
		}
	}
}

func TestJSONJepsenToolingArray(t *testing.T) {
	text := `[{"type":"invoke","f":"txn","value":[["append","x",2]],"process":0},
	 {"type":"ok","f":"txn","value":[["append","x",2]],"process":0, "node":"n1"},
	 {"type":"info","f":"start","value":null,"process":"nemesis"}]`
	got, warnings, err := readString("jepsen.json", Auto, text)
	if err != nil || len(warnings) > 0 {
		t.Fatal(err, warnings)
	}
	want := []history.Op{
		{Index: 0, Type: history.Invoke, Process: 0, F: "txn", Value: []any{[]any{"append", "x", int64(2)}}},
		{Index: 1, Type: history.OK, Process: 0, F: "txn", Value: []any{[]any{"append", "x", int64(2)}}, Extra: []history.Field{{Name: "node", Value: "n1"}}},
		{Index: 2, Type: history.Info, Process: history.NemesisProcess, F: "start"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
	// Strings and keywords are the same value to the checkers.
	if !history.Equal(got[0].Value, []any{[]any{kw("append"), kw("x"), int64(2)}}) {
		t.Fatal("JSON txn value is not Equal to its EDN form")
	}
}

func TestJepsenLogRowsArePickedOutOfLogLines(t *testing.T) {
	text := "2017-03-10 12:00:00,001{GMT}\tINFO\t[main] jepsen.core - Running test\n" +
		"INFO  jepsen.util - 3\t:invoke\t:cas\t[1 4]\n" +
		"INFO  jepsen.util - Relative time begins now\n" +
		"INFO  jepsen.util - :nemesis\t:info\t:start\tnil\n" +
		"INFO  jepsen.util - 3   :info   :cas    [1 4]   :timed-out\n" + // spaces, as in some copied logs
		"INFO  jepsen.util - :nemesis\t:info\t:start\t{\"n1\" #{\"n2\"}}\n" +
		"INFO  jepsen.util - 4\t:invoke\t:write\t2\n" +
		"INFO  jepsen.util - 4\t:fail\t:write\t2\tindeterminate: timed out after 5 s\n" +
		"\n"
	got, warnings, err := readString("jepsen.log", Auto, text)
	if err != nil || len(warnings) > 0 {
		t.Fatal(err, warnings)
	}
	want := []history.Op{
		{Index: 0, Type: history.Invoke, Process: 3, F: "cas", Value: []any{int64(1), int64(4)}},
		{Index: 1, Type: history.Info, Process: history.NemesisProcess, F: "start"},
		{Index: 2, Type: history.Info, Process: 3, F: "cas", Value: []any{int64(1), int64(4)}, Error: kw("timed-out")},
		{Index: 3, Type: history.Info, Process: history.NemesisProcess, F: "start", Value: history.Map{{Key: "n1", Value: history.Set{"n2"}}}},
		{Index: 4, Type: history.Invoke, Process: 4, F: "write", Value: int64(2)},
		{Index: 5, Type: history.Fail, Process: 4, F: "write", Value: int64(2), Error: "indeterminate: timed out after 5 s"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %v\nwant %v", got, want)
	}
}

func TestReinvokeAfterInfoGetsAFreshProcess(t *testing.T) {
	text := "0\t:invoke\t:write\t1\n" +
		"1\t:invoke\t:read\tnil\n" +
		"0\t:info\t:write\t1\n" +
		"0\t:invoke\t:read\tnil\n" + // older Jepsen: process 0 again
		"1\t:ok\t:read\t1\n" +
		"2\t:invoke\t:read\tnil\n" + // a real process 2 after the fresh id 2
		"0\t:ok\t:read\t1\n" +
		"2\t:ok\t:read\t1\n"
	r, err := NewReader(strings.NewReader(text), "history.txt", Auto)
	if err != nil {
		t.Fatal(err)
	}
	h, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var procs []int
	for _, op := range h.All() {
		procs = append(procs, op.Process)
	}
	if want := []int{0, 1, 0, 2, 1, 3, 2, 3}; !reflect.DeepEqual(procs, want) {
		t.Fatalf("processes = %v, want %v", procs, want)
	}
	w := r.Warnings()
	if len(w) != 1 || w[0].Line != 4 || !strings.Contains(w[0].Msg, "process 0 invokes again after an :info completion") || !strings.Contains(w[0].Msg, "continues as process 2") {
		t.Fatalf("warnings = %v", w)
	}
}

func TestManyRenamesAreSummedUpInOneMoreWarning(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 3; i++ {
		b.WriteString("7\t:invoke\t:write\t1\n7\t:info\t:write\t1\n")
	}
	ops, warnings, err := readString("h.txt", JepsenLog, b.String())
	if err != nil {
		t.Fatal(err)
	}
	var procs []int
	for _, op := range ops {
		procs = append(procs, op.Process)
	}
	if want := []int{7, 7, 8, 8, 9, 9}; !reflect.DeepEqual(procs, want) {
		t.Fatalf("processes = %v, want %v", procs, want)
	}
	if len(warnings) != 2 || warnings[0].Line != 3 || !strings.Contains(warnings[1].Msg, "2 processes in all invoked again") {
		t.Fatalf("warnings = %v", warnings)
	}
}

func TestDetectFormat(t *testing.T) {
	cases := map[string]Format{
		"":                             EDN,
		"  {:index 0}":                 EDN,
		"[{:index 0}]":                 EDN,
		"#jepsen.history.Op{}":         EDN,
		"; comment\n{:a 1}":            EDN,
		"(\n{:a 1})":                   EDN,
		`{"index":0}`:                  JSON,
		"[\n  {\n \"type\": \"ok\"}]":  JSON,
		"[]":                           JSON,
		"0\t:invoke\t:read\tnil":       JepsenLog,
		":nemesis\t:info\t:start\tnil": JepsenLog,
		"INFO  jepsen.util - 0\t:invoke\t:read\tnil": JepsenLog,
	}
	for text, want := range cases {
		if got, ok := detect([]byte(text), true); got != want || !ok {
			t.Errorf("detect(%q) = %s, want %s", text, got, want)
		}
	}
}

func TestAByteOrderMarkIsSkipped(t *testing.T) {
	for _, f := range []Format{EDN, JSON, JepsenLog} {
		text := "\xEF\xBB\xBF" + writeString(t, f, richOps()[:2])
		ops, warnings, err := readString("bom", Auto, text)
		if err != nil || len(warnings) > 0 || len(ops) != 2 || ops[1].Index != 1 {
			t.Errorf("%s with a BOM: %v %v %v", f, ops, warnings, err)
		}
	}
}

func TestDetectionWaitsOnlyForTheBytesItNeeds(t *testing.T) {
	for text, want := range map[string]Format{"  [": JSON, "[ {": EDN, "{ ": EDN, "  ": EDN} {
		if _, ok := detect([]byte(text), false); ok {
			t.Errorf("detect(%q) decided without enough bytes", text)
		}
		if got, ok := detect([]byte(text), true); !ok || got != want {
			t.Errorf("detect(%q) at EOF = %s, %v; want %s", text, got, ok, want)
		}
	}
}

func TestReaderStreamsOpsBeforeTheInputEnds(t *testing.T) {
	type stream struct {
		format Format
		first  string // the reader must return its op before more arrives
		second string
	}
	var streams []stream
	for _, f := range []Format{EDN, JSON, JepsenLog} {
		lines := strings.SplitAfter(writeString(t, f, richOps()[:2]), "\n")
		streams = append(streams, stream{f, lines[0], lines[1]})
	}
	// Ops ending in a number, a character or a keyword, without and with a
	// newline: nothing may wait for bytes beyond the op.
	streams = append(streams,
		stream{EDN, "{:type :invoke, :f :read, :process 0}", "\n{:type :ok, :f :read, :process 0}\n"},
		stream{EDN, "{:type :invoke, :f :read, :value \\a, :process 123456}\n", "{:type :ok, :f :read, :process 123456}"},
		stream{EDN, "[{:type :invoke, :f :read, :process 1, :value :x}", " {:type :ok, :f :read, :process 1}]"},
		stream{JSON, `{"type":"invoke","f":"read","process":0}`, "\n" + `{"type":"ok","f":"read","process":0}`},
		stream{JSON, `[{"type":"invoke","f":"read","process":70000}`, `,{"type":"ok","f":"read","process":70000}]`},
		stream{JepsenLog, "INFO  jepsen.util - 0\t:invoke\t:read\t1\n", "INFO  jepsen.util - 0\t:ok\t:read\t1\n"},
	)
	for _, st := range streams {
		pr, pw := io.Pipe()
		next := make(chan bool)
		go func() {
			pw.Write([]byte(st.first))
			<-next // the rest only once the first op has been read
			pw.Write([]byte(st.second))
			pw.Close()
		}()
		got := make(chan error, 1)
		var r *Reader
		go func() {
			var err error
			if r, err = NewReader(pr, "live", Auto); err == nil {
				_, err = r.Next()
			}
			got <- err
		}()
		select {
		case err := <-got:
			if err != nil {
				t.Fatalf("%q: %v", st.first, err)
			}
		case <-time.After(5 * time.Second):
			close(next)
			t.Fatalf("%q: the reader waited for more than the first op", st.first)
		}
		close(next)
		if op, err := r.Next(); err != nil || op.Index != 1 {
			t.Fatalf("%q: second op %v, %v", st.first, op, err)
		}
		if r.Format() != st.format {
			t.Fatalf("%q: detected %s, want %s", st.first, r.Format(), st.format)
		}
	}
}

func TestReadFile(t *testing.T) {
	if _, _, err := ReadFile(filepath.Join(t.TempDir(), "missing.edn"), Auto); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	path := filepath.Join(t.TempDir(), "h.jsonl")
	if err := os.WriteFile(path, []byte(writeString(t, JSON, richOps())), 0o644); err != nil {
		t.Fatal(err)
	}
	h, warnings, err := ReadFile(path, Auto)
	if err != nil || len(warnings) > 0 || h.Len() != len(richOps()) || h.Completion(0) != 4 {
		t.Fatalf("ReadFile: %v %v %v", h, warnings, err)
	}
	if _, _, err := ReadFile(path, EDN); err == nil || !strings.HasPrefix(err.Error(), path+":1:2: op map keys must be keywords") {
		t.Fatalf("JSON read as EDN: %v", err)
	}
}

func TestPairingErrorsNameFileAndLine(t *testing.T) {
	text := "{:type :invoke, :process 0, :f :read}\n\n{:type :ok, :process 0, :f :write, :value 2}\n"
	r, err := NewReader(strings.NewReader(text), "p.edn", Auto)
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.ReadAll()
	var pe *history.PairError
	if want := `p.edn:3: op 1 (index 1, process 0): completion has f "write" but its invoke (op 0) has f "read"`; !errors.As(err, &pe) || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
}

func TestWriterRefusesOpsItCannotWriteBack(t *testing.T) {
	bad := []history.Op{
		{Type: history.Invoke, Process: 0, F: "has space"},
		{Type: history.Sleep, Process: 0, F: "read"},
		{Type: history.Invoke, Process: 0, F: "read", Extra: []history.Field{{Name: "type", Value: 1}}},
	}
	for _, f := range []Format{EDN, JSON, JepsenLog} {
		w, _ := NewWriter(io.Discard, f)
		for _, op := range bad {
			if err := w.Write(op); err == nil {
				t.Errorf("%s writer accepted %v", f, op)
			}
		}
	}
	if _, err := NewWriter(io.Discard, Auto); err == nil {
		t.Error("NewWriter(Auto) should need a concrete format")
	}
}
