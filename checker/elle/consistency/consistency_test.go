package consistency

import (
	"slices"
	"strings"
	"testing"
)

func TestRuledOut(t *testing.T) {
	cases := []struct {
		found        []string
		not          []string
		alsoNot      []string // must be included
		stillAllowed []string // must be in neither list
	}{
		{[]string{G1c}, []string{"read-committed"}, []string{"serializable", "strict-serializable", "snapshot-isolation"}, []string{"read-uncommitted"}},
		{[]string{G0}, []string{"read-uncommitted"}, []string{"read-committed", "strict-serializable"}, nil},
		{[]string{G2Item}, []string{"repeatable-read"}, []string{"serializable", "strict-serializable"}, []string{"snapshot-isolation", "cursor-stability", "read-committed"}},
		{[]string{GSingleItem}, []string{"repeatable-read", "snapshot-isolation"}, []string{"serializable"}, []string{"read-committed", "causal"}},
		{[]string{Realtime(G2Item)}, []string{"strict-serializable"}, nil, []string{"serializable", "strong-session-serializable", "snapshot-isolation"}},
		{[]string{Process(GSingleItem)}, []string{"strong-session-snapshot-isolation"}, []string{"strict-serializable", "strong-session-serializable", "strong-snapshot-isolation"}, []string{"serializable", "snapshot-isolation"}},
		{[]string{Internal}, []string{"read-atomic", "repeatable-read"}, []string{"snapshot-isolation", "serializable"}, []string{"read-committed"}},
		{[]string{LostUpdate}, []string{"cursor-stability", "parallel-snapshot-isolation"}, []string{"snapshot-isolation", "repeatable-read"}, []string{"read-committed", "causal"}},
		{nil, nil, nil, Models()},
	}
	for _, c := range cases {
		not, also := RuledOut(c.found)
		if !slices.Equal(not, c.not) {
			t.Errorf("%v: not = %v, want %v", c.found, not, c.not)
		}
		for _, m := range c.alsoNot {
			if !slices.Contains(also, m) {
				t.Errorf("%v: also-not %v lacks %s", c.found, also, m)
			}
		}
		for _, m := range c.stillAllowed {
			if slices.Contains(not, m) || slices.Contains(also, m) {
				t.Errorf("%v: %s ruled out, but the anomaly is allowed there", c.found, m)
			}
		}
	}
}

func TestImpliedCoversVariants(t *testing.T) {
	got := Implied(G0)
	for _, want := range []string{G1c, G1, Process(G0), Realtime(G0), Realtime(G1c)} {
		if !slices.Contains(got, want) {
			t.Errorf("G0 should imply %s; got %v", want, got)
		}
	}
	if slices.Contains(Implied(G1c), G2) {
		t.Error("G1c must not imply G2: it has no anti-dependency")
	}
	if !slices.Contains(Implied(Process(GSingleItem)), Realtime(G2)) {
		t.Error("G-single-item-process should imply G2-realtime")
	}
}

func TestCanonical(t *testing.T) {
	if m, err := Canonical(":SI"); err != nil || m != "snapshot-isolation" {
		t.Errorf("si -> %q, %v", m, err)
	}
	_, err := Canonical("serialisable")
	if err == nil || !strings.Contains(err.Error(), "strict-serializable") {
		t.Errorf("unknown model error should list the known ones: %v", err)
	}
	if !KnownAnomaly(Realtime(G2Item)) || !KnownAnomaly(G1) || KnownAnomaly("G3") {
		t.Error("KnownAnomaly misclassifies")
	}
}

func TestStrongerModelsForbidMore(t *testing.T) {
	for _, m := range Models() {
		f := Forbids(m)
		for _, w := range Weaker(m) {
			for _, a := range Forbids(w) {
				if !slices.Contains(f, a) {
					t.Errorf("%s is stronger than %s but does not forbid %s", m, w, a)
				}
			}
		}
	}
}
