// Package faultband says how the faults a nemesis injected show in a
// history: which nemesis f starts a fault family and which stops it, which
// fs only measure it, the family's name and colour, and, from those, the
// bands (spans of time a fault may have been active) of a history, plus the
// clock offsets that measuring ops carry.
//
// It is pure data and history in, data out, so that the nemesis packages
// (which choose the families of the faults a test asks for) and report
// (which shades the bands on every plot and the timeline) share one table
// without importing each other.
package faultband

import (
	"image/color"
	"slices"
	"strings"
)

// Family describes one fault family: the nemesis fs that switch it on, the
// fs that switch it off, the fs that only measure it, and the name and
// colour of its band. A family with no Stop fs is instantaneous (a bitflip,
// a truncation): each op gets a band of its own, from its invoke to its
// completion. Measuring fs (check-clock-offsets) observe rather than inject
// and get no band.
type Family struct {
	Name    string
	Start   []string
	Stop    []string
	Measure []string
	Colour  color.RGBA
}

// Table is the list of fault families a report knows, in legend order. It
// is plain data so that a suite with faults of its own can add families
// (With) and every plot and the timeline use the same names and colours.
type Table []Family

// CheckClockOffsets is the f of the clock nemesis's measuring op; its
// completion's value is a map of node to offset (see ClockOffsets).
const CheckClockOffsets = "check-clock-offsets"

// Default returns the fault families of Faultline's (and Jepsen's) standard
// nemeses. Colours are opaque; plots draw bands translucent.
func Default() Table {
	return Table{
		{Name: "partition", Start: []string{"start-partition"}, Stop: []string{"stop-partition"}, Colour: rgb(0x88, 0x88, 0x88)},
		{Name: "kill", Start: []string{"kill"}, Stop: []string{"start"}, Colour: rgb(0xd6, 0x27, 0x28)},
		{Name: "pause", Start: []string{"pause"}, Stop: []string{"resume"}, Colour: rgb(0x94, 0x67, 0xbd)},
		{Name: "packet", Start: []string{"start-packet"}, Stop: []string{"stop-packet"}, Colour: rgb(0x17, 0xbe, 0xcf)},
		{Name: "clock", Start: []string{"bump-clock", "strobe-clock"}, Stop: []string{"reset-clock"}, Measure: []string{CheckClockOffsets}, Colour: rgb(0x2c, 0xa0, 0x2c)},
		{Name: "file corruption", Start: []string{"bitflip", "truncate"}, Colour: rgb(0xe3, 0x77, 0xc2)},
		{Name: "lose unfsynced writes", Start: []string{"lose-unfsynced-writes"}, Colour: rgb(0x8c, 0x56, 0x4b)},
		{Name: "membership", Start: []string{"leave", "join", "add-node", "remove-node"}, Colour: rgb(0xbc, 0xbd, 0x22)},
	}
}

// fallbackColours colour families the table does not know, in order of
// first appearance, so that an unknown nemesis still gets a distinct band.
var fallbackColours = [...]color.RGBA{
	rgb(0xff, 0x7f, 0x0e), rgb(0x1f, 0x77, 0xb4), rgb(0x7f, 0x7f, 0x00),
	rgb(0x00, 0x7f, 0x7f), rgb(0x7f, 0x00, 0x7f), rgb(0x55, 0x55, 0x55),
}

func rgb(r, g, b uint8) color.RGBA { return color.RGBA{R: r, G: g, B: b, A: 0xff} }

// With returns a copy of the table with the given families added; a family
// with the name of an existing one replaces it (so a suite can recolour or
// extend a standard family).
func (t Table) With(fams ...Family) Table {
	out := slices.Clone(t)
	for _, f := range fams {
		if i := slices.IndexFunc(out, func(g Family) bool { return g.Name == f.Name }); i >= 0 {
			out[i] = f
		} else {
			out = append(out, f)
		}
	}
	return out
}

// For returns the families of t that any of fs starts, stops or measures, in
// the table's order: the legend of a test whose nemesis handles fs.
func (t Table) For(fs ...string) Table {
	var out Table
	for _, fam := range t {
		if slices.ContainsFunc(fs, fam.has) {
			out = append(out, fam)
		}
	}
	return out
}

// has reports whether f belongs to the family.
func (fam Family) has(f string) bool {
	return slices.Contains(fam.Start, f) || slices.Contains(fam.Stop, f) || slices.Contains(fam.Measure, f)
}

// role is what an f does to its family.
type role int

const (
	starts role = iota
	stops
	measures
)

// lookup finds the family f belongs to and what f does to it. Unknown fs
// named start-X / stop-X form a family X; any other unknown f is an
// instantaneous family named after itself.
func (t Table) lookup(f string) (fam Family, r role, known bool) {
	for _, fam := range t {
		switch {
		case slices.Contains(fam.Start, f):
			return fam, starts, true
		case slices.Contains(fam.Stop, f):
			return fam, stops, true
		case slices.Contains(fam.Measure, f):
			return fam, measures, true
		}
	}
	if name, ok := strings.CutPrefix(f, "start-"); ok {
		return Family{Name: name, Start: []string{f}, Stop: []string{"stop-" + name}}, starts, false
	}
	if name, ok := strings.CutPrefix(f, "stop-"); ok {
		return Family{Name: name, Start: []string{"start-" + name}, Stop: []string{f}}, stops, false
	}
	return Family{Name: f, Start: []string{f}}, starts, false
}
