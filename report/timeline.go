package report

import (
	_ "embed"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/faultline/faultline/faultband"
	"github.com/faultline/faultline/history"
)

// timelinePage is the page around the data: CSS, the canvas renderer and a
// placeholder where the ops go. It is one self-contained file so that a run
// directory can be copied anywhere and still open.
//
//go:embed timeline.html
var timelinePage string

// dataMarker is where the JSON data goes in timelinePage.
const dataMarker = "/*TIMELINE-DATA*/"

// Outcome codes of timeline ops, as the page's script reads them.
const (
	tlOK = iota
	tlFail
	tlInfo
	tlOpen // never completed
)

// timelineOp is one box of the timeline: an invocation with its completion,
// or a nemesis info logged without an invoke.
type timelineOp struct {
	lane             int
	invoke, complete int // positions in the history; complete -1 if it never completed
}

// Timeline writes timeline.html: one lane per process (the nemesis first),
// every operation a box from its invoke to its completion coloured by outcome,
// details on hover, fault bands behind. The ops are embedded as compact JSON
// and drawn on a canvas, only the visible time window at a time, so the page
// stays responsive on histories of hundreds of thousands of ops.
func (r Renderer) Timeline(h *history.History, w io.Writer) error {
	head, tail, ok := strings.Cut(timelinePage, dataMarker)
	if !ok {
		return fmt.Errorf("report: timeline template lacks the %s marker", dataMarker)
	}
	data := r.timelineJSON(h)
	for _, part := range []string{head, string(data), tail} {
		if _, err := io.WriteString(w, part); err != nil {
			return err
		}
	}
	return nil
}

// timelineJSON encodes the history for the page:
//
//	{"end": ns, "lanes": [label...], "fs": [f...],
//	 "ops": [[lane, start, end, outcome, f, invokeIndex, completeIndex,
//	          invokeValue, completeValue, error, node]...],   (by lane, then start)
//	 "faults": [[name, "#rrggbb"]...], "bands": [[fault, start, end, startIndex, endIndex, open]...]}
//
// Values are pre-rendered as EDN text, so the page shows them as Jepsen would.
func (r Renderer) timelineJSON(h *history.History) []byte {
	procs := h.Processes()
	sort.Slice(procs, func(i, j int) bool { return procs[i] < procs[j] }) // the nemesis (-1) first
	lane := make(map[int]int, len(procs))
	for i, p := range procs {
		lane[p] = i
	}
	ops := make([]timelineOp, 0, h.Len()/2+1)
	for i, op := range h.All() {
		switch {
		case op.Type == history.Invoke:
			ops = append(ops, timelineOp{lane: lane[op.Process], invoke: i, complete: h.Completion(i)})
		case h.Invocation(i) < 0:
			ops = append(ops, timelineOp{lane: lane[op.Process], invoke: i, complete: i})
		}
	}
	sort.SliceStable(ops, func(i, j int) bool { return ops[i].lane < ops[j].lane })

	end := historyEnd(h)
	fIndex := map[string]int{}
	var fs []string
	b := make([]byte, 0, 96*len(ops)+1024)
	b = append(b, `{"end":`...)
	b = strconv.AppendInt(b, end, 10)
	b = append(b, `,"lanes":[`...)
	for i, p := range procs {
		b = appendComma(b, i)
		b = appendJSONString(b, history.ProcessString(p))
	}
	b = append(b, `],"ops":[`...)
	var scratch []byte
	for i, t := range ops {
		inv := h.At(t.invoke)
		var done history.Op // the zero Op (no value, error or node) if it never completed
		if t.complete >= 0 {
			done = h.At(t.complete)
		}
		fi, ok := fIndex[inv.F]
		if !ok {
			fi = len(fs)
			fIndex[inv.F] = fi
			fs = append(fs, inv.F)
		}
		b = appendComma(b, i)
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(t.lane), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, inv.Time, 10)
		b = append(b, ',')
		outcome, stop, cindex := tlOpen, end, -1
		if t.complete >= 0 {
			stop, cindex = done.Time, done.Index
			outcome = outcomeCode(done.Type)
		}
		b = strconv.AppendInt(b, stop, 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(outcome), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(fi), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(inv.Index), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(cindex), 10)
		b = append(b, ',')
		scratch = history.AppendEDN(scratch[:0], inv.Value)
		b = appendJSONBytes(b, scratch)
		b = append(b, ',')
		b, scratch = appendOptionalEDN(b, scratch, done.Value)
		b = append(b, ',')
		b, scratch = appendOptionalEDN(b, scratch, done.Error)
		b = append(b, ',')
		b = appendJSONString(b, nodeOf(inv, done))
		b = append(b, ']')
	}
	b = append(b, `],"fs":[`...)
	for i, f := range fs {
		b = appendComma(b, i)
		b = appendJSONString(b, f)
	}
	bands := r.faults().Bands(h)
	families := faultband.Families(bands)
	famIndex := map[string]int{}
	b = append(b, `],"faults":[`...)
	for i, f := range families {
		famIndex[f.Name] = i
		b = appendComma(b, i)
		b = append(b, '[')
		b = appendJSONString(b, f.Name)
		b = append(b, ',')
		b = appendJSONString(b, fmt.Sprintf("#%02x%02x%02x", f.Colour.R, f.Colour.G, f.Colour.B))
		b = append(b, ']')
	}
	b = append(b, `],"bands":[`...)
	for i, band := range bands {
		b = appendComma(b, i)
		b = fmt.Appendf(b, "[%d,%d,%d,%d,%d,%t]", famIndex[band.Fault], band.Start, band.End, band.StartIndex, band.EndIndex, band.Open)
	}
	return append(b, "]}"...)
}

// outcomeCode is the page's code for a completion type.
func outcomeCode(t history.Type) int {
	switch t {
	case history.OK:
		return tlOK
	case history.Fail:
		return tlFail
	}
	return tlInfo
}

// appendOptionalEDN appends, as a JSON string, the EDN text of a field of the
// completion, or "" when the field is nil (as it is when the op never
// completed).
func appendOptionalEDN(b, scratch []byte, v any) ([]byte, []byte) {
	if v == nil {
		return append(b, `""`...), scratch
	}
	scratch = history.AppendEDN(scratch[:0], v)
	return appendJSONBytes(b, scratch), scratch
}

// nodeOf is the :node an op was sent to, when the history records it.
func nodeOf(ops ...history.Op) string {
	for _, op := range ops {
		if v, ok := op.Get("node"); ok {
			if s, ok := history.AsString(v); ok {
				return s
			}
			return history.FormatEDN(v)
		}
	}
	return ""
}

func appendComma(b []byte, i int) []byte {
	if i > 0 {
		return append(b, ',')
	}
	return b
}

func appendJSONString(b []byte, s string) []byte { return appendJSONBytes(b, []byte(s)) }

// appendJSONBytes appends s as a JSON string that is also safe inside an HTML
// <script> element: <, > and & are escaped, so a value containing
// "</script>" cannot end the data block early. Invalid UTF-8 becomes U+FFFD.
func appendJSONBytes(b []byte, s []byte) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
