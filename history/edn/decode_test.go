package edn

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/faultline/faultline/history"
)

func big10(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return n
}

func TestDecodeProducesHistoryValueTypes(t *testing.T) {
	cases := []struct {
		in   string
		want any
	}{
		{"nil", nil},
		{"true", true},
		{"false", false},
		{"0", int64(0)},
		{"-42", int64(-42)},
		{"+7", int64(7)},
		{"9223372036854775807", int64(math.MaxInt64)},
		{"9223372036854775808", big10("9223372036854775808")},
		{"-9223372036854775809", big10("-9223372036854775809")},
		{"5N", big.NewInt(5)},
		{"0x1F", int64(31)},
		{"1.5", 1.5},
		{"-2.5e3", -2500.0},
		{"1e+06", 1e6},
		{"1.25M", 1.25},
		{"##Inf", math.Inf(1)},
		{"##-Inf", math.Inf(-1)},
		{`"a\tb\nc\\d\"e\u00e9\ud83d\ude00\r"`, "a\tb\nc\\d\"eé😀\r"},
		{`"multi` + "\n" + `line"`, "multi\nline"},
		{":read", history.Keyword("read")},
		{":jepsen.history/foo", history.Keyword("jepsen.history/foo")},
		{"foo/bar", history.Symbol("foo/bar")},
		{"-", history.Symbol("-")},
		{`\a`, history.Char('a')},
		{`\newline`, history.Char('\n')},
		{`\space`, history.Char(' ')},
		{`\tab`, history.Char('\t')},
		{`\u00e9`, history.Char('é')},
		{`\(`, history.Char('(')},
		{`\é`, history.Char('é')},
		{"[1 2, 3]", []any{int64(1), int64(2), int64(3)}},
		{"[]", []any{}},
		{"(:a nil)", history.List{history.Keyword("a"), nil}},
		{"#{1 :x}", history.Set{int64(1), history.Keyword("x")}},
		{`{:a 1, "b" [2]}`, history.Map{{Key: history.Keyword("a"), Value: int64(1)}, {Key: "b", Value: []any{int64(2)}}}},
		{`#inst "2020-01-01T00:00:00Z"`, history.Tagged{Tag: "inst", Value: "2020-01-01T00:00:00Z"}},
		{`#uuid "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"`, history.Tagged{Tag: "uuid", Value: "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"}},
		{`#jepsen.history.Op{:index 0}`, history.Tagged{Tag: "jepsen.history.Op", Value: history.Map{{Key: history.Keyword("index"), Value: int64(0)}}}},
		{"[1 #_ 2 #_ #_ 3 4 5] ; trailing", []any{int64(1), int64(5)}},
		{"; leading comment\n [:append 5 2]", []any{history.Keyword("append"), int64(5), int64(2)}},
		{`#object[clojure.lang.Atom 0x5d3f0b5d {:status :ready}]`, history.Tagged{Tag: "object", Value: []any{history.Symbol("clojure.lang.Atom"), int64(0x5d3f0b5d), history.Map{{Key: history.Keyword("status"), Value: history.Keyword("ready")}}}}},
	}
	for _, c := range cases {
		got, err := Parse([]byte(c.in), "t.edn")
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Parse(%q) = %#v, want %#v", c.in, got, c.want)
		}
	}
	nan, err := Parse([]byte("##NaN"), "t.edn")
	if f, ok := nan.(float64); err != nil || !ok || !math.IsNaN(f) {
		t.Errorf("##NaN = %#v, %v", nan, err)
	}
}

func TestSyntaxErrorsSayWhereAndWhatWasExpected(t *testing.T) {
	cases := []struct {
		in    string
		line  int
		col   int
		msg   string
		atEOF bool
	}{
		{"\n\n  [1 2", 3, 7, "expected ] to close vector opened at 3:3, found EOF", true},
		{"[1 2)", 1, 5, "expected ] to close vector opened at 1:1, found )", false},
		{"  )", 1, 3, "found unmatched )", false},
		{`"abc`, 1, 5, "expected \" to close the string opened at 1:1, found EOF", true},
		{`"a\qb"`, 1, 3, `unknown escape \q`, false},
		{"{:a}", 1, 1, "map opened here has a key without a value", false},
		{"12abc", 1, 1, `invalid number "12abc"`, false},
		{"017", 1, 1, `invalid number "017"`, false},
		{"[1 2.5e", 1, 8, `expected the rest of the number "2.5e", found EOF`, true},
		{"::foo", 1, 1, "auto-resolved", false},
		{`\foo`, 1, 1, `unknown character \foo`, false},
		{"##Foo", 1, 1, "expected ##Inf, ##-Inf or ##NaN", false},
		{"#inst", 1, 6, "expected a value after the tag #inst at 1:1, found EOF", true},
		{"[1 #_]", 1, 6, "expected a value to discard after #_ at 1:4, found unmatched ]", false},
		{"#?(:clj 1)", 1, 1, "expected a tag, #{, #_ or ## after #", false},
		{`"\ud83d"`, 1, 2, "surrogate pair", false},
		{"1 2", 1, 3, "expected the end of the input after one value", false},
		{"", 1, 1, "expected a value, found EOF", true},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.in), "h.edn")
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) error = %v, want a *SyntaxError", c.in, err)
			continue
		}
		if se.File != "h.edn" || se.Line != c.line || se.Col != c.col || !strings.Contains(se.Msg, c.msg) || se.EOF != c.atEOF {
			t.Errorf("Parse(%q) = %q (EOF %v), want h.edn:%d:%d ...%s... (EOF %v)", c.in, se, se.EOF, c.line, c.col, c.msg, c.atEOF)
		}
	}
}

