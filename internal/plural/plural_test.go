package plural

import "testing"

func TestCountUsesTheSingularOnlyForOne(t *testing.T) {
	cases := []struct {
		n    int64
		noun string
		want string
	}{
		{0, "read", "0 reads"},
		{1, "read", "1 read"},
		{2, "read", "2 reads"},
		{-1, "op", "-1 ops"},
		{1, "class", "1 class"},
		{3, "class", "3 classes"},
		{2, "box", "2 boxes"},
		{2, "match", "2 matches"},
		{2, "entry", "2 entries"},
		{2, "key", "2 keys"},
		{2, "log file", "2 log files"},
		{2, "stale element", "2 stale elements"},
	}
	for _, c := range cases {
		if got := Count(c.n, c.noun); got != c.want {
			t.Errorf("Count(%d, %q) = %q, want %q", c.n, c.noun, got, c.want)
		}
	}
}

func TestNounAndPickFollowTheCount(t *testing.T) {
	if got := Noun(1, "state"); got != "state" {
		t.Errorf("Noun(1) = %q", got)
	}
	if got := Noun(int32(4), "state"); got != "states" {
		t.Errorf("Noun(4) = %q", got)
	}
	if got := Pick(1, "was", "were") + " " + Pick(0, "was", "were"); got != "was were" {
		t.Errorf("Pick = %q", got)
	}
}
