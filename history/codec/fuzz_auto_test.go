package codec

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/internal/hangcheck"
)

// fuzzRead is what reading one input gave, in a form that compares: the
// ops printed (fmt prints NaN and big integers by value), the warnings and
// the error's text.
type fuzzRead struct {
	h        *history.History
	ops      string
	warnings string
	err      error
}

func readFuzz(r io.Reader, f Format) fuzzRead {
	h, warnings, err := Read(r, "fuzz", f)
	res := fuzzRead{h: h, warnings: fmt.Sprint(warnings), err: err}
	if h != nil {
		res.ops = fmt.Sprint(h.Ops())
	}
	return res
}

func (r fuzzRead) String() string {
	return fmt.Sprintf("error %v, warnings %s, ops %s", r.err, r.warnings, r.ops)
}

// FuzzAuto holds format detection to what it promises on any bytes, gzip
// of them included: Auto reads exactly what the format it detects reads;
// it detects the same from a stream that hands over one byte at a time (a
// live file); gzip of the input (unless it is gzip already) reads the same
// ops; an input is either ops
// or an error that names the file, never an empty history. The seed corpus
// (testdata/fuzz/FuzzAuto) has every format, gzip, empty and binary input.
func FuzzAuto(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		defer hangcheck.Within(hangcheck.Limit, data)()
		auto := readFuzz(bytes.NewReader(data), Auto)
		if auto.err != nil {
			if !strings.Contains(auto.err.Error(), "fuzz") {
				t.Fatalf("the error does not name the file: %v", auto.err)
			}
		} else if auto.h.Len() == 0 {
			t.Fatalf("no error, but no ops either: %s", auto)
		}
		rd, err := NewReader(bytes.NewReader(data), "fuzz", Auto)
		if err != nil {
			return // a broken gzip stream: no format to compare with
		}
		detected := rd.Format()
		if detected != EDN && detected != JSON && detected != JepsenLog {
			t.Fatalf("Auto detected %q", detected)
		}
		if explicit := readFuzz(bytes.NewReader(data), detected); explicit.String() != auto.String() {
			t.Fatalf("Auto (detected %s) and %s read differently:\nauto:     %s\nexplicit: %s", detected, detected, auto, explicit)
		}
		if trickle := readFuzz(iotest.OneByteReader(bytes.NewReader(data)), Auto); trickle.String() != auto.String() {
			t.Fatalf("one byte at a time reads differently:\nwhole:   %s\ntrickle: %s", auto, trickle)
		}
		if bytes.HasPrefix(data, gzipMagic) {
			return // gzip is undone once: gzip of gzip holds no ops
		}
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(data)
		zw.Close()
		zipped := readFuzz(&z, Auto)
		if zipped.ops != auto.ops || (zipped.err == nil) != (auto.err == nil) {
			t.Fatalf("gzip of the input reads differently:\nplain: %s\ngzip:  %s", auto, zipped)
		}
	})
}

// FuzzReadAll holds ReadAll's repairs (ops without a process, processes
// that re-invoke, completions without invocation, an invoke without a
// process left out) to being done once: what ReadAll returns, written as EDN
// and read again, gives the same history and needs no repair but the
// made-up invocations it says it makes. The seed corpus
// (testdata/fuzz/FuzzReadAll) is histories that need each repair.
func FuzzReadAll(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		defer hangcheck.Within(hangcheck.Limit, data)()
		first := readFuzz(bytes.NewReader(data), Auto)
		if first.err != nil {
			return
		}
		h := first.h
		ops := h.Ops()[h.StartInvokes():]
		var text bytes.Buffer
		w, _ := NewWriter(&text, EDN)
		for _, op := range ops {
			if w.Write(op) != nil {
				return // a value EDN cannot hold (the writer tests say which)
			}
		}
		w.Flush()
		again := readFuzz(&text, EDN)
		if again.err != nil || again.ops != first.ops {
			t.Fatalf("the repaired history, written and read again, differs:\nfirst: %s\nagain: %s\n%s", first, again, text.String())
		}
		if n := strings.Count(again.warnings, "fuzz:"); n > 1 || (n == 1) != (h.StartInvokes() > 0) ||
			(n == 1 && !strings.Contains(again.warnings, "taken as invoked at the start")) {
			t.Fatalf("reading the repaired history needed repairs again: %s\n%s", again.warnings, text.String())
		}
		paired, err := history.NewInvokingAtStart(ops)
		if err != nil || fmt.Sprint(paired.Ops()) != first.ops {
			t.Fatalf("pairing ReadAll's ops again: %v\n%s", err, first)
		}
	})
}
