package linearizability

import (
	"fmt"
	"html"
	"io"
	"slices"
	"strings"

	"github.com/faultline/faultline/checker/linear"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/internal/plural"
)

// Timeline geometry, in SVG user units.
const (
	laneHeight = 34
	barHeight  = 22
	tick       = 26 // horizontal distance between consecutive events
	leftMargin = 90
	topMargin  = 40
)

// Bar colours: linearized (the prefix), blocked, and the other concurrent
// ops. Info ops are drawn lighter and open-ended.
const (
	colourPrefix  = "#4c9a5b"
	colourBlocked = "#d1453b"
	colourOther   = "#8a8f98"
)

// bar is one operation on the timeline.
type bar struct {
	op     linear.Operation
	order  int // position in the linearization, 0 if not linearized
	colour string
}

// WriteSVG writes a self-contained SVG timeline of ce: one lane per
// process, one bar per operation from invocation to completion (open-ended
// for info ops), the linearized prefix in green numbered in linearization
// order, the blocked operation in red, the other concurrent ones in grey.
// The horizontal axis is event order, not time, so that short and long
// operations stay readable; hovering a bar shows its details.
func WriteSVG(w io.Writer, ce *linear.Counterexample) error {
	bars := collect(ce)
	// Horizontal positions: the rank of each event position among those
	// shown; a never-completed op runs to one tick past the last event.
	var events, procs []int
	for _, b := range bars {
		events = append(events, b.op.Invoke)
		if b.op.Complete >= 0 {
			events = append(events, b.op.Complete)
		}
		procs = append(procs, b.op.Process)
	}
	eventRank, procRank := ranks(&events), ranks(&procs)
	x := func(pos int) int { return leftMargin + eventRank(pos)*tick }
	lane := func(p int) int { return topMargin + procRank(p)*laneHeight }
	end := leftMargin + len(events)*tick
	width, height := end+2*tick, topMargin+len(procs)*laneHeight+40

	var s strings.Builder
	fmt.Fprintf(&s, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n", width, height, width, height)
	title := "Not linearizable: " + ce.Model
	if ce.Keyed {
		title += ", key " + history.FormatEDN(ce.Key)
	}
	fmt.Fprintf(&s, `<text x="8" y="18" font-size="14" font-weight="bold">%s</text>`+"\n", esc(title))
	fmt.Fprintf(&s, `<text x="8" y="32" fill="#555">green: linearized prefix (numbered in order, %s in all); red: cannot be placed; grey: also running; %s before it: %s</text>`+"\n", plural.Count(ce.PrefixLength, "op"), plural.Noun(len(ce.States), "state"), esc(joinEDN(ce.States)))
	for _, p := range procs {
		y := lane(p)
		fmt.Fprintf(&s, `<text x="8" y="%d">process %s</text>`+"\n", y+barHeight/2+4, esc(history.ProcessString(p)))
		fmt.Fprintf(&s, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#ddd"/>`+"\n", leftMargin, y+barHeight/2, end+tick, y+barHeight/2)
	}
	for _, b := range bars {
		x1, x2 := x(b.op.Invoke), end+tick
		if b.op.Complete >= 0 {
			x2 = x(b.op.Complete)
		}
		x2 = max(x2, x1+tick/2)
		y := lane(b.op.Process)
		opacity, dash := "1", ""
		if b.op.Outcome != "ok" {
			opacity, dash = "0.55", ` stroke-dasharray="4 3"`
		}
		label := b.op.F + " " + history.FormatEDN(b.op.Value)
		if b.order > 0 {
			label = fmt.Sprintf("%d: %s", b.order, label)
		}
		fmt.Fprintf(&s, `<g><title>%s</title><rect x="%d" y="%d" width="%d" height="%d" rx="3" fill="%s" fill-opacity="%s" stroke="#333"%s/>`,
			esc(b.op.String()), x1, y, x2-x1, barHeight, b.colour, opacity, dash)
		fmt.Fprintf(&s, `<text x="%d" y="%d" fill="#fff">%s</text></g>`+"\n", x1+4, y+barHeight/2+4, esc(clip(label, (x2-x1-8)/6)))
	}
	s.WriteString("</svg>\n")
	_, err := io.WriteString(w, s.String())
	return err
}

// WriteHTML writes a self-contained HTML page with the timeline and the
// text account below it.
func WriteHTML(w io.Writer, ce *linear.Counterexample) error {
	var svg, text strings.Builder
	if err := WriteSVG(&svg, ce); err != nil {
		return err
	}
	if err := WriteText(&text, ce); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%s</title></head>\n<body>\n<div style=\"overflow-x:auto\">%s</div>\n<pre>%s</pre>\n</body></html>\n",
		esc("Linearizability counterexample: "+ce.Model), svg.String(), esc(text.String()))
	return err
}

// collect lists the bars to draw: the prefix tail, the blocked ops and the
// concurrent ones, each op once.
func collect(ce *linear.Counterexample) []bar {
	var bars []bar
	seen := make(map[int]bool)
	add := func(b bar) {
		if !seen[b.op.Invoke] {
			seen[b.op.Invoke] = true
			bars = append(bars, b)
		}
	}
	first := ce.PrefixLength - len(ce.Prefix) + 1
	for i, st := range ce.Prefix {
		add(bar{op: st.Op, order: first + i, colour: colourPrefix})
	}
	for _, o := range ce.Blocked {
		add(bar{op: o, colour: colourBlocked})
	}
	for _, o := range ce.Concurrent {
		add(bar{op: o, colour: colourOther})
	}
	return bars
}

// ranks sorts *xs and removes duplicates, and returns the function giving a
// value's position among them.
func ranks(xs *[]int) func(int) int {
	slices.Sort(*xs)
	*xs = slices.Compact(*xs)
	return func(x int) int {
		i, _ := slices.BinarySearch(*xs, x)
		return i
	}
}

func esc(s string) string { return html.EscapeString(s) }

// clip shortens s to at most n characters (n at least 1), marking the cut.
func clip(s string, n int) string {
	n = max(n, 1)
	if len(s) <= n {
		return s
	}
	if n <= 1 {
		return "…"
	}
	return s[:n-1] + "…"
}
