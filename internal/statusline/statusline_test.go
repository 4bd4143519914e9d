package statusline

import (
	"bytes"
	"os"
	"testing"
)

func TestLogLinesClearAndRedrawTheStatusLine(t *testing.T) {
	var out bytes.Buffer
	term := New(&out)
	term.Set("3s / 1m0s  10 ops/s")
	term.Write([]byte("level=INFO msg=hello\n"))
	term.Clear()
	want := "\r\033[K3s / 1m0s  10 ops/s" + "\r\033[Klevel=INFO msg=hello\n3s / 1m0s  10 ops/s" + "\r\033[K"
	if out.String() != want {
		t.Fatalf("terminal wrote %q\nwant          %q", out.String(), want)
	}
}

func TestBuffersAndRegularFilesAreNoTerminals(t *testing.T) {
	if IsTerminal(&bytes.Buffer{}) {
		t.Fatal("a bytes.Buffer was taken for a terminal")
	}
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f) {
		t.Fatal("a regular file was taken for a terminal")
	}
}
