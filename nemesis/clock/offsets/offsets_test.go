package offsets

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
)

func nem(f string, v any) history.Op {
	return history.Op{Type: history.Info, Process: history.NemesisProcess, F: f, Value: v}
}

func TestOfSummarisesPerNode(t *testing.T) {
	h := history.MustNew(
		history.Op{Type: history.Invoke, Process: history.NemesisProcess, F: "check-clock-offsets"},
		nem("check-clock-offsets", history.Map{{Key: "n1", Value: 0.01}, {Key: "n2", Value: -0.02}}),
		nem("bump-clock", history.Map{{Key: history.Keyword("nodes"), Value: []any{"n1"}}, {Key: history.Keyword("clock-offsets"), Value: history.Map{{Key: "n1", Value: 120.5}, {Key: "n2", Value: math.NaN()}}}}),
		nem("start-partition", history.Map{{Key: "n1", Value: []any{"n2"}}}), // not a clock op: ignored
		nem("reset-clock", history.Map{{Key: history.Keyword("clock-offsets"), Value: history.Map{{Key: "n1", Value: int64(0)}, {Key: "n2", Value: 0.0}}}}),
	)
	offs, err := Of(h)
	if err != nil {
		t.Fatal(err)
	}
	if len(offs) != 2 || offs[0] != (NodeOffsets{Node: "n1", Samples: 3, Min: 0, Max: 120.5, Last: 0}) || offs[1].Samples != 2 || offs[1].Min != -0.02 {
		t.Fatalf("offsets %+v", offs)
	}
	res := Checker().Check(context.Background(), h)
	if res.Valid != checker.Valid || !strings.Contains(res.Summary, "n1 +0.000..+120.500 s") {
		t.Fatalf("result %+v", res)
	}
}

func TestMalformedOffsetsAreNamed(t *testing.T) {
	h := history.MustNew(
		history.Op{Index: 7, Type: history.Info, Process: history.NemesisProcess, F: "check-clock-offsets", Value: history.Map{{Key: "n1", Value: "soon"}}},
	)
	res := Checker().Check(context.Background(), h)
	if res.Valid != checker.Unknown || !strings.Contains(res.Error, `op 7 (check-clock-offsets): offset of node n1 is "soon"`) {
		t.Fatalf("result %+v", res)
	}
	empty := Checker().Check(context.Background(), &history.History{})
	if empty.Valid != checker.Valid || empty.Summary != "no clock offsets measured" {
		t.Fatalf("empty history: %+v", empty)
	}
}
