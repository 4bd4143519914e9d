package checker

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/faultline/faultline/history"
)

func constant(v Validity) Checker {
	return Func(func(context.Context, *history.History) Result { return Result{Valid: v} })
}

func TestComposeMergesFalseOverUnknownOverTrue(t *testing.T) {
	h := history.MustNew()
	cases := []struct {
		in   []Validity
		want Validity
	}{
		{[]Validity{Valid, Valid}, Valid},
		{[]Validity{Valid, Unknown}, Unknown},
		{[]Validity{Unknown, Invalid, Valid}, Invalid},
	}
	for _, c := range cases {
		m := map[string]Checker{}
		for i, v := range c.in {
			m[string(rune('a'+i))] = constant(v)
		}
		if got := Compose(m).Check(context.Background(), h); got.Valid != c.want || len(got.Children) != len(c.in) {
			t.Errorf("%v: got %v", c.in, got.Valid)
		}
	}
}

func TestAPanickingCheckerIsUnknownNotACrash(t *testing.T) {
	boom := Func(func(context.Context, *history.History) Result { panic("boom") })
	r := Compose(map[string]Checker{"boom": boom, "ok": constant(Valid)}).Check(context.Background(), history.MustNew())
	if r.Valid != Unknown || r.Children["boom"].Error == "" {
		t.Fatalf("got %+v", r)
	}
}

func TestValidityJSONRoundTrip(t *testing.T) {
	for _, v := range []Validity{Valid, Invalid, Unknown} {
		b, _ := json.Marshal(v)
		var back Validity
		if err := json.Unmarshal(b, &back); err != nil || back != v {
			t.Errorf("%v -> %s -> %v (%v)", v, b, back, err)
		}
	}
}
