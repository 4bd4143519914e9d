package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/codec"
	"github.com/faultline/faultline/history/edn"
)

// histIndex is what the history view knows of every op of one history file,
// column by column, so that a page of a million-op history is found without
// reading the file: where each op's line starts, and the fields the filters
// look at. The ops' values stay in the file; a page reads only its own
// lines. It is built on first use by one pass of the history reader, and a
// file that grows (the journal of a run in progress) is extended from where
// the last pass stopped.
type histIndex struct {
	name   string // the file, relative to the run folder
	format codec.Format

	// The version of the file indexed, and how far: ops start before
	// consumed, and lines is the number of lines before it.
	ino      uint64
	consumed int64
	lines    int

	off  []int64 // where op i's line starts
	idx  []int   // op i's :index; nil while every op's index is its position
	time []int64
	proc []int32
	typ  []history.Type
	f    []int32 // into fs
	// keyAt[i]..keyAt[i+1] are op i's keys in keys (into keyNames).
	keyAt    []int32
	keys     []int32
	pair     []int32 // the other half of op i's invoke/completion pair, or -1
	fs       []string
	fid      map[string]int32
	keyNames []string
	keyID    map[string]int32
	intKeyID map[int64]int32
	open     map[int]int32 // process -> position of its invoke still open

	nemesis []history.Op // the nemesis's ops, whole: the fault bands come from them
	maxTime int64        // the latest op time
	counts  [history.Info + 1]int
	procs   map[int32]int // ops per process

	// stopped is a syntax error that ended indexing; the ops before it
	// are shown. warnings are what the reader stepped over.
	stopped  error
	warnings []codec.Warning

	// filters caches the positions each recent filter keeps.
	filters map[string]*filtered
	// faultsView caches the fault bands, computed at length faultsAt.
	faultsView  *faultsView
	faultsAt    int
	faultsKnown bool
}

// historyFormat is the format of a history file the store writes, by name.
func historyFormat(name string) codec.Format {
	if name == "history.jsonl" {
		return codec.JSON
	}
	return codec.EDN
}

func newHistIndex(name string) *histIndex {
	return &histIndex{
		name: name, format: historyFormat(name),
		fid: map[string]int32{}, keyID: map[string]int32{}, intKeyID: map[int64]int32{},
		open: map[int]int32{}, procs: map[int32]int{}, keyAt: []int32{0},
	}
}

// Len is the number of ops indexed.
func (x *histIndex) Len() int { return len(x.off) }

// indexOf is op i's :index.
func (x *histIndex) indexOf(i int) int {
	if x.idx == nil {
		return i
	}
	return x.idx[i]
}