func TestDecoderStreamsValuesAcrossTinyReads(t *testing.T) {
	// One byte per Read forces every token across a buffer refill.
	in := "{:a \"x\\ty\"}\n[1 2.5 :k]\n;c\n#{\\a} 123456789012345678901234567890"
	d := NewDecoder(iotest.OneByteReader(strings.NewReader(in)), "s.edn")
	var got []any
	for {
		v, err := d.Decode()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	want := []any{
		history.Map{{Key: history.Keyword("a"), Value: "x\ty"}},
		[]any{int64(1), 2.5, history.Keyword("k")},
		history.Set{history.Char('a')},
		big10("123456789012345678901234567890"),
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v\nwant %#v", got, want)
	}
	if p := d.Pos(); p.Line != 4 {
		t.Fatalf("position at end = %v, want line 4", p)
	}
}

func TestDeepNestingIsAnErrorNotAStackOverflow(t *testing.T) {
	in := strings.Repeat("[", maxDepth+1)
	_, err := Parse([]byte(in), "deep.edn")
	if err == nil || !strings.Contains(err.Error(), "nested more than") {
		t.Fatalf("err = %v", err)
	}
}

func TestEncoderWritesWhatTheDecoderReads(t *testing.T) {
	in := `[:f :txn, :value [[:append 5 2] [:r 6 [1 2]]], "s" "q\"\\\n", \c \space, #{nil}, 12N, (1.5 ##Inf), #inst "x", :a/b, sym, 99999999999999999999]`
	v, err := Parse([]byte(in), "in")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	e := NewEncoder(&b)
	if err := e.Encode(v); err != nil {
		t.Fatal(err)
	}
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	back, err := Parse([]byte(b.String()), "out")
	if err != nil {
		t.Fatalf("re-reading %q: %v", b.String(), err)
	}
	if !reflect.DeepEqual(v, back) {
		t.Fatalf("round trip changed the value:\n%#v\n%#v", v, back)
	}
}

func TestNameChecksMatchWhatTheReaderReadsBack(t *testing.T) {
	for _, c := range []struct {
		name             string
		isName, isSymbol bool
		isTag            bool
	}{
		{"read", true, true, true},
		{"jepsen.history/foo", true, true, true},
		{"1abc", true, false, false},
		{"+1", true, false, false},
		{"+", true, true, false},
		{"nil", true, false, true},
		{"has space", false, false, false},
		{"", false, false, false},
		{":x", false, false, false},
		{"é", true, true, false},
	} {
		if IsName(c.name) != c.isName || IsSymbolName(c.name) != c.isSymbol || IsTagName(c.name) != c.isTag {
			t.Errorf("%q: IsName %v IsSymbolName %v IsTagName %v, want %v %v %v", c.name,
				IsName(c.name), IsSymbolName(c.name), IsTagName(c.name), c.isName, c.isSymbol, c.isTag)
		}
		// What the checks accept must read back as the same thing.
		if c.isName {
			if v, err := Parse([]byte(":"+c.name), "k"); err != nil || v != history.Keyword(c.name) {
				t.Errorf("keyword %q read back as %#v, %v", c.name, v, err)
			}
		}
		if c.isSymbol {
			if v, err := Parse([]byte(c.name), "s"); err != nil || v != history.Symbol(c.name) {
				t.Errorf("symbol %q read back as %#v, %v", c.name, v, err)
			}
		}
	}
}

func TestStreamingCollectionsElementByElement(t *testing.T) {
	d := NewDecoder(strings.NewReader(` [1 #_2 "three" #inst "x"] `), "c.edn")
	k, err := d.Open()
	if err != nil || k.Kind != "vector" || k.Pos.Col != 2 {
		t.Fatalf("Open = %+v, %v", k, err)
	}
	var got []any
	for {
		more, err := d.More(k)
		if err != nil {
			t.Fatal(err)
		}
		if !more {
			break
		}
		if d.IsTag() {
			tag, err := d.Tag()
			if err != nil || tag != "inst" {
				t.Fatalf("Tag = %q, %v", tag, err)
			}
		}
		v, err := d.Value()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	if want := []any{int64(1), "three", "x"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("elements = %#v, want %#v", got, want)
	}
	if _, err := d.Decode(); err != io.EOF {
		t.Fatalf("after the vector: %v, want io.EOF", err)
	}
}

// The fast path for runs of small integers reads from the buffered bytes
// only; whatever the buffer holds when it runs, the values and errors must
// be the general path's. Reading one byte at a time puts the buffer's end
// everywhere.
func TestRunsOfIntegersReadTheSameWhereverTheBufferEnds(t *testing.T) {
	inputs := []string{
		"[1 2 3 4 5 6 7 8 9 10 255 256 65535 65536 123456789012345678 1234567890123456789]",
		"[0, 1,2 ,3 , 007]",
		"[1 2 3 -4 +5 6N 7M 8.5 0x10 9]",
		"[1 2 3a 4]",
		"[1 2\n3 4 ; c\n 5]",
		"[[:r 1 [1 2 3 4 5]] [:r 1 [1 2 3 4 5 6]] [:r 2 [1 2 3 4]]]",
		"[1 2 3 4 5",
	}
	for _, in := range inputs {
		whole, werr := NewDecoder(strings.NewReader(in), "x").Decode()
		bytewise, berr := NewDecoder(iotest.OneByteReader(strings.NewReader(in)), "x").Decode()
		if fmt.Sprint(werr) != fmt.Sprint(berr) || !history.Equal(whole, bytewise) || history.FormatEDN(whole) != history.FormatEDN(bytewise) {
			t.Errorf("%q: whole %v (%v), byte by byte %v (%v)", in, whole, werr, bytewise, berr)
		}
	}
}
