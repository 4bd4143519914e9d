package histbuild

import (
	"context"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
)

// Check runs c on b's history and fails the test unless the verdict is want.
// A checker that streams must also give the very same result fed b's ops one
// at a time through a checker.Pairer, as `faultline check` feeds it a file.
func Check(t testing.TB, c checker.Checker, b *B, want checker.Validity) checker.Result {
	t.Helper()
	r := c.Check(context.Background(), b.History())
	if r.Valid != want {
		t.Fatalf("valid = %v, want %v (summary %q, error %q)", r.Valid, want, r.Summary, r.Error)
	}
	if s, ok := c.(checker.Streamer); ok {
		SameAsStream(t, s, b.ops, r)
	}
	return r
}

// SameAsStream fails the test unless s, fed ops through a checker.Pairer,
// gives want (the batch checker's result on the history of ops).
func SameAsStream(t testing.TB, s checker.Streamer, ops []history.Op, want checker.Result) {
	t.Helper()
	got, err := Stream(s, ops)
	if err != nil {
		t.Fatalf("streaming the history: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		gj, _ := checker.MarshalIndent(got)
		wj, _ := checker.MarshalIndent(want)
		t.Fatalf("the streamed check differs from the batch check:\nstreamed %s\nbatch    %s", gj, wj)
	}
}

// Stream checks ops with a new stream of s, paired on the fly.
func Stream(s checker.Streamer, ops []history.Op) (checker.Result, error) {
	st := s.NewStream()
	var p checker.Pairer
	for _, op := range ops {
		e, err := p.Pair(op)
		if err != nil {
			return checker.Result{}, err
		}
		st.Add(e)
	}
	return st.Result(), nil
}

// Explain returns what a result's details say in plain words.
func Explain(d interface{ Explain(io.Writer) }) string {
	var b strings.Builder
	d.Explain(&b)
	return b.String()
}

// SameValues fails the test unless got and want hold Equal values in the
// same order; what names the list in the message.
func SameValues(t testing.TB, what string, got, want []any) {
	t.Helper()
	if len(got) != len(want) || (len(got) > 0 && !history.Equal(got, want)) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// OnlyFinding fails the test unless found is empty (want nil) or holds
// exactly *want: the one anomaly a table case expects, compared field by
// field.
func OnlyFinding[T any](t testing.TB, found []T, want *T) {
	t.Helper()
	switch {
	case want == nil && len(found) != 0:
		t.Fatalf("found %+v, want nothing", found)
	case want != nil && (len(found) != 1 || !reflect.DeepEqual(found[0], *want)):
		t.Fatalf("found %+v, want exactly [%+v]", found, *want)
	}
}

// StreamHeap feeds the simulated history to a new stream of s, op by op
// through a checker.Pairer as `faultline check` reads a file, keeping none
// of it, and returns the live heap (after a collection) while the stream
// still holds its state, with the stream's verdict: what a streamed check
// of that history holds.
func StreamHeap(t testing.TB, s checker.Streamer, sim Sim) (uint64, checker.Validity) {
	t.Helper()
	st := s.NewStream()
	var p checker.Pairer
	sim.Emit(func(op history.Op) {
		e, err := p.Pair(op)
		if err != nil {
			t.Fatal(err)
		}
		st.Add(e)
	})
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	v := st.Result().Valid
	runtime.KeepAlive(st)
	return m.HeapAlloc, v
}
