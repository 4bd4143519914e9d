package report

import (
	"image/color"
	"strings"

	"github.com/faultline/faultline/history"
)

// Fault describes one fault family as plots and the timeline show it: the
// nemesis fs that switch it on, the fs that switch it off, and the name and
// colour of its band. A family with no Stop fs is instantaneous (a bitflip, a
// truncation): each op gets a band of its own, from its invoke to its
// completion.
type Fault struct {
	Name   string
	Start  []string
	Stop   []string
	Colour color.RGBA
}

// FaultTable is the list of fault families a report knows, in legend order.
// It is plain data so that nemesis packages can add their own families (with
// With) and the timeline can reuse the same names and colours as the plots.
type FaultTable []Fault

// DefaultFaults returns the fault families of Faultline's (and Jepsen's)
// standard nemeses. Colours are opaque; plots draw bands translucent.
func DefaultFaults() FaultTable {
	return FaultTable{
		{Name: "partition", Start: []string{"start-partition"}, Stop: []string{"stop-partition"}, Colour: rgb(0x88, 0x88, 0x88)},
		{Name: "kill", Start: []string{"kill"}, Stop: []string{"start"}, Colour: rgb(0xd6, 0x27, 0x28)},
		{Name: "pause", Start: []string{"pause"}, Stop: []string{"resume"}, Colour: rgb(0x94, 0x67, 0xbd)},
		{Name: "packet", Start: []string{"start-packet"}, Stop: []string{"stop-packet"}, Colour: rgb(0x17, 0xbe, 0xcf)},
		{Name: "clock", Start: []string{"bump-clock", "strobe-clock"}, Stop: []string{"reset-clock"}, Colour: rgb(0x2c, 0xa0, 0x2c)},
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

// measurementFs are nemesis fs that observe rather than inject a fault; they
// get no band.
var measurementFs = map[string]bool{"check-clock-offsets": true}

func rgb(r, g, b uint8) color.RGBA { return color.RGBA{R: r, G: g, B: b, A: 0xff} }

// With returns a copy of the table with the given families added; a family
// with the name of an existing one replaces it (so a nemesis package can
// recolour or extend a standard family).
func (t FaultTable) With(fs ...Fault) FaultTable {
	out := append(FaultTable(nil), t...)
	for _, f := range fs {
		replaced := false
		for i := range out {
			if out[i].Name == f.Name {
				out[i], replaced = f, true
			}
		}
		if !replaced {
			out = append(out, f)
		}
	}
	return out
}

// Band is a stretch of time during which a fault may have been active. It runs
// from the invoke of the op that started the fault to the completion of the op
// that stopped it: a nemesis op takes effect at some moment between its invoke
// and its completion, so this is the widest span in which the fault can have
// influenced client ops, which is what a reader of the plot needs to see.
type Band struct {
	Fault      string     // family name, as in the legend
	Colour     color.RGBA // the family's colour
	Start, End int64      // nanoseconds since the test started
	StartIndex int        // Index of the op that started the fault
	EndIndex   int        // Index of the op that stopped it, or -1 if none did
	Open       bool       // nothing stopped the fault before the history ended
}

// family finds the fault family an f belongs to and whether f starts or stops
// it. Unknown fs named start-X / stop-X form a family X; any other unknown f is
// an instantaneous family named after itself.
func (t FaultTable) family(f string) (fam Fault, starts, known bool) {
	for _, fault := range t {
		for _, s := range fault.Start {
			if s == f {
				return fault, true, true
			}
		}
		for _, s := range fault.Stop {
			if s == f {
				return fault, false, true
			}
		}
	}
	if name, ok := strings.CutPrefix(f, "start-"); ok {
		return Fault{Name: name, Start: []string{f}, Stop: []string{"stop-" + name}}, true, false
	}
	if name, ok := strings.CutPrefix(f, "stop-"); ok {
		return Fault{Name: name, Start: []string{"start-" + name}, Stop: []string{f}}, false, false
	}
	return Fault{Name: f, Start: []string{f}}, true, false
}

// Bands computes the fault bands of a history, ordered by start time. A
// nemesis op that completed with fail did nothing and makes no band; a stop
// op that failed or never completed leaves its fault running. Starting a
// fault that is already running (a second kill before the start) extends the
// running band. Bands still running at the end of the history end at the
// last op's time and are marked Open.
func (t FaultTable) Bands(h *history.History) []Band {
	var out []Band
	open := map[string]int{} // family name -> index in out of its running band
	colours := map[string]color.RGBA{}
	var end int64
	for i := range h.Ops {
		end = max(end, h.Ops[i].Time)
	}
	colourOf := func(fam Fault, known bool) color.RGBA {
		if known {
			return fam.Colour
		}
		c, ok := colours[fam.Name]
		if !ok {
			c = fallbackColours[len(colours)%len(fallbackColours)]
			colours[fam.Name] = c
		}
		return c
	}
	for i := range h.Ops {
		op := &h.Ops[i]
		if !op.IsNemesis() || measurementFs[op.F] {
			continue
		}
		var done *history.Op
		switch {
		case op.Type == history.Invoke:
			if j := h.Completion(i); j >= 0 {
				done = &h.Ops[j]
			}
		case h.Invocation(i) < 0:
			done = op // a bare completion, logged without an invoke
		default:
			continue // the completion of an invoke handled above
		}
		if done != nil && done.Type == history.Fail {
			continue
		}
		fam, starts, known := t.family(op.F)
		switch {
		case starts && len(fam.Stop) == 0:
			b := Band{Fault: fam.Name, Colour: colourOf(fam, known), Start: op.Time, End: end, StartIndex: op.Index, EndIndex: -1, Open: done == nil}
			if done != nil {
				b.End, b.EndIndex = done.Time, done.Index
			}
			out = append(out, b)
		case starts:
			if _, running := open[fam.Name]; !running {
				open[fam.Name] = len(out)
				out = append(out, Band{Fault: fam.Name, Colour: colourOf(fam, known), Start: op.Time, End: end, StartIndex: op.Index, EndIndex: -1, Open: true})
			}
		default:
			k, running := open[fam.Name]
			if !running || done == nil {
				continue // stopping what is not running, or a stop that may not have happened
			}
			out[k].End, out[k].EndIndex, out[k].Open = done.Time, done.Index, false
			delete(open, fam.Name)
		}
	}
	return out
}

// Families lists the families that occur in bands, once each, in order of first
// appearance, with their colours.
func Families(bands []Band) []Fault {
	var out []Fault
	seen := map[string]bool{}
	for _, b := range bands {
		if !seen[b.Fault] {
			seen[b.Fault] = true
			out = append(out, Fault{Name: b.Fault, Colour: b.Colour})
		}
	}
	return out
}
