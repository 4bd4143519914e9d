package codec

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestMalformedInputErrorsSayWhereAndWhatWasExpected(t *testing.T) {
	cases := []struct {
		name, text string
		f          Format
		want       string // the error's text starts with this (file:line:col: message)
	}{
		{"bad type", "{:type :invoke, :process 0, :f :read}\n{:index 1, :type :foo, :process 0, :f :read}\n", EDN,
			"e.edn:2:18: :type must be one of :invoke, :ok, :fail, :info, found :foo"},
		{"sleep is never recorded", "{:type :sleep, :process 0, :f :read}", EDN,
			"e.edn:1:8: :type must be one of"},
		{"missing type", "{:process 0, :f :read}\n", EDN,
			"e.edn:1:1: op has no :type: every op needs one, :invoke, :ok, :fail, :info"},
		{"json missing type", "{\"process\":0}\n", JSON,
			"e.jsonl:1:1: op has no \"type\": every op needs one, \"invoke\", \"ok\", \"fail\", \"info\""},
		{"empty f", "{:type :ok, :process 0, :f \"\"}\n", EDN,
			"e.edn:1:28: :f must be a non-empty keyword or string naming the operation (or nil), found \"\""},
		{"row bad process", "0\t:invoke\t:read\tnil\n:client\t:ok\t:read\t1\n", JepsenLog,
			"e.txt:2:1: expected a process (an integer, :nemesis or nil) at the start of the row, found :client"},
		{"bad process", "{:type :ok, :process :client, :f :read}", EDN,
			"e.edn:1:22: :process must be a non-negative integer or :nemesis, found :client"},
		{"negative index", "{:index -3, :type :ok, :process 1, :f :read}", EDN,
			"e.edn:1:9: :index must be a non-negative integer, found -3"},
		{"duplicate field", "{:type :ok, :process 1, :f :read, :type :ok}", EDN,
			"e.edn:1:41: op has :type twice"},
		{"string key", "{\"type\" :ok}", EDN,
			"e.edn:1:2: op map keys must be keywords such as :type, found \"type\""},
		{"not a map", "{:type :ok, :process 1, :f :read}\n[1 2]\n", EDN,
			"e.edn:2:2: expected an op map {:type ..., :process ..., :f ..., ...}, found 1"},
		{"other record", "#jepsen.Foo{:type :ok}", EDN,
			"e.edn:1:1: expected an op map or a #jepsen.history.Op record, found #jepsen.Foo"},
		{"unclosed string mid-file", "{:type :ok, :process 1, :f :read, :value \"abc}\n{:type :ok, :process 1, :f :read}\n", EDN,
			"e.edn:3:1: expected \" to close the string opened at 1:42, found EOF (the op starting at 1:1 is never finished, and it is not on the last line)"},
		{"odd map", "{:type :ok, :process 1, :f}\n", EDN,
			"e.edn:1:25: op map key :f has no value before the closing }"},
		{"json bad type", "{\"type\":\"ok\",\"process\":0,\"f\":\"read\"}\n{\"type\":\"done\",\"process\":0,\"f\":\"read\"}\n", JSON,
			"e.jsonl:2:9: \"type\" must be one of \"invoke\", \"ok\", \"fail\", \"info\", found \"done\""},
		{"json missing comma", "{\"type\":\"ok\" \"process\":0}", JSON,
			"e.jsonl:1:14: expected ',' or '}' in the object opened at 1:1, found '\"'"},
		{"json bad literal", "{\"type\":\"ok\",\"process\":0,\"f\":\"read\",\"value\":nil}", JSON,
			"e.jsonl:1:45: expected a JSON value, found \"nil\""},
		{"json array separator", "[{\"type\":\"ok\",\"process\":0,\"f\":\"read\"} {\"type\":\"ok\"}]", JSON,
			"e.jsonl:1:39: expected ',' or ']' in the array opened at 1:1, found '{'"},
		{"json bad wrapper", "{\"type\":\"ok\",\"process\":0,\"f\":\"read\",\"value\":{\"#keyword\":3}}", JSON,
			"e.jsonl:1:45: {\"#keyword\": ...} must hold a keyword name (without the colon), found 3"},
		{"json control char", "{\"type\":\"ok\",\"process\":0,\"f\":\"re\tad\"}", JSON,
			"e.jsonl:1:33: control character byte 0x9 in a JSON string"},
		{"row bad type", "0\t:invoke\t:read\tnil\n0\t:okay\t:read\t1\n", JepsenLog,
			"e.txt:2:3: the op type must be one of :invoke, :ok, :fail, :info, found :okay"},
		{"row bad value", "0\t:invoke\t:read\tnil\n0\t:ok\t:read\t[1 2\n0\t:invoke\t:read\tnil\n", JepsenLog,
			"e.txt:2:17: expected ] to close vector opened at 2:13, found the end of the line"},
		{"row no f", "INFO  jepsen.util - 0\t:invoke\n", JepsenLog,
			"e.txt:1:30: expected the op's f after its type, found the end of the line"},
		{"not a row", "INFO  jepsen.util - 0 invoked :read\n", JepsenLog, ""},
		{"marker inside a history.txt value", "0\t:invoke\t:read\t\"jepsen.util - 1\"\n1\t:invoke\t:read\tnil\tjepsen.util - 0\t:ok", JepsenLog, "-"},
		{"log row bad f", "INFO  jepsen.util - 0\t:invoke\t12\tnil\n", JepsenLog,
			"e.txt:1:31: the op's f must be a keyword such as :read (or nil), found 12"},
	}
	for _, c := range cases {
		ops, _, err := readString("e."+map[Format]string{EDN: "edn", JSON: "jsonl", JepsenLog: "txt"}[c.f], c.f, c.text)
		if c.want == "-" {
			if err != nil || len(ops) != 2 || ops[0].Value != "jepsen.util - 1" || ops[1].Error != "jepsen.util - 0\t:ok" {
				t.Errorf("%s: rows of a history.txt are whole lines, got %v, %v", c.name, ops, err)
			}
			continue
		}
		if c.want == "" {
			if err != nil || len(ops) != 0 {
				t.Errorf("%s: a line that is not a row should be ignored in a jepsen.log, got %v, %v", c.name, ops, err)
			}
			continue
		}
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s:\n got  %v\n want %s...", c.name, err, c.want)
		}
		var se *SyntaxError
		if err != nil && !errors.As(err, &se) {
			t.Errorf("%s: error %T is not a *SyntaxError", c.name, err)
		}
	}
}

