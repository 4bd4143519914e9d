package codec

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/edn"
)

// The fuzz targets feed arbitrary bytes to the readers. Whatever they accept
// must survive writing and reading again unchanged (compared as written text,
// so NaN compares equal to itself); whatever they refuse must be an error,
// never a panic. The seed corpus (the first lines of each fixture and the
// cases below) runs in every go test.

func addSeeds(f *testing.F, ext string, extra ...string) {
	paths, err := filepath.Glob(filepath.Join(fixtureDir, "*"+ext))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no %s fixtures in %s: %v", ext, fixtureDir, err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		// The head of each file, not all of it: the fuzzer minimises every
		// new input it finds, and whole fixtures make that crawl.
		lines := strings.SplitAfter(string(b), "\n")
		f.Add([]byte(strings.Join(lines[:min(len(lines), 8)], "")))
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

// rewrite writes ops in format f, reads them back and writes them again; the
// two texts must be the same.
func rewrite(t *testing.T, f Format, ops []history.Op) {
	for _, op := range ops {
		w, _ := NewWriter(&bytes.Buffer{}, f)
		if w.Write(op) != nil {
			return // a value the format cannot hold (checked by the writer tests)
		}
	}
	text := writeString(t, f, ops)
	back, warnings, err := readString("rewritten", f, text)
	if err != nil || len(warnings) > 0 {
		t.Fatalf("%s: reading what was written failed: %v %v\n%s", f, err, warnings, text)
	}
	if again := writeString(t, f, back); again != text {
		t.Fatalf("%s: the second write differs:\n%s\n%s", f, text, again)
	}
}

// ednSeeds and jsonSeeds start the fuzzers' corpora (with the fixtures'
// heads); the parallel reader's tests read them too.
var ednSeeds = []string{
	`[{:type :invoke, :process 0, :f :txn, :value [[:append 5 2] [:r 6 nil]]}`,
	`#jepsen.history.Op{:type :info, :process :nemesis, :f :kill, :value #{"n1"}, :x \newline}`,
	`({:type :ok :process 1 :f :r :value 12345678901234567890123N :e ##NaN :m 1.5M :c \u00e9})`,
	`{:type :ok, :process 0, :f :read, :value "\ud83d\ude00 \t"} ; comment` + "\n#_ {:discarded 1}",
	`{:type :ok, :process 0, :f :read, :value {"a" 0x10, :b/c (sym), [1] #inst "x"}}`,
	"{:type :ok, :value [[:append :x 1]], :process 0}\n{:type :ok, :f nil, :value [[:r :x [1]]]}\n{:type :invoke, :f :read}\n{:index 9, :type :invoke, :process nil}",
	"{:index 3, :type :invoke, :process 0, :f :w}\n{:index 3, :type :ok, :process 0, :f :w}\n{:type :invoke, :process 0, :f :r}",
}

func FuzzEDN(f *testing.F) {
	addSeeds(f, ".edn", ednSeeds...)
	f.Fuzz(func(t *testing.T, data []byte) {
		if v, err := edn.Parse(data, "fuzz"); err == nil {
			text := history.AppendEDN(nil, v)
			back, err := edn.Parse(text, "again")
			if err != nil {
				t.Fatalf("%q parsed, but its printed form %q does not: %v", data, text, err)
			}
			if again := history.AppendEDN(nil, back); !bytes.Equal(text, again) {
				t.Fatalf("%q printed as %q, then as %q", data, text, again)
			}
		}
		if ops, _, err := readString("fuzz.edn", EDN, string(data)); err == nil {
			rewrite(t, EDN, ops)
			rewrite(t, JSON, ops)
		}
	})
}

var jsonSeeds = []string{
	`[{"type":"invoke","f":"txn","value":[["append","x",2]],"process":0},{"type":"info","f":"start","process":"nemesis"}]`,
	`{"type":"ok","process":0,"f":"read","value":{"#map":[[{"#keyword":"a"},{"#set":[1.5,{"#float":"NaN"}]}]]}}`,
	`{"type":"ok","process":0,"f":"read","value":{"#tagged":["inst","x"]},"error":{"#char":"\u00e9"},"big":{"#bigint":"5"}}`,
	`{"type":"ok","process":0,"f":"read","value":"\ud83d\ude00\n\"","n":-0.0,"e":1e400}`,
	`[{"type":"ok","value":[["append","x",1]]},{"type":"invoke","process":null,"f":null},{"type":"invoke","process":3},{"type":"invoke","process":3}]`,
}

func FuzzJSON(f *testing.F) {
	addSeeds(f, ".jsonl", jsonSeeds...)
	f.Fuzz(func(t *testing.T, data []byte) {
		if ops, _, err := readString("fuzz.jsonl", JSON, string(data)); err == nil {
			rewrite(t, JSON, ops)
			rewrite(t, EDN, ops)
		}
	})
}

func FuzzJepsenLog(f *testing.F) {
	addSeeds(f, ".log")
	addSeeds(f, ".txt",
		"INFO  jepsen.util - 3\t:invoke\t:cas\t[1 4]\nINFO  jepsen.util - 3\t:info\t:cas\t[1 4]\t:timed-out\n",
		"INFO  jepsen.util - :nemesis\t:info\t:start\t{\"n1\" #{\"n2\"}}\nnoise\n",
		"0   :invoke :read   nil\n0   :ok     :read   3   indeterminate: timeout\n",
		"0\t:invoke\t:read\tnil\n0\t:info\t:read\tnil\n0\t:invoke\t:read\tnil\n",
		"2024-01-02 10:11:12,345{GMT}\tINFO\t[jepsen worker 0] jepsen.util: 0\t:invoke\tnil\t1\n2024-01-02T10:11:13.5 INFO [jepsen nemesis] jepsen.util: nil\t:ok\t:write\t1\n",
		"\x00\x01\xff\n2024-01-0x 10:11:12,345 jepsen.util: 0 :invoke :read nil\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		if ops, _, err := readString("fuzz.log", JepsenLog, string(data)); err == nil {
			rewrite(t, JepsenLog, ops)
		}
	})
}