// position finds the op with the given :index, -1 if there is none.
func (x *histIndex) position(index int) int {
	if x.idx == nil {
		if index >= 0 && index < x.Len() {
			return index
		}
		return -1
	}
	// Indexes are usually increasing; search, and fall back to a scan.
	lo, hi := 0, len(x.idx)
	for lo < hi {
		m := (lo + hi) / 2
		if x.idx[m] < index {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(x.idx) && x.idx[lo] == index {
		return lo
	}
	for i, v := range x.idx {
		if v == index {
			return i
		}
	}
	return -1
}

// keysOf returns op i's key names.
func (x *histIndex) keysOf(i int) []int32 { return x.keys[x.keyAt[i]:x.keyAt[i+1]] }

// bytes estimates the memory the index holds, for the cache's budget.
func (x *histIndex) bytes() int64 {
	n := int64(x.Len())
	b := n * (8 + 8 + 8 + 4 + 1 + 4 + 4 + 4)
	if x.idx != nil {
		b += 8 * n
	}
	b += 4 * int64(len(x.keys))
	for _, k := range x.keyNames {
		b += int64(len(k)) + 48
	}
	return b + int64(len(x.nemesis))*256
}

// extend indexes what the file holds beyond what was indexed, up to its
// current size. It is also the first build (from offset 0).
func (x *histIndex) extend(f *os.File, size int64) error {
	if x.stopped != nil || size <= x.consumed {
		return nil
	}
	lt := &lineTracker{r: io.NewSectionReader(f, x.consumed, size-x.consumed), pos: x.consumed, starts: []int64{x.consumed}, first: 1}
	rd, err := codec.NewReader(lt, x.name, x.format)
	if err != nil {
		return err
	}
	lastLine := 0
	for {
		op, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			x.stopped = shiftError(err, x.lines)
			break
		}
		line := rd.Line()
		if line == lastLine {
			x.stopped = fmt.Errorf("%s:%d: two ops on one line: the history view pages files of one op per line (open the file itself instead)", x.name, x.lines+line)
			break
		}
		lastLine = line
		x.add(&op, lt.start(line))
		lt.forget(line)
	}
	x.warnings = x.warnings[:0]
	for _, w := range rd.Warnings() {
		w.Line += x.lines
		x.warnings = append(x.warnings, w)
	}
	// The next pass starts after the last op's line (a torn line after it
	// is read again once it is complete).
	if lastLine > 0 {
		next, ok := lt.startIfKnown(lastLine + 1)
		if !ok {
			next = size
		}
		x.consumed = next
		x.lines += lastLine
		if !ok {
			x.lines-- // the last line has no newline yet: it continues
		}
	}
	return nil
}

// span is where op i's text lies in the file: from the start of its line
// to the start of the next op's (or to where indexing stopped).
func (x *histIndex) span(i int) (from, to int64) {
	if i+1 < x.Len() {
		return x.off[i], x.off[i+1]
	}
	return x.off[i], x.consumed
}

// add appends one op's columns.
func (x *histIndex) add(op *history.Op, off int64) {
	i := int32(x.Len())
	if x.idx == nil && op.Index != int(i) {
		x.idx = make([]int, i, max(int(i)*2, 1024))
		for k := range x.idx {
			x.idx[k] = k
		}
	}
	if x.idx != nil {
		x.idx = append(x.idx, op.Index)
	}
	x.off = append(x.off, off)
	x.time = append(x.time, op.Time)
	x.maxTime = max(x.maxTime, op.Time)
	x.proc = append(x.proc, int32(op.Process))
	x.typ = append(x.typ, op.Type)
	x.procs[int32(op.Process)]++
	if int(op.Type) < len(x.counts) {
		x.counts[op.Type]++
	}
	fi, ok := x.fid[op.F]
	if !ok {
		fi = int32(len(x.fs))
		x.fid[op.F] = fi
		x.fs = append(x.fs, op.F)
	}
	x.f = append(x.f, fi)
	opKeys(op, func(k any) { x.keys = append(x.keys, x.keyIDOf(k)) })
	x.keyAt = append(x.keyAt, int32(len(x.keys)))
	partner := int32(-1)
	if op.Type == history.Invoke {
		x.open[op.Process] = i
	} else if j, ok := x.open[op.Process]; ok {
		partner = j
		x.pair[j] = i
		delete(x.open, op.Process)
	}
	x.pair = append(x.pair, partner)
	if op.IsNemesis() {
		x.nemesis = append(x.nemesis, *op)
	}
}

// keyIDOf interns a key: keys that are Equal share an id.
func (x *histIndex) keyIDOf(k any) int32 {
	if n, ok := k.(int64); ok {
		if id, ok := x.intKeyID[n]; ok {
			return id
		}
		id := int32(len(x.keyNames))
		x.intKeyID[n] = id
		x.keyID[history.Key(k)] = id
		x.keyNames = append(x.keyNames, history.FormatEDN(k))
		return id
	}
	s := history.Key(k)
	if id, ok := x.keyID[s]; ok {
		return id
	}
	id := int32(len(x.keyNames))
	x.keyID[s] = id
	x.keyNames = append(x.keyNames, history.FormatEDN(k))
	return id
}

// lookupKey finds the id of the key a person typed: EDN (5, :x, "x"), or
// failing that the bare text as a keyword (x).
func (x *histIndex) lookupKey(v any) (int32, bool) {
	if id, ok := x.keyID[history.Key(v)]; ok {
		return id, true
	}
	if n, ok := history.AsInt(v); ok {
		id, ok := x.intKeyID[n]
		return id, ok
	}
	return 0, false
}

// keyName is the name the history gives a key written as EDN text (as the
// findings write keys), or the text itself when the history has no such key.
func (x *histIndex) keyName(text string) string {
	v, err := edn.Parse([]byte(text), "key")
	if err != nil {
		return text
	}
	if id, ok := x.lookupKey(v); ok {
		return x.keyNames[id]
	}
	return text
}

// opKeys calls yield with each key a client op touches: the keys of an
// Elle transaction's micro-ops ([[:append 5 2] [:r 6 nil]]), or the key of
// an independent [key value] tuple. A cas of a single register ([old new])
// has no key; an independent cas ([key [old new]]) has one. Nemesis ops
// have none.
func opKeys(op *history.Op, yield func(any)) {
	xs, ok := history.AsSlice(op.Value)
	if !ok || len(xs) == 0 || op.IsNemesis() {
		return
	}
	if isTxn(op.F, xs) {
		for _, m := range xs {
			mop, _ := history.AsSlice(m)
			yield(mop[1])
		}
		return
	}
	if _, inner := history.AsSlice(xs[len(xs)-1]); len(xs) == 2 && (op.F != "cas" || inner) {
		yield(xs[0])
	}
}

// isTxn reports whether a value is a list of micro-ops [f k v] (or [f k]).
func isTxn(f string, xs []any) bool {
	for _, m := range xs {
		mop, ok := history.AsSlice(m)
		if !ok || len(mop) < 2 || len(mop) > 3 {
			return false
		}
		name, ok := history.AsString(mop[0])
		if !ok || (f != "txn" && name != "r" && name != "w" && name != "append") {
			return false
		}
	}
	return true
}

// shiftError moves the line of a syntax error read from a later part of the
// file by the lines before that part.
func shiftError(err error, lines int) error {
	var se *codec.SyntaxError
	if lines == 0 || !errors.As(err, &se) {
		return err
	}
	moved := *se
	moved.Line += lines
	return &moved
}

// lineTracker passes a file through to the history reader and remembers
// where its lines start, so each op the reader returns (with its line) gets
// its byte offset. Only lines from the last op on are kept.
type lineTracker struct {
	r      io.Reader
	pos    int64   // file offset of the next byte
	starts []int64 // starts[k] is where line first+k begins
	first  int
}

func (t *lineTracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	for i := 0; i < n; {
		j := bytes.IndexByte(p[i:n], '\n')
		if j < 0 {
			break
		}
		i += j + 1
		t.starts = append(t.starts, t.pos+int64(i))
	}
	t.pos += int64(n)
	return n, err
}

// start is where line begins (the reader has read past it).
func (t *lineTracker) start(line int) int64 { return t.starts[line-t.first] }

// startIfKnown is where line begins, if the input reached it.
func (t *lineTracker) startIfKnown(line int) (int64, bool) {
	k := line - t.first
	if k < 0 || k >= len(t.starts) {
		return 0, false
	}
	return t.starts[k], true
}

// forget drops what is known of lines before line.
func (t *lineTracker) forget(line int) {
	if k := line - t.first; k > 0 {
		t.starts = t.starts[k:]
		t.first = line
	}
}