func TestTruncatedLastOpIsAWarningAndEverythingBeforeItIsKept(t *testing.T) {
	const two = "{:type :invoke, :process 0, :f :read}\n{:type :ok, :process 0, :f :read, :value 1}\n"
	const twoJSON = "{\"type\":\"invoke\",\"process\":0,\"f\":\"read\"}\n{\"type\":\"ok\",\"process\":0,\"f\":\"read\",\"value\":1}\n"
	const twoRows = "0\t:invoke\t:read\tnil\n0\t:ok\t:read\t1\n"
	cases := []struct {
		name, text string
		want       string // warning text
	}{
		{"edn line cut", two + "{:type :invoke, :process 0, :f :wri", "t:3:1: the last op is cut short (a crashed run?) and was dropped; the 2 ops before it are kept: expected } to close map opened at 3:1, found EOF"},
		{"edn line cut inside a string, newline kept", two + "{:type :invoke, :process 0, :f :write, :value \"ab\n", "t:3:1: the last op is cut short"},
		{"edn vector never closed", "[" + two, "t:3:1: the history vector opened at 1:1 is never closed (a crashed run?); the 2 ops in it are kept"},
		{"edn vector cut mid-op", "[" + two + " {:type", "t:3:2: the last op is cut short"},
		{"record cut", two + "#jepsen.history.Op{:type :invoke", "t:3:1: the last op is cut short"},
		{"jsonl cut", twoJSON + "{\"type\":\"invoke\",\"proc", "t:3:1: the last op is cut short"},
		{"json array never closed", "[" + strings.ReplaceAll(strings.TrimSpace(twoJSON), "\n", ",\n"), "t:2:47: the history array opened at 1:1 is never closed"},
		{"json array cut after comma", "[" + strings.ReplaceAll(twoJSON, "\n", ",\n"), "t:3:1: the history array opened at 1:1 is never closed"},
		{"txt row cut", twoRows + "0\t:invoke\t:cas\t[1", "t:3:1: the last op is cut short"},
		{"txt row cut inside the type", twoRows + "0\t:inv", "t:3:1: the last op is cut short (a crashed run?) and was dropped; the 2 ops before it are kept: the op type must be one of"},
		{"edn line cut inside the type", two + "{:index 2, :type :inv", "t:3:1: the last op is cut short (a crashed run?) and was dropped; the 2 ops before it are kept: expected } to close map"},
		{"jsonl cut inside a literal", twoJSON + "{\"type\":\"invoke\",\"process\":0,\"f\":\"read\",\"value\":tr", "t:3:1: the last op is cut short"},
		{"jsonl cut inside a number", twoJSON + "{\"type\":\"invoke\",\"process\":-", "t:3:1: the last op is cut short"},
		{"log row cut", "INFO  jepsen.util - " + strings.ReplaceAll(twoRows, "\n", "\nINFO  jepsen.util - ") + "0\t:invoke\t:cas\t[1", "t:3:1: the last op is cut short"},
	}
	for _, c := range cases {
		ops, warnings, err := readString("t", Auto, c.text)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if len(ops) != 2 || ops[1].Value != int64(1) {
			t.Errorf("%s: ops = %v, want the 2 complete ones", c.name, ops)
		}
		if len(warnings) != 1 || !strings.HasPrefix(warnings[0].String(), c.want) {
			t.Errorf("%s:\n got  %v\n want %s...", c.name, warnings, c.want)
		}
	}
}

