package stats

import (
	"context"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/histbuild"
	"github.com/faultline/faultline/history"
)

func TestStats(t *testing.T) {
	ok, fail, info := history.OK, history.Fail, history.Info
	cases := []struct {
		name    string
		h       *histbuild.B
		want    checker.Validity
		summary string
	}{
		{"every f succeeding at least once passes",
			histbuild.New().Op(0, ok, "read", 1).Op(0, fail, "write", 2).Op(1, ok, "write", 3).Op(history.NemesisProcess, info, "kill", nil),
			checker.Valid, ""},
		{"cas that never succeeded is invalid",
			histbuild.New().Op(0, ok, "read", 1).Op(0, fail, "cas", []any{1, 2}).Op(1, info, "cas", []any{1, 3}).Invoke(2, "cas", []any{1, 4}),
			checker.Invalid, "never succeeded: cas"},
		{"only nemesis ops is unknown",
			histbuild.New().Op(history.NemesisProcess, info, "kill", nil),
			checker.Unknown, "no client operations"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Checker().Check(context.Background(), c.h.History())
			if r.Valid != c.want || r.Summary != c.summary {
				t.Fatalf("got %v %q, want %v %q", r.Valid, r.Summary, c.want, c.summary)
			}
		})
	}
}

func TestStatsCountsEachOutcomeAndAnUncompletedOpAsInfo(t *testing.T) {
	h := histbuild.New().Op(0, history.OK, "cas", nil).Op(0, history.Fail, "cas", nil).Op(1, history.Info, "cas", nil).Invoke(2, "cas", nil).History()
	d := Checker().Check(context.Background(), h).Details.(*Details)
	want := Counts{Count: 4, OK: 1, Fail: 1, Info: 2, Valid: true}
	if d.ByF["cas"] != want || d.Counts != want {
		t.Fatalf("cas = %+v, total = %+v, want %+v", d.ByF["cas"], d.Counts, want)
	}
	if got := histbuild.Explain(d); !strings.Contains(got, "cas                     4        1        1        2") {
		t.Fatalf("explain = %q", got)
	}
}
