package monotonic

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/histbuild"
	"github.com/faultline/faultline/history"
)

func kv(k any, v any) history.Map { return history.Map{{Key: k, Value: v}} }

func TestMonotonic(t *testing.T) {
	ok := history.OK
	x := history.Keyword("x")
	cases := []struct {
		name string
		h    *histbuild.B
		want checker.Validity
		v    *Violation
	}{
		{"values that only grow pass",
			histbuild.New().Op(0, ok, "inc", kv(x, 1)).Op(1, ok, "read", kv(x, 1)).Op(0, ok, "inc", kv(x, 2)).Op(1, ok, "read", kv(x, 2)),
			checker.Valid, nil},
		{"process 0 seeing x go from 2 to 1 is non-monotonic by process",
			histbuild.New().Op(0, ok, "read", kv(x, 2)).Op(0, ok, "read", kv(x, 1)),
			checker.Invalid, &Violation{Kind: ByProcess, Key: x, Earlier: Observation{Op: 1, Process: 0, Value: 2}, Later: Observation{Op: 3, Process: 0, Value: 1}}},
		{"a read begun after another ended seeing less is non-monotonic in real time",
			histbuild.New().Op(0, ok, "read", kv(x, 5)).Op(1, ok, "read", kv(x, 3)),
			checker.Invalid, &Violation{Kind: RealTime, Key: x, Earlier: Observation{Op: 1, Process: 0, Value: 5}, Later: Observation{Op: 3, Process: 1, Value: 3}}},
		{"concurrent reads may see values in either order",
			histbuild.New().Invoke(0, "read", nil).Op(1, ok, "read", kv(x, 5)).OK(0, "read", kv(x, 3)),
			checker.Valid, nil},
		{"a transaction's write counts as an observation",
			histbuild.New().Op(0, ok, "inc", []any{[]any{history.Keyword("r"), "y", 1}, []any{history.Keyword("w"), "y", 2}}).Op(1, ok, "read", []any{[]any{history.Keyword("r"), "y", 1}}),
			checker.Invalid, &Violation{Kind: RealTime, Key: "y", Earlier: Observation{Op: 1, Process: 0, Value: 2}, Later: Observation{Op: 3, Process: 1, Value: 1}}},
		{"a single register read as plain integers",
			histbuild.New().Op(0, ok, "read", 4).Op(0, ok, "read", 4).Op(0, ok, "read", 3),
			checker.Invalid, &Violation{Kind: ByProcess, Key: nil, Earlier: Observation{Op: 3, Process: 0, Value: 4}, Later: Observation{Op: 5, Process: 0, Value: 3}}},
		{"nil values and other fs are ignored",
			histbuild.New().Op(0, ok, "read", kv(x, nil)).Op(0, ok, "write", kv(x, 0)).Op(0, ok, "read", kv(x, 1)),
			checker.Valid, nil},
		{"no observations is unknown",
			histbuild.New().Op(0, ok, "write", 1),
			checker.Unknown, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := histbuild.Check(t, Checker(Options{}), c.h, c.want)
			d := r.Details.(*Details)
			histbuild.OnlyFinding(t, d.Violations, c.v)
			if c.v == nil {
				return
			}
			var b strings.Builder
			d.Explain(&b)
			if want := fmt.Sprintf("saw %d, then op %d (process %d) saw %d", c.v.Earlier.Value, c.v.Later.Op, c.v.Later.Process, c.v.Later.Value); !strings.Contains(b.String(), want) {
				t.Fatalf("explain = %q", b.String())
			}
		})
	}
}

func TestMonotonicRejectsNonIntegerValuesWithTheOp(t *testing.T) {
	h := histbuild.New().Op(0, history.OK, "read", kv("x", "high")).History()
	r := Checker(Options{}).Check(context.Background(), h)
	if r.Valid != checker.Unknown || !strings.Contains(r.Error, `op 1 (process 0, :read ok): key "x" has value "high": expected an integer`) {
		t.Fatalf("got %v %q", r.Valid, r.Error)
	}
}