func TestJSONWrappersWithTheWrongPayloadAreErrors(t *testing.T) {
	for wrapper, want := range map[string]string{
		`{"#keyword":"has space"}`:   "must hold a keyword name",
		`{"#symbol":"nil"}`:          "must hold a symbol name",
		`{"#char":"ab"}`:             "must hold a string of one character",
		`{"#list":1}`:                "must hold an array",
		`{"#set":"x"}`:               "must hold an array",
		`{"#map":[[1]]}`:             "must hold an array of [key, value] pairs",
		`{"#bigint":"12x"}`:          "must hold a decimal integer in a string",
		`{"#float":"inf"}`:           `must hold "NaN", "Inf" or "-Inf"`,
		`{"#tagged":["1x", 2]}`:      "with a tag name such as",
		`{"#tagged":["inst", 2, 3]}`: "must hold [tag, value]",
	} {
		line := `{"type":"ok","process":0,"f":"read","value":` + wrapper + "}"
		_, _, err := readString("w.jsonl", JSON, line)
		if err == nil || !strings.HasPrefix(err.Error(), "w.jsonl:1:45: ") || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want w.jsonl:1:45: ...%s", wrapper, err, want)
		}
	}
}

// Cutting a written history at any byte, as a crash can, must never make it
// unreadable: the reader returns the ops before the cut, and warns exactly
// when the last line holds an unfinished op.
func TestEveryCutOfAWrittenHistoryReadsAsAPrefix(t *testing.T) {
	ops := richOps()
	for _, f := range []Format{EDN, JSON, JepsenLog} {
		text := writeString(t, f, ops)
		for cut := 0; cut <= len(text); cut++ {
			part := text[:cut]
			got, warnings, err := readString("cut", f, part)
			if err != nil {
				t.Fatalf("%s cut at %d: %v\n%s", f, cut, err, part)
			}
			complete := strings.Count(part, "\n")
			tail := part[strings.LastIndexByte(part, '\n')+1:]
			if f != JepsenLog {
				if tail != "" && text[cut] == '\n' {
					complete++ // the op is whole; only its newline is missing
					tail = ""
				}
				if len(got) != complete || complete > 0 && !reflect.DeepEqual(got, ops[:complete]) {
					t.Fatalf("%s cut at %d: got %d ops, want the first %d\n%s", f, cut, len(got), complete, part)
				}
				if wantWarning := tail != ""; (len(warnings) == 1) != wantWarning || len(warnings) > 1 {
					t.Fatalf("%s cut at %d: warnings %v, want one: %v", f, cut, warnings, wantWarning)
				}
				continue
			}
			// A history.txt row ends with its value or error, so a cut there
			// can leave a shorter row that still reads: all but the last op
			// must be exact.
			if len(got) < complete || len(got) > complete+1 {
				t.Fatalf("txt cut at %d: %d ops from %d complete rows", cut, len(got), complete)
			}
			for i := 0; i < complete; i++ {
				want := ops[i]
				want.Time, want.Extra = 0, nil
				if !reflect.DeepEqual(got[i], want) {
					t.Fatalf("txt cut at %d: op %d = %v, want %v", cut, i, got[i], want)
				}
			}
		}
	}
}
