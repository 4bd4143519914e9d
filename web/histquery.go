package web

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/codec"
	"github.com/faultline/faultline/history/edn"
)

// Page sizes of the history view.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// histFilter is what the history view's form asks for, as typed (for the
// form and links) and parsed (for matching).
type histFilter struct {
	Process, F, Type, Key, From, To string

	proc       int32
	typ        history.Type
	key        any
	from, to   int64 // nanoseconds
	hasProc    bool
	hasType    bool
	hasKey     bool
	hasFrom    bool
	hasTo      bool
	hasF       bool
	canonical  string
	filterDesc []string
}

// histQuery is one request of the history view: a filter, a page of it,
// and the op to land on and highlight (Op < 0: none).
type histQuery struct {
	histFilter
	Limit, Page int // Page counts from 1; 0 means "the page holding Op", or 1
	Op          int
}

// badQuery is a history view parameter that cannot be understood; it says
// which and what was expected.
type badQuery struct{ msg string }

func (b *badQuery) Error() string { return b.msg }

func badParam(name, value, expected string) error {
	return &badQuery{fmt.Sprintf("bad %s %q: expected %s", name, value, expected)}
}

// parseHistQuery reads the history view's URL parameters: process (a number
// or nemesis), f, type (invoke, ok, fail, info), key (EDN: 5, :x, "x"; a
// bare word is a keyword), from and to (seconds since the run started),
// limit (1..MaxPageSize), page (from 1) and op (an :index to land on).
func parseHistQuery(q url.Values) (histQuery, error) {
	hq := histQuery{Limit: DefaultPageSize, Op: -1}
	f := &hq.histFilter
	f.Process, f.F, f.Type = strings.TrimSpace(q.Get("process")), q.Get("f"), q.Get("type")
	f.Key, f.From, f.To = strings.TrimSpace(q.Get("key")), strings.TrimSpace(q.Get("from")), strings.TrimSpace(q.Get("to"))
	if f.Process != "" {
		p, err := parseProcess(f.Process)
		if err != nil {
			return hq, badParam("process", f.Process, "a process number or nemesis")
		}
		f.proc, f.hasProc = int32(p), true
		f.describe("process " + f.Process)
	}
	if f.F != "" {
		f.hasF = true
		f.describe("f " + f.F)
	}
	if f.Type != "" {
		t, err := history.ParseType(f.Type)
		if err != nil || t > history.Info {
			return hq, badParam("type", f.Type, "invoke, ok, fail or info")
		}
		f.typ, f.hasType = t, true
		f.describe("type " + t.String())
	}
	if f.Key != "" {
		k, err := edn.Parse([]byte(f.Key), "key")
		if err != nil {
			return hq, badParam("key", f.Key, "an EDN value such as 5, :x or \"x\" ("+err.Error()+")")
		}
		if s, ok := k.(history.Symbol); ok {
			k = history.Keyword(s) // a bare word means the keyword
		}
		f.key, f.hasKey = k, true
		f.describe("key " + history.FormatEDN(k))
	}
	var err error
	if f.from, f.hasFrom, err = parseSeconds("from", f.From); err != nil {
		return hq, err
	}
	if f.to, f.hasTo, err = parseSeconds("to", f.To); err != nil {
		return hq, err
	}
	if f.hasFrom {
		f.describe("from " + f.From + " s")
	}
	if f.hasTo {
		f.describe("to " + f.To + " s")
	}
	if hq.Limit, err = parseCount(q, "limit", DefaultPageSize, 1, MaxPageSize); err != nil {
		return hq, err
	}
	if hq.Page, err = parseCount(q, "page", 0, 1, math.MaxInt32); err != nil {
		return hq, err
	}
	if hq.Op, err = parseCount(q, "op", -1, 0, math.MaxInt); err != nil {
		return hq, err
	}
	f.canonical = strings.Join([]string{f.Process, f.F, f.Type, history.Key(f.key), f.From, f.To}, "\x00")
	return hq, nil
}

func (f *histFilter) describe(s string) { f.filterDesc = append(f.filterDesc, s) }

// Active reports whether the filter leaves any op out.
func (f histFilter) Active() bool { return len(f.filterDesc) > 0 }

// Description says in words what the filter keeps.
func (f histFilter) Description() string { return strings.Join(f.filterDesc, ", ") }

// parseProcess reads a process as the history prints it.
func parseProcess(s string) (int, error) {
	if s == "nemesis" || s == ":nemesis" {
		return history.NemesisProcess, nil
	}
	p, err := strconv.Atoi(s)
	if err != nil || p < 0 {
		return 0, fmt.Errorf("bad process %q", s)
	}
	return p, nil
}

