package uniqueids

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/histbuild"
	"github.com/faultline/faultline/history"
)

func TestUniqueIDs(t *testing.T) {
	ok, info := history.OK, history.Info
	cases := []struct {
		name string
		h    *histbuild.B
		want checker.Validity
		dups []Duplicate
	}{
		{"distinct ids pass",
			histbuild.New().Op(0, ok, "generate", 1).Op(1, ok, "generate", 2).Op(0, info, "generate", nil),
			checker.Valid, nil},
		{"id 7 handed to two processes is a duplicate",
			histbuild.New().Op(0, ok, "generate", 7).Op(1, ok, "generate", 8).Op(1, ok, "generate", 7),
			checker.Invalid, []Duplicate{{ID: 7, Ops: []int{1, 5}}}},
		{"string ids are compared too",
			histbuild.New().Op(0, ok, "generate", "a").Op(1, ok, "generate", history.Keyword("a")),
			checker.Invalid, []Duplicate{{ID: "a", Ops: []int{1, 3}}}},
		{"nothing acknowledged is unknown",
			histbuild.New().Op(0, info, "generate", nil),
			checker.Unknown, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := histbuild.Check(t, Checker(), c.h, c.want)
			d := r.Details.(*Details)
			if !reflect.DeepEqual(d.Duplicated, c.dups) {
				t.Fatalf("duplicated = %+v, want %+v", d.Duplicated, c.dups)
			}
		})
	}
}

func TestUniqueIDsReportsTheRangeAndExplains(t *testing.T) {
	h := histbuild.New().Op(0, history.OK, "generate", 5).Op(0, history.OK, "generate", -3).Op(0, history.OK, "generate", 5).History()
	d := Checker().Check(context.Background(), h).Details.(*Details)
	if !reflect.DeepEqual(d.Range, []any{int64(-3), int64(5)}) || d.AttemptCount != 3 || d.AcknowledgedCount != 3 {
		t.Fatalf("details = %+v", d)
	}
	if got := histbuild.Explain(d); !strings.Contains(got, "id 5 was returned by ops [1 5]") {
		t.Fatalf("explain = %q", got)
	}
}
