package checker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/codec"
	"github.com/faultline/faultline/internal/hangcheck"
)

// The fuzz targets of this package (fuzz_classic_test.go,
// fuzz_search_test.go) give every checker whatever history the codecs
// parse out of arbitrary bytes, with options chosen by a byte. Each seed
// corpus (testdata/fuzz/<FuzzName>) holds a few small histories for that
// checker, valid and invalid, well-formed and not; plain go test runs them,
// and docs/fuzzing.md says how to fuzz each one longer.
//
// A checker is called directly, not through checker.Safe, so a panic fails
// the target. Beyond not panicking, a result must be one that callers can
// use (resultUsable), and the verdict must be a function of the history:
// the same on a second run, the same after the history is written to EDN
// and read back, and the same with a nemesis :info appended (no checker
// judges the nemesis's ops: faults only explain what clients saw). A
// checker that streams must give the result of its Check when fed the ops
// as `faultline check` streams a file: read one at a time and paired by a
// checker.Pairer, no History built.

// fuzzCase configures fuzzChecker.
type fuzzCase struct {
	// build makes the checker for the option byte.
	build func(opt uint8) checker.Checker
	// maxOps skips longer histories (0: no cap); searches that are
	// exponential in the worst case need it.
	maxOps int
	// bounded says the checker may give up on a time or memory limit, so
	// an unknown verdict is not compared with a definite one.
	bounded bool
}

func fuzzChecker(f *testing.F, c fuzzCase) {
	f.Fuzz(func(t *testing.T, opt uint8, data []byte) {
		defer hangcheck.Within(hangcheck.Limit, data)()
		h, _, err := codec.Read(bytes.NewReader(data), "fuzz", codec.Auto)
		if err != nil || (c.maxOps > 0 && h.Len() > c.maxOps) {
			return // not a history, or too long to search: the codec targets fuzz reading
		}
		ctx := context.Background()
		r := c.build(opt).Check(ctx, h)
		resultUsable(t, r)
		sameVerdict(t, c.bounded, "a second check of the same history", r, c.build(opt).Check(ctx, h))
		if back := throughEDN(t, h); back != nil {
			sameVerdict(t, c.bounded, "the history written to EDN and read back", r, c.build(opt).Check(ctx, back))
		}
		if s, ok := c.build(opt).(checker.Streamer); ok {
			streamAgrees(t, s, data, r)
		}
		if more := withNemesisInfo(h); more != nil {
			sameVerdict(t, c.bounded, "the history with a nemesis :info appended", r, c.build(opt).Check(ctx, more))
		}
	})
}

// resultUsable checks what callers of a checker rely on: a verdict of the
// three, an error only with an unknown verdict (bad input is never a
// verdict), details and children that marshal to JSON (results.json), and
// explanations that can be written; for every child too.
func resultUsable(t *testing.T, r checker.Result) {
	t.Helper()
	if r.Valid != checker.Valid && r.Valid != checker.Invalid && r.Valid != checker.Unknown {
		t.Fatalf("verdict %d is none of valid, invalid, unknown", r.Valid)
	}
	if r.Error != "" && r.Valid != checker.Unknown {
		t.Fatalf("an error (%s) with a %v verdict", r.Error, r.Valid)
	}
	if _, err := json.Marshal(r); err != nil {
		t.Fatalf("the result does not marshal to JSON: %v", err)
	}
	if e, ok := r.Details.(interface{ Explain(io.Writer) }); ok {
		e.Explain(io.Discard)
	}
	for _, child := range r.Children {
		resultUsable(t, child)
	}
}

func sameVerdict(t *testing.T, bounded bool, what string, first, again checker.Result) {
	t.Helper()
	if bounded && (first.Valid == checker.Unknown || again.Valid == checker.Unknown) {
		return
	}
	if first.Valid != again.Valid || (first.Error == "") != (again.Error == "") {
		t.Fatalf("%s: %v (%s%s), then %v (%s%s)", what, first.Valid, first.Summary, first.Error, again.Valid, again.Summary, again.Error)
	}
}

// throughEDN writes the ops of h as read (not the invocations made up for
// completions without one, which reading makes up again) as EDN and reads
// them back; nil when EDN cannot hold a value of h.
func throughEDN(t *testing.T, h *history.History) *history.History {
	t.Helper()
	var b bytes.Buffer
	w, err := codec.NewWriter(&b, codec.EDN)
	if err != nil {
		t.Fatal(err)
	}
	for i := h.StartInvokes(); i < h.Len(); i++ {
		if w.Write(h.At(i)) != nil {
			return nil
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	back, _, err := codec.Read(&b, "rewritten.edn", codec.EDN)
	if err != nil {
		t.Fatalf("the history written as EDN does not read back: %v\n%s", err, b.String())
	}
	return back
}

// withNemesisInfo is h with a bare nemesis :info (no value, no error) at
// the end; nil when the nemesis has an invocation that never completed,
// which the :info would complete.
func withNemesisInfo(h *history.History) *history.History {
	ops := h.Ops()[h.StartInvokes():]
	last := history.Op{Index: -1}
	for i, op := range h.All() {
		if op.IsNemesis() && op.Type == history.Invoke && h.Completion(i) < 0 {
			return nil
		}
		last.Index = max(last.Index, op.Index)
		last.Time = max(last.Time, op.Time)
	}
	ops = append(ops, history.Op{Index: last.Index + 1, Time: last.Time, Type: history.Info, Process: history.NemesisProcess, F: "start"})
	more, err := history.NewInvokingAtStart(ops)
	if err != nil {
		panic("a bare nemesis info made a paired history unpairable: " + err.Error())
	}
	return more
}

// streamAgrees feeds the ops of data to a stream of s as `faultline check`
// streams a file, and holds its result to want, the result of Check on the
// history ReadAll made of the same bytes. Where check would stop streaming
// (ops that do not pair, a completion without invocation, no op) or the
// reader fails, there is nothing to compare.
func streamAgrees(t *testing.T, s checker.Streamer, data []byte, want checker.Result) {
	t.Helper()
	rd, err := codec.NewReader(bytes.NewReader(data), "fuzz", codec.Auto)
	if err != nil {
		return
	}
	stream := s.NewStream()
	var p checker.Pairer
	for {
		op, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return
		}
		e, err := p.Pair(op)
		if err != nil {
			return
		}
		stream.Add(e)
	}
	if p.Len() == 0 {
		return
	}
	got := stream.Result()
	if got.Valid != want.Valid || got.Summary != want.Summary || got.Error != want.Error {
		t.Fatalf("streamed: %v %q %q; checked whole: %v %q %q", got.Valid, got.Summary, got.Error, want.Valid, want.Summary, want.Error)
	}
}
