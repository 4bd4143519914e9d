package faultband

import (
	"slices"
	"testing"

	"github.com/faultline/faultline/history"
)

// nem builds a nemesis history from (time, type, f) triples.
func nem(steps ...struct {
	t  int64
	ty history.Type
	f  string
}) *history.History {
	ops := make([]history.Op, len(steps))
	for i, s := range steps {
		ops[i] = history.Op{Index: i, Time: s.t, Type: s.ty, Process: history.NemesisProcess, F: s.f}
	}
	return history.MustNew(ops...)
}

type step = struct {
	t  int64
	ty history.Type
	f  string
}

const (
	inv  = history.Invoke
	info = history.Info
	fail = history.Fail
)

func TestBands(t *testing.T) {
	type band struct {
		fault      string
		start, end int64
		startIdx   int
		endIdx     int
		open       bool
	}
	for _, c := range []struct {
		name  string
		steps []step
		want  []band
	}{
		{"partition from start invoke to stop completion",
			[]step{{10, inv, "start-partition"}, {12, info, "start-partition"}, {50, inv, "stop-partition"}, {53, info, "stop-partition"}},
			[]band{{"partition", 10, 53, 0, 3, false}}},
		{"a second kill extends the running band; start ends it",
			[]step{{10, inv, "kill"}, {11, info, "kill"}, {20, inv, "kill"}, {21, info, "kill"}, {30, inv, "start"}, {31, info, "start"}},
			[]band{{"kill", 10, 31, 0, 5, false}}},
		{"a failed start did nothing",
			[]step{{10, inv, "pause"}, {11, fail, "pause"}, {20, inv, "resume"}, {21, info, "resume"}},
			nil},
		{"a failed stop leaves the fault running to the end",
			[]step{{10, inv, "start-packet"}, {11, info, "start-packet"}, {20, inv, "stop-packet"}, {21, fail, "stop-packet"}, {40, inv, "bump-clock"}, {41, info, "bump-clock"}},
			[]band{{"packet", 10, 41, 0, -1, true}, {"clock", 40, 41, 4, -1, true}}},
		{"a stop that never completed may not have happened",
			[]step{{10, inv, "bump-clock"}, {11, info, "bump-clock"}, {20, inv, "reset-clock"}},
			[]band{{"clock", 10, 20, 0, -1, true}}},
		{"strobe and bump are both clock faults; reset ends them",
			[]step{{10, inv, "strobe-clock"}, {15, info, "strobe-clock"}, {20, inv, "bump-clock"}, {21, info, "bump-clock"}, {30, inv, "reset-clock"}, {32, info, "reset-clock"}},
			[]band{{"clock", 10, 32, 0, 5, false}}},
		{"instantaneous faults band their own op; measurements band nothing",
			[]step{{10, inv, "bitflip"}, {14, info, "bitflip"}, {20, inv, "check-clock-offsets"}, {21, info, "check-clock-offsets"}, {30, inv, "truncate"}, {33, info, "truncate"}},
			[]band{{"file corruption", 10, 14, 0, 1, false}, {"file corruption", 30, 33, 4, 5, false}}},
		{"unknown start-x/stop-x pairs up; other unknown fs are instantaneous",
			[]step{{10, inv, "start-shuffle-leader"}, {11, info, "start-shuffle-leader"}, {20, inv, "random-merge"}, {22, info, "random-merge"}, {30, inv, "stop-shuffle-leader"}, {31, info, "stop-shuffle-leader"}},
			[]band{{"shuffle-leader", 10, 31, 0, 5, false}, {"random-merge", 20, 22, 2, 3, false}}},
		{"a bare info logged without an invoke is a point band",
			[]step{{10, info, "bitflip"}},
			[]band{{"file corruption", 10, 10, 0, 0, false}}},
		{"stopping what is not running draws nothing",
			[]step{{10, inv, "stop-partition"}, {11, info, "stop-partition"}},
			nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Default().Bands(nem(c.steps...))
			if len(got) != len(c.want) {
				t.Fatalf("got %d bands %+v, want %d %+v", len(got), got, len(c.want), c.want)
			}
			for i, w := range c.want {
				g := got[i]
				if (band{g.Fault, g.Start, g.End, g.StartIndex, g.EndIndex, g.Open}) != w {
					t.Errorf("band %d = %+v, want %+v", i, g, w)
				}
			}
		})
	}
}

func TestBandColoursAndTableExtension(t *testing.T) {
	h := nem(step{10, inv, "kill"}, step{11, info, "kill"}, step{12, inv, "start-foo"}, step{13, info, "start-foo"},
		step{14, inv, "start-bar"}, step{15, info, "start-bar"}, step{20, inv, "start"}, step{21, info, "start"})
	def := Default()
	bands := def.Bands(h)
	if bands[0].Colour != def[1].Colour {
		t.Errorf("kill band colour %v, want the table's %v", bands[0].Colour, def[1].Colour)
	}
	if bands[1].Colour == bands[2].Colour {
		t.Errorf("two unknown families share colour %v", bands[1].Colour)
	}
	fams := Families(append(bands, bands...))
	if len(fams) != 3 || fams[0].Name != "kill" || fams[1].Name != "foo" || fams[2].Name != "bar" {
		t.Errorf("Families = %+v, want kill, foo, bar once each", fams)
	}

	pink := rgb(0xff, 0x00, 0xff)
	ext := def.With(Family{Name: "kill", Start: []string{"kill"}, Stop: []string{"start"}, Colour: pink},
		Family{Name: "foo fault", Start: []string{"start-foo"}, Stop: []string{"stop-foo"}, Colour: pink})
	if len(ext) != len(def)+1 || len(def) != len(Default()) {
		t.Fatalf("With replaced kill and added one: got %d families from %d (and the original must be unchanged)", len(ext), len(def))
	}
	bands = ext.Bands(h)
	if bands[0].Colour != pink || bands[1].Fault != "foo fault" || bands[1].Colour != pink {
		t.Errorf("extended table not used: %+v", bands[:2])
	}
}

// A family's measuring fs observe the fault and draw no band; the table, not
// the f's name, decides that, so the same f unknown to a table is a fault of
// its own (a reader must see an op that may have done something).
func TestMeasuringFsDrawNoBand(t *testing.T) {
	h := nem(step{10, inv, "probe-leader"}, step{11, info, "probe-leader"})
	withLeader := Default().With(Family{Name: "leader", Start: []string{"start-leader"}, Stop: []string{"stop-leader"}, Measure: []string{"probe-leader"}})
	if got := withLeader.Bands(h); len(got) != 0 {
		t.Errorf("a measuring f drew bands %+v", got)
	}
	if got := Default().Bands(h); len(got) != 1 || got[0].Fault != "probe-leader" {
		t.Errorf("an f no table knows drew %+v, want one band of its own", got)
	}
}

func TestForPicksTheFamiliesOfANemesissFs(t *testing.T) {
	for _, c := range []struct {
		fs   []string
		want []string
	}{
		{[]string{"kill", "start"}, []string{"kill"}},
		{[]string{"check-clock-offsets", "stop-partition"}, []string{"partition", "clock"}}, // table order, measuring fs count
		{[]string{"join", "leave", "lose-unfsynced-writes"}, []string{"lose unfsynced writes", "membership"}},
		{[]string{"start-foo", "random-merge"}, nil}, // unknown fs bring no family
		{nil, nil},
	} {
		var got []string
		for _, f := range Default().For(c.fs...) {
			got = append(got, f.Name)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("For(%v) = %v, want %v", c.fs, got, c.want)
		}
	}
}