// parseSeconds reads a time bound in seconds since the run started.
func parseSeconds(name, s string) (int64, bool, error) {
	if s == "" {
		return 0, false, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e9 {
		return 0, false, badParam(name, s, "a number of seconds since the run started, such as 12.5")
	}
	return int64(math.Round(v * 1e9)), true, nil
}

// parseCount reads a whole-number parameter within [lo, hi], def if absent.
func parseCount(q url.Values, name string, def, lo, hi int) (int, error) {
	s := strings.TrimSpace(q.Get(name))
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		what := fmt.Sprintf("a whole number from %d to %d", lo, hi)
		if hi == math.MaxInt32 || hi == math.MaxInt {
			what = fmt.Sprintf("a whole number from %d", lo)
		}
		return 0, badParam(name, s, what)
	}
	return n, nil
}

// matcher is a filter resolved against one index: fs and keys by id. A
// filter naming an f or key the history never has matches nothing.
type matcher struct {
	f          *histFilter
	fid, keyID int32
	none       bool
}

func (x *histIndex) matcher(f *histFilter) matcher {
	m := matcher{f: f}
	if f.hasF {
		id, ok := x.fid[f.F]
		m.fid, m.none = id, !ok
	}
	if f.hasKey {
		id, ok := x.lookupKey(f.key)
		m.keyID, m.none = id, m.none || !ok
	}
	return m
}

func (m *matcher) match(x *histIndex, i int) bool {
	f := m.f
	switch {
	case m.none,
		f.hasProc && x.proc[i] != f.proc,
		f.hasType && x.typ[i] != f.typ,
		f.hasF && x.f[i] != m.fid,
		f.hasFrom && x.time[i] < f.from,
		f.hasTo && x.time[i] > f.to:
		return false
	case f.hasKey:
		for _, k := range x.keysOf(i) {
			if k == m.keyID {
				return true
			}
		}
		return false
	}
	return true
}

// filtered is the positions of the ops a filter keeps, as far as the index
// went when they were listed (upTo): a grown journal only adds the rest.
type filtered struct {
	pos  []int32
	upTo int
}

// maxCachedFilters bounds the filtered lists an index keeps.
const maxCachedFilters = 16

// matching returns the positions of the ops f keeps, from the index's
// cache of filtered lists, brought up to date with the index.
func (x *histIndex) matching(f *histFilter) []int32 {
	if x.filters == nil {
		x.filters = map[string]*filtered{}
	}
	fl := x.filters[f.canonical]
	if fl == nil {
		if len(x.filters) >= maxCachedFilters {
			for k := range x.filters {
				delete(x.filters, k)
				break
			}
		}
		fl = &filtered{}
		x.filters[f.canonical] = fl
	}
	m := x.matcher(f)
	for i := fl.upTo; i < x.Len(); i++ {
		if m.match(x, i) {
			fl.pos = append(fl.pos, int32(i))
		}
	}
	fl.upTo = x.Len()
	return fl.pos
}

// histPage is one page of the history view.
type histPage struct {
	Total    int // ops in the history
	Matching int // ops the filter keeps
	Page     int
	Pages    int
	First    int // rank of the first op shown, from 1 (0 if none)
	Rows     []histRow
	// FocusNote says why the op asked for is not on the page, if it is not.
	FocusNote string
}

// histRow is one op as the history view shows it.
type histRow struct {
	Index   int
	Time    int64
	Process string
	Type    string
	F       string
	Value   string
	Error   string
	Extra   string
	Pair    int // :index of the other half of its pair, -1 if none
	Focus   bool
}

// page finds the page q asks for and reads its ops from the file.
func (x *histIndex) page(f *os.File, q *histQuery) (histPage, error) {
	p := histPage{Total: x.Len()}
	var pos []int32 // nil: every op, in order
	if q.Active() {
		pos = x.matching(&q.histFilter)
		p.Matching = len(pos)
	} else {
		p.Matching = x.Len()
	}
	p.Pages = max(1, (p.Matching+q.Limit-1)/q.Limit)
	p.Page = q.Page
	if q.Op >= 0 {
		rank, note := x.rankOf(q.Op, pos)
		p.FocusNote = note
		if p.Page == 0 && rank >= 0 {
			p.Page = rank/q.Limit + 1
		}
	}
	if p.Page == 0 {
		p.Page = 1
	}
	if p.Page > p.Pages {
		return p, &badQuery{fmt.Sprintf("page %d does not exist: %d ops match, %d pages of %d", p.Page, p.Matching, p.Pages, q.Limit)}
	}
	from := (p.Page - 1) * q.Limit
	to := min(from+q.Limit, p.Matching)
	if from >= to {
		return p, nil
	}
	p.First = from + 1
	show := make([]int32, 0, to-from)
	for r := from; r < to; r++ {
		if pos == nil {
			show = append(show, int32(r))
		} else {
			show = append(show, pos[r])
		}
	}
	ops, err := x.read(f, show)
	if err != nil {
		return p, err
	}
	for k, i := range show {
		p.Rows = append(p.Rows, x.row(int(i), &ops[k], q.Op))
	}
	return p, nil
}

