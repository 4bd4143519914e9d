package elle

import (
	"context"
	"testing"

	"github.com/faultline/faultline/checker"
)

// Found in review: a forbidden anomaly that the analysis only sees
// "caught as" other names (consistency.CaughtAs) is listed in NotChecked,
// and the verdict stays valid even when the history shows one of the names
// it is caught as. CaughtAs promises that every instance of the anomaly
// shows up as one of those names, so when none of them is found the
// anomaly is absent and valid is right; but when one is found the history
// may well have the anomaly, and "valid" (exit 0) claims a model that the
// history breaks. Each case below is a textbook instance of the forbidden
// anomaly; each must not be valid. The twin shows the model still passes a
// history with no such cycle.
func TestCaughtAsAnomalyFoundIsNotValid(t *testing.T) {
	cases := []struct {
		name  string
		txs   []tx
		order string
		o     Options
		want  checker.Validity
		why   string
	}{
		{"G-cursor under cursor-stability",
			// T0 reads x empty, T1 appends 1, T0 then appends 2 after it:
			// T0 -rw(x)-> T1 -ww(x)-> T0, one rw edge and ww edges, all on x:
			// Adya's G-cursor(x), which PL-CS forbids (Berenson's P4).
			[]tx{ok(0, r(x), ap(x, 2)), ok(1, ap(x, 1)), ok(2, r(x, 1, 2))}, "i0 i1 c1 c0 i2 c2",
			models("cursor-stability"), checker.Unknown, "a G-single-item on one key with ww edges is a G-cursor"},
		{"G-monotonic under monotonic-view",
			// T0 reads y = [1] (T1's) and then x = [] (before T1's): in
			// Adya's unfolded graph T1 -wr-> r0(y) -> r0(x) -rw-> T1, a
			// G-monotonic cycle, which PL-2L forbids.
			[]tx{ok(0, r(y, 1), r(x)), ok(1, ap(x, 1), ap(y, 1)), ok(2, r(x, 1), r(y, 1))}, "i0 i1 c1 c0 i2 c2",
			models("monotonic-view"), checker.Unknown, "a later read that misses what an earlier read saw is G-monotonic"},
		{"write-skew asked for on its own",
			// The textbook write skew: two transactions, each reads what the
			// other writes. A G2-item cycle of two transactions.
			[]tx{ok(0, r(x), ap(y, 1)), ok(1, r(y), ap(x, 1))}, "i0 i1 c0 c1",
			Options{ConsistencyModels: []string{"none"}, Anomalies: []string{"write-skew"}}, checker.Unknown, "a two-transaction G2-item is a write skew"},
		{"twin: a serial history under cursor-stability is valid",
			[]tx{ok(0, ap(x, 1)), ok(1, r(x, 1), ap(x, 2)), ok(0, r(x, 1, 2))}, "",
			models("cursor-stability"), checker.Valid, "no cycle at all"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, rep, err := AnalyzeListAppend(context.Background(), build(t, c.txs, c.order), c.o)
			if err != nil {
				t.Fatal(err)
			}
			if c.want == checker.Valid && v != checker.Valid {
				t.Fatalf("verdict %v (%v), want valid: %s", v, rep.AnomalyTypes, c.why)
			}
			if c.want != checker.Valid && v == checker.Valid {
				t.Errorf("verdict valid (found %v, not checked %v), want unknown or invalid: %s\n%s", rep.AnomalyTypes, rep.NotChecked, c.why, dump(rep))
			}
		})
	}
}

// Found in review: under snapshot isolation, two concurrent transactions
// that both append to a key no read shows (z) cannot both commit (first
// committer wins; Cerone and Gotsman's NOCONFLICT), and the oracle finds no
// SI execution. The graph has no ww edge between the two appends (nothing
// orders them), so only the write skew's G2-item shows, which SI allows,
// and the verdict is "valid", exit 0, with nothing in NotChecked. The
// checker can tell that the graph is blind here (two appenders that took
// effect, unordered, on one key), as oracle.History.AmbiguousVersionOrder
// does; TestOracleAmbiguousVersionOrderUnderSI enshrines the valid verdict.
// It must not be valid. The twin, with a read that orders z, is invalid
// today (G-single-item), and a serial twin stays valid.
func TestSnapshotIsolationBlindVersionOrderIsNotValid(t *testing.T) {
	z := 3
	si := models("snapshot-isolation")
	blind := []tx{ok(0, r(x), ap(y, 1), ap(z, 1)), ok(1, r(y), ap(x, 1), ap(z, 2))}
	v, rep, err := AnalyzeListAppend(context.Background(), build(t, blind, "i0 i1 c0 c1"), si)
	if err != nil {
		t.Fatal(err)
	}
	if v == checker.Valid {
		t.Errorf("concurrent appenders of one unread key under SI: valid (found %v, not checked %v), want unknown or invalid", rep.AnomalyTypes, rep.NotChecked)
	}
	ordered := append(blind[:2:2], ok(2, r(z, 1, 2)))
	if v, rep, _ := AnalyzeListAppend(context.Background(), build(t, ordered, "i0 i1 c0 c1 i2 c2"), si); v != checker.Invalid {
		t.Errorf("with z read: %v (%v), want invalid", v, rep.AnomalyTypes)
	}
	serial := []tx{ok(0, r(x), ap(y, 1), ap(z, 1)), ok(1, r(y, 1), ap(x, 1), ap(z, 2))}
	if v, rep, _ := AnalyzeListAppend(context.Background(), build(t, serial, ""), si); v != checker.Valid {
		t.Errorf("serial twin: %v (%v), want valid", v, rep.AnomalyTypes)
	}
}

// Found in review (a regression of bbc672c, ownOrder): when a read shows
// one transaction's appends to a key out of the order it made them, the
// key is marked broken and every edge on it is dropped, other
// transactions' included. Here T0 appends 2 then 3 to x, T1 appends 1; the
// read [3 2 1] has T0's order wrong, yet both of T0's appends precede T1's
// in it, and on y T1's append precedes T0's: T0 -ww(x)-> T1 -ww(y)-> T0, a
// G0 whatever order T0's own appends took. Under read-uncommitted (which
// allows the incompatible order, a G1a, but forbids G0) the checker says
// valid; at f4467fa, and in Elle, the x edge stays and G0 is found. The
// twin with T0's appends in order is invalid (G0).
func TestOwnOrderBreakKeepsTheG0(t *testing.T) {
	ru := models("read-uncommitted")
	txs := []tx{ok(0, ap(x, 2), ap(x, 3), ap(y, 2)), ok(1, ap(x, 1), ap(y, 1)), ok(2, r(x, 3, 2, 1), r(y, 1, 2))}
	const order = "i0 i1 c0 c1 i2 c2"
	v, rep, err := AnalyzeListAppend(context.Background(), build(t, txs, order), ru)
	if err != nil {
		t.Fatal(err)
	}
	if v != checker.Invalid {
		t.Errorf("T0's appends out of its own order, and a G0 between T0 and T1: %v (%v), want invalid (G0)\n%s", v, rep.AnomalyTypes, dump(rep))
	}
	txs[2] = ok(2, r(x, 2, 3, 1), r(y, 1, 2))
	if v, rep, _ := AnalyzeListAppend(context.Background(), build(t, txs, order), ru); v != checker.Invalid {
		t.Errorf("twin in order: %v (%v), want invalid (G0)", v, rep.AnomalyTypes)
	}
}
