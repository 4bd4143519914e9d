package histbuild

import (
	"context"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
)

// Check runs c on b's history and fails the test unless the verdict is want.
func Check(t testing.TB, c checker.Checker, b *B, want checker.Validity) checker.Result {
	t.Helper()
	r := c.Check(context.Background(), b.History())
	if r.Valid != want {
		t.Fatalf("valid = %v, want %v (summary %q, error %q)", r.Valid, want, r.Summary, r.Error)
	}
	return r
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
