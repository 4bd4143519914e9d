package elle

import (
	"fmt"
	"math"
	"strings"

	ellechk "github.com/faultline/faultline/checker/elle"
	"github.com/faultline/faultline/history"
)

// relColours gives each relation the colour both drawings use.
var relColours = map[string]string{
	"ww":       "#1f77b4",
	"wr":       "#2ca02c",
	"rw":       "#d62728",
	"process":  "#9467bd",
	"realtime": "#ff7f0e",
}

func colour(rel string) string {
	if c, ok := relColours[rel]; ok {
		return c
	}
	return "#555555"
}

func edn(v any) string { return history.FormatEDN(v) }

// nodeLabel is the short description of a transaction in drawings.
func nodeLabel(t ellechk.TxnRef) []string {
	return []string{t.Name, fmt.Sprintf("index %d, process %s, %s", t.Index, history.ProcessString(t.Process), t.Type), clip(edn(t.Value), 60)}
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

// DOT renders a cycle as a Graphviz digraph.
func DOT(an ellechk.Anomaly) string {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %s {\n  node [shape=box, fontname=\"monospace\"];\n", dotQuote(an.Type))
	for _, t := range an.Txns {
		fmt.Fprintf(&b, "  %s [label=%s];\n", dotQuote(t.Name), dotQuote(strings.Join(nodeLabel(t), "\n")))
	}
	for _, s := range an.Steps {
		fmt.Fprintf(&b, "  %s -> %s [label=%s, color=%s, fontcolor=%s, tooltip=%s];\n",
			dotQuote(s.From), dotQuote(s.To), dotQuote(s.Rel), dotQuote(colour(s.Rel)), dotQuote(colour(s.Rel)), dotQuote(s.Explanation))
	}
	b.WriteString("}\n")
	return b.String()
}

func dotQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// SVG draws a cycle: transactions on a circle, one arrow per step coloured
// by relation, and the step-by-step explanation underneath.
func SVG(an ellechk.Anomaly) []byte {
	const boxW, boxH, lineH = 300.0, 54.0, 16.0
	n := len(an.Txns)
	radius := math.Max(140, float64(n)*boxW/(2*math.Pi)*0.9)
	cx, cy := radius+boxW/2+20, radius+boxH/2+50
	width := 2 * cx
	textTop := cy + radius + boxH/2 + 30
	height := textTop + lineH*float64(len(an.Explanation)+len(an.Txns)) + 20
	pos := map[string][2]float64{}
	for i, t := range an.Txns {
		a := -math.Pi/2 + 2*math.Pi*float64(i)/float64(n)
		pos[t.Name] = [2]float64{cx + radius*math.Cos(a), cy + radius*math.Sin(a)}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="monospace" font-size="12">`+"\n", width, height, width, height)
	b.WriteString("<defs>")
	for rel, c := range relColours {
		fmt.Fprintf(&b, `<marker id="arrow-%s" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="%s"/></marker>`, rel, c)
	}
	b.WriteString("</defs>\n")
	fmt.Fprintf(&b, `<text x="20" y="24" font-size="16" font-weight="bold">%s</text>`+"\n", xmlEscape(an.Type))
	for _, s := range an.Steps {
		from, to := pos[s.From], pos[s.To]
		x1, y1 := boxEdge(from, to, boxW, boxH)
		x2, y2 := boxEdge(to, from, boxW, boxH)
		// Shift each arrow to its right, so that T1 -> T2 and T2 -> T1 (the
		// commonest cycle) are two arrows, not one line with two heads.
		nx, ny := 0.0, 0.0
		if l := math.Hypot(x2-x1, y2-y1); l > 0 {
			nx, ny = (y2-y1)/l*10, -(x2-x1)/l*10
			x1, y1, x2, y2 = x1-nx, y1-ny, x2-nx, y2-ny
		}
		c := colour(s.Rel)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2" marker-end="url(#arrow-%s)"><title>%s</title></line>`+"\n",
			x1, y1, x2, y2, c, xmlEscape(s.Rel), xmlEscape(s.Explanation))
		anchor := "middle" // the label sits on the arrow's outer side
		switch {
		case nx > 3:
			anchor = "end"
		case nx < -3:
			anchor = "start"
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="%s" text-anchor="%s">%s</text>`+"\n", (x1+x2)/2-nx*0.6, (y1+y2)/2-ny*0.6+4, c, anchor, xmlEscape(s.Rel))
	}
	for _, t := range an.Txns {
		p := pos[t.Name]
		fmt.Fprintf(&b, `<g><rect x="%.1f" y="%.1f" width="%.0f" height="%.0f" rx="6" fill="#ffffff" stroke="#333333"/>`, p[0]-boxW/2, p[1]-boxH/2, boxW, boxH)
		for i, line := range nodeLabel(t) {
			weight := "normal"
			if i == 0 {
				weight = "bold"
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-weight="%s">%s</text>`, p[0], p[1]-boxH/2+lineH*float64(i+1), weight, xmlEscape(line))
		}
		b.WriteString("</g>\n")
	}
	y := textTop
	for _, line := range an.Explanation {
		fmt.Fprintf(&b, `<text x="20" y="%.1f">%s</text>`+"\n", y, xmlEscape(clip(line, 200)))
		y += lineH
	}
	for _, t := range an.Txns {
		fmt.Fprintf(&b, `<text x="20" y="%.1f" fill="#555555">%s</text>`+"\n", y, xmlEscape(clip(t.String(), 200)))
		y += lineH
	}
	b.WriteString("</svg>\n")
	return []byte(b.String())
}

// boxEdge is where the segment from the centre of box a towards the centre
// of box b leaves box a.
func boxEdge(a, b [2]float64, w, h float64) (float64, float64) {
	dx, dy := b[0]-a[0], b[1]-a[1]
	if dx == 0 && dy == 0 {
		return a[0], a[1]
	}
	t := math.Min(math.Abs((w/2)/dx), math.Abs((h/2)/dy))
	if math.IsInf(t, 0) || math.IsNaN(t) {
		t = 0
	}
	return a[0] + dx*t, a[1] + dy*t
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}
