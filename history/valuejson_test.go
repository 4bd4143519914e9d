package history

import (
	"encoding/json"
	"math/big"
	"testing"
)

func TestMapMarshalJSON(t *testing.T) {
	cases := []struct {
		name string
		m    Map
		want string
	}{
		{"keywords become names, in the map's order",
			Map{{Keyword("y"), int64(2)}, {Keyword("x"), nil}}, `{"y":2,"x":null}`},
		{"integer keys in decimal, nested maps too",
			Map{{int64(0), int64(97)}, {big.NewInt(1), Map{{"a b", []any{Keyword("k")}}}}}, `{"0":97,"1":{"a b":["k"]}}`},
		{"a keyword and a string of the same text would collide: pairs",
			Map{{Keyword("x"), int64(1)}, {"x", int64(2)}}, `[["x",1],["x",2]]`},
		{"a key with no text: pairs",
			Map{{[]any{int64(1)}, true}, {nil, false}}, `[[[1],true],[null,false]]`},
		{"empty", Map{}, `{}`},
	}
	for _, c := range cases {
		got, err := json.Marshal(c.m)
		if err != nil || string(got) != c.want {
			t.Errorf("%s: %s (%v), want %s", c.name, got, err, c.want)
		}
	}
	// Inside other values, as in a result's details.
	got, err := json.Marshal(map[string]any{"state": Map{{Keyword("x"), int64(1)}}})
	if err != nil || string(got) != `{"state":{"x":1}}` {
		t.Errorf("nested: %s (%v)", got, err)
	}
}
