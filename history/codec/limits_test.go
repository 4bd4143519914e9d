package codec

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faultline/faultline/history/edn/scan"
)

// Hostile input must fail fast with an error that says where, and never
// make the reader hold more than its limit or spend time in the square of
// a token's length.

func TestHugeIntegerLiteralsFailFastAtTheirPosition(t *testing.T) {
	digits := strings.Repeat("7", 5<<20) // 5 MB: took 106 s when converted
	cases := []struct {
		name, text, file string
		want             string
	}{
		{"edn value", "{:type :ok, :process 0, :f :read}\n{:type :ok, :process 0, :f :read, :value " + digits + "}\n", "d.edn",
			"d.edn:2:42: number of 5242880 characters: expected at most 400"},
		{"edn negative in a vector", "{:type :ok, :value [1 -" + digits + "]}\n", "d.edn",
			"d.edn:1:23: number of 5242881 characters"},
		{"edn index", "{:index " + digits + ", :type :ok}\n", "d.edn",
			"d.edn:1:9: number of 5242880 characters"},
		{"json value", "{\"type\":\"ok\",\"process\":0,\"value\":" + digits + "}\n", "d.jsonl",
			"d.jsonl:1:34: number of 5242880 characters"},
		{"json bigint wrapper", "{\"type\":\"ok\",\"process\":0,\"value\":{\"#bigint\":\"" + digits + "\"}}\n", "d.jsonl",
			"d.jsonl:1:34: {\"#bigint\": ...} must hold a decimal integer in a string of at most 400 characters"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			_, _, err := Read(strings.NewReader(c.text), c.file, Auto)
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("took %v: the length check must come before any conversion", took)
			}
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("got error %v\nwant one starting %q", err, c.want)
			}
		})
	}
	// The longest accepted literal is still read, as a big integer.
	ok := "{:type :ok, :process 0, :f :read, :value " + strings.Repeat("9", scan.MaxNumberLen) + "}\n"
	h, _, err := Read(strings.NewReader(ok), "ok.edn", EDN)
	if err != nil || h.Len() != 2 { // the completion and its made-up invocation
		t.Fatalf("a %d-digit integer must be read: %v", scan.MaxNumberLen, err)
	}
}

func TestLinesBeyondTheLimitAreRefusedWhereTheyStart(t *testing.T) {
	o := Options{MaxLineBytes: 1 << 20}
	good := "{:type :invoke, :process 0, :f :read}\n"
	// Each error names where the run starts: the line, or the first byte
	// of the string that never ends.
	cases := []struct {
		name, text string
		want       string
	}{
		// No line end at all: what /dev/zero or a binary file gives.
		{"zeros", strings.Repeat("\x00", 3<<20), "z:1:1: more than 1048576 bytes without a line end"},
		{"edn string", good + "{:type :ok, :process 0, :f :read, :value \"" + strings.Repeat("a", 3<<20) + "\"}\n",
			"z:2:43: more than 1048576 bytes"},
		{"history.txt row", "0\t:invoke\t:read\tnil\n0\t:ok\t:read\t" + strings.Repeat("x", 3<<20) + "\n", "z:2:1: more than 1048576 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := ReadWith(strings.NewReader(c.text), "z", Auto, o)
			var long *scan.LongLineError
			if !errors.As(err, &long) || !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("got %v\nwant a *LongLineError starting %q", err, c.want)
			}
		})
	}
	// The limit bounds what is held, not the line: a JSON array of many
	// ops on one line (Jepsen tooling writes them so) streams through.
	var b bytes.Buffer
	b.WriteString("[")
	for i := 0; b.Len() < 3<<20; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"type":"invoke","process":0,"f":"read"},{"type":"ok","process":0,"f":"read","value":1}`)
	}
	b.WriteString("]\n")
	if _, _, err := ReadWith(&b, "one-line.json", JSON, o); err != nil {
		t.Fatalf("a long line of small ops must be read: %v", err)
	}
}

func TestDeviceFilesAreRefusedAndPipesReadAsStandardInput(t *testing.T) {
	for _, dev := range []string{"/dev/zero", "/dev/null"} {
		if _, err := os.Stat(dev); err != nil {
			continue
		}
		_, _, err := ReadFile(dev, Auto)
		if err == nil || !strings.Contains(err.Error(), dev+" is a character device, not a history file") {
			t.Errorf("%s: got %v, want it refused as a device", dev, err)
		}
	}
	fifo := filepath.Join(t.TempDir(), "history.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no named pipes here:", err)
	}
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer w.Close()
		w.WriteString("{:type :invoke, :process 0, :f :read}\n{:type :ok, :process 0, :f :read, :value 3}\n")
	}()
	h, _, err := ReadFile(fifo, Auto)
	if err != nil || h.Len() != 2 {
		t.Fatalf("a named pipe must be read as a stream: %v", err)
	}
}
