package faultband

import (
	"image/color"

	"github.com/faultline/faultline/history"
)

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

// Bands computes the fault bands of a history, ordered by start time. A
// nemesis op that completed with fail did nothing and makes no band; a stop
// op that failed or never completed leaves its fault running. Starting a
// fault that is already running (a second kill before the start) extends the
// running band. Measuring ops make no band. Bands still running at the end
// of the history end at the last op's time and are marked Open.
func (t Table) Bands(h *history.History) []Band {
	var out []Band
	open := map[string]int{} // family name -> index in out of its running band
	colours := map[string]color.RGBA{}
	var end int64
	for _, op := range h.All() {
		end = max(end, op.Time)
	}
	colourOf := func(fam Family, known bool) color.RGBA {
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
	for i, op := range h.All() {
		if !op.IsNemesis() {
			continue
		}
		fam, r, known := t.lookup(op.F)
		if r == measures {
			continue
		}
		var done history.Op // the op's completion, if finished
		finished := false
		switch {
		case op.Type == history.Invoke:
			if j := h.Completion(i); j >= 0 {
				done, finished = h.At(j), true
			}
		case h.Invocation(i) < 0:
			done, finished = op, true // a bare completion, logged without an invoke
		default:
			continue // the completion of an invoke handled above
		}
		if finished && done.Type == history.Fail {
			continue
		}
		switch {
		case r == starts && len(fam.Stop) == 0:
			b := Band{Fault: fam.Name, Colour: colourOf(fam, known), Start: op.Time, End: end, StartIndex: op.Index, EndIndex: -1, Open: !finished}
			if finished {
				b.End, b.EndIndex = done.Time, done.Index
			}
			out = append(out, b)
		case r == starts:
			if _, running := open[fam.Name]; !running {
				open[fam.Name] = len(out)
				out = append(out, Band{Fault: fam.Name, Colour: colourOf(fam, known), Start: op.Time, End: end, StartIndex: op.Index, EndIndex: -1, Open: true})
			}
		default:
			k, running := open[fam.Name]
			if !running || !finished {
				continue // stopping what is not running, or a stop that may not have happened
			}
			out[k].End, out[k].EndIndex, out[k].Open = done.Time, done.Index, false
			delete(open, fam.Name)
		}
	}
	return out
}

// Families lists the families that occur in bands, once each, in order of
// first appearance, with their names and colours (the legend).
func Families(bands []Band) []Family {
	var out []Family
	seen := map[string]bool{}
	for _, b := range bands {
		if !seen[b.Fault] {
			seen[b.Fault] = true
			out = append(out, Family{Name: b.Fault, Colour: b.Colour})
		}
	}
	return out
}
