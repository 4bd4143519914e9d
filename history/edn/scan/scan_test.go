package scan

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

var letters = NewSet("", func(c byte) bool { return c >= 'a' && c <= 'z' })
var spaces = NewSet(" \n", nil)

func TestTokensAndPositionsSurviveOneByteReads(t *testing.T) {
	s := New(iotest.OneByteReader(strings.NewReader("abc  de\n\n  fgh")), "f")
	var got []string
	for {
		s.Take(spaces)
		p := s.Pos()
		tok := s.Take(letters)
		if len(tok) == 0 {
			break
		}
		got = append(got, p.String()+" "+string(tok))
	}
	want := "1:1 abc|1:6 de|3:3 fgh"
	if strings.Join(got, "|") != want {
		t.Fatalf("tokens = %q, want %q", strings.Join(got, "|"), want)
	}
	if _, ok := s.Peek(); ok || s.ReadErr() != nil {
		t.Fatalf("expected a clean end, got ReadErr %v", s.ReadErr())
	}
}

func TestTakeGrowsTheBufferForLongTokens(t *testing.T) {
	long := strings.Repeat("x", 3*chunk+7)
	s := New(strings.NewReader(" "+long+" y"), "f")
	s.Next()
	if tok := s.Take(letters); string(tok) != long {
		t.Fatalf("token of %d bytes, want %d", len(tok), len(long))
	}
	if p := s.Pos(); p != (Pos{1, len(long) + 2}) {
		t.Fatalf("pos = %v", p)
	}
}

func TestLineStripsLineEndingsAndReportsAnUnfinishedLastLine(t *testing.T) {
	s := New(strings.NewReader("one\r\ntwo\nthree"), "f")
	type line struct {
		text     string
		complete bool
	}
	var got []line
	for {
		b, complete, ok := s.Line()
		if !ok {
			break
		}
		got = append(got, line{string(b), complete})
	}
	want := []line{{"one", true}, {"two", true}, {"three", false}}
	if len(got) != len(want) {
		t.Fatalf("lines = %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("line %d = %v, want %v", i, got[i], want[i])
		}
	}
	if p := s.Pos(); p != (Pos{3, 6}) {
		t.Fatalf("end pos = %v, want 3:6", p)
	}
}

func TestResetReadsASliceAtAGivenPlace(t *testing.T) {
	var s Scanner
	s.Reset([]byte("ab\ncd"), "log", Pos{Line: 7, Col: 21})
	s.Take(letters)
	if p := s.Pos(); p != (Pos{7, 23}) {
		t.Fatalf("pos = %v, want 7:23", p)
	}
	s.Next()
	if p := s.Pos(); p != (Pos{8, 1}) {
		t.Fatalf("after the newline pos = %v, want 8:1", p)
	}
	e := s.EOFErrorf("expected %s", "more")
	if e.Error() != "log:8:1: expected more" || !e.EOF {
		t.Fatalf("error = %v (EOF %v)", e, e.EOF)
	}
}

func TestReadErrorsAreKept(t *testing.T) {
	boom := errors.New("disk on fire")
	s := New(io.MultiReader(strings.NewReader("ab"), iotest.ErrReader(boom)), "f")
	if tok := s.Take(letters); string(tok) != "ab" {
		t.Fatalf("token = %q", tok)
	}
	if _, ok := s.Peek(); ok || !errors.Is(s.ReadErr(), boom) {
		t.Fatalf("ReadErr = %v, want %v", s.ReadErr(), boom)
	}
	if la := s.Lookahead(5); len(la) != 0 {
		t.Fatalf("lookahead after the error = %q", la)
	}
}