// rankOf is the rank of the op with :index op among pos (nil: all ops), or
// -1 with a note saying why it is not shown.
func (x *histIndex) rankOf(op int, pos []int32) (int, string) {
	i := x.position(op)
	if i < 0 {
		return -1, fmt.Sprintf("This history has no op with index %d.", op)
	}
	if pos == nil {
		return i, ""
	}
	r := sort.Search(len(pos), func(k int) bool { return pos[k] >= int32(i) })
	if r < len(pos) && pos[r] == int32(i) {
		return r, ""
	}
	return -1, fmt.Sprintf("Op %d is not among the ops these filters keep.", op)
}

// row renders op (at position i) for the table.
func (x *histIndex) row(i int, op *history.Op, focus int) histRow {
	r := histRow{
		Index: x.indexOf(i), Time: x.time[i], Process: history.ProcessString(int(x.proc[i])),
		Type: x.typ[i].String(), F: op.F, Value: clipText(history.FormatEDN(op.Value), maxValueText), Pair: -1,
	}
	if op.Error != nil {
		r.Error = clipText(history.FormatEDN(op.Error), maxValueText)
	}
	var extra []string
	for _, e := range op.Extra {
		extra = append(extra, ":"+e.Name+" "+history.FormatEDN(e.Value))
	}
	r.Extra = clipText(strings.Join(extra, ", "), maxValueText)
	if j := x.pair[i]; j >= 0 {
		r.Pair = x.indexOf(int(j))
	}
	r.Focus = r.Index == focus
	return r
}

// maxValueText bounds a value shown in a table cell; the op's own page (or
// the file) has it whole.
const maxValueText = 2000

// clipText shortens s to at most n bytes (on a rune boundary), marking the cut.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xc0 == 0x80 {
		cut--
	}
	return s[:cut] + fmt.Sprintf(" … (%d more bytes)", len(s)-cut)
}

// read reads the ops at the given positions (increasing) from the file: the
// lines of each run of consecutive positions in one read, all of them parsed
// by one reader. Index and process come from the index, which read the
// whole file (a process renamed after an :info keeps its new name).
func (x *histIndex) read(f *os.File, positions []int32) ([]history.Op, error) {
	var buf []byte
	for k := 0; k < len(positions); {
		j := k
		for j+1 < len(positions) && positions[j+1] == positions[j]+1 {
			j++
		}
		from, _ := x.span(int(positions[k]))
		_, to := x.span(int(positions[j]))
		start := len(buf)
		buf = append(buf, make([]byte, to-from)...)
		if _, err := f.ReadAt(buf[start:], from); err != nil && err != io.EOF {
			return nil, fmt.Errorf("%s: reading ops %d-%d: %w", x.name, x.indexOf(int(positions[k])), x.indexOf(int(positions[j])), err)
		}
		if len(buf) > 0 && buf[len(buf)-1] != '\n' {
			buf = append(buf, '\n')
		}
		k = j + 1
	}
	rd, err := codec.NewReader(bytes.NewReader(buf), x.name, x.format)
	if err != nil {
		return nil, err
	}
	ops := make([]history.Op, 0, len(positions))
	for _, i := range positions {
		op, err := rd.Next()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("%s changed since it was indexed: op %d at byte %d no longer reads (%v); reload the page", x.name, x.indexOf(int(i)), x.off[i], err)
		}
		op.Index, op.Process = x.indexOf(int(i)), int(x.proc[i])
		ops = append(ops, op)
	}
	return ops, nil
}

// opsByIndex reads the ops with the given :index values (any order, missing
// ones left out), for pages that show a few ops of a finding.
func (x *histIndex) opsByIndex(f *os.File, indexes []int) (map[int]history.Op, error) {
	var positions []int32
	for _, ix := range indexes {
		if i := x.position(ix); i >= 0 {
			positions = append(positions, int32(i))
		}
	}
	sort.Slice(positions, func(a, b int) bool { return positions[a] < positions[b] })
	positions = compactInt32(positions)
	ops, err := x.read(f, positions)
	if err != nil {
		return nil, err
	}
	out := make(map[int]history.Op, len(ops))
	for _, op := range ops {
		out[op.Index] = op
	}
	return out, nil
}

func compactInt32(xs []int32) []int32 {
	out := xs[:0]
	for i, v := range xs {
		if i == 0 || v != xs[i-1] {
			out = append(out, v)
		}
	}
	return out
}
