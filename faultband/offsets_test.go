package faultband

import (
	"math"
	"strings"
	"testing"

	"github.com/faultline/faultline/history"
)

func measured(index int, time int64, f string, v any) history.Op {
	return history.Op{Index: index, Time: time, Type: history.Info, Process: history.NemesisProcess, F: f, Value: v}
}

func TestClockOffsetsReadsEveryMeasurementInOrder(t *testing.T) {
	// NewInvokingAtStart: the client info at the end has no invocation.
	h, err := history.NewInvokingAtStart([]history.Op{
		{Index: 0, Time: 5, Type: history.Invoke, Process: history.NemesisProcess, F: "check-clock-offsets", Value: history.Map{{Key: "n1", Value: 9.0}}}, // an invoke measured nothing
		measured(1, 10, "check-clock-offsets", history.Map{{Key: "n1", Value: 0.01}, {Key: history.Keyword("n2"), Value: int64(-2)}}),
		measured(2, 20, "bump-clock", history.Map{{Key: history.Keyword("nodes"), Value: []any{"n1"}}, {Key: history.Keyword("clock-offsets"), Value: history.Map{{Key: "n1", Value: 120.5}, {Key: "n2", Value: math.NaN()}}}}),
		measured(3, 30, "start-partition", history.Map{{Key: "n1", Value: []any{"n2"}}}),                                            // no :clock-offsets, not a check: not offsets
		{Index: 4, Time: 40, Type: history.Info, Process: 0, F: "check-clock-offsets", Value: history.Map{{Key: "n1", Value: 1.0}}}, // a client op
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := ClockOffsets(h)
	if err != nil {
		t.Fatal(err)
	}
	want := []ClockOffset{{"n1", 10, 0.01}, {"n2", 10, -2}, {"n1", 20, 120.5}} // n2's NaN: unreadable then
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("offset %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestMalformedClockOffsetsNameTheOp(t *testing.T) {
	for _, c := range []struct {
		op   history.Op
		want string
	}{
		{measured(7, 1, "check-clock-offsets", history.Map{{Key: "n1", Value: "soon"}}), `op 7 (check-clock-offsets): offset of node n1 is "soon", expected a number of seconds`},
		{measured(8, 1, "reset-clock", history.Map{{Key: history.Keyword("clock-offsets"), Value: []any{int64(1)}}}), "op 8 (reset-clock): :clock-offsets is [1], expected a map of node to seconds"},
	} {
		_, err := ClockOffsets(history.MustNew(c.op))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want an error saying %q", err, c.want)
		}
	}
}
