package set

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/valueset"
	"github.com/faultline/faultline/checker/internal/verdict"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/internal/plural"
)

// FullOptions configure FullChecker.
type FullOptions struct {
	// Linearizable makes stale reads invalid: a linearizable set shows an
	// element to every read that begins after its add was acknowledged.
	Linearizable bool
}

// Outcomes of an element, as Jepsen names them.
const (
	Stable    = "stable"     // the last reads all see it
	Lost      = "lost"       // seen (or acknowledged), then a later read missed it for good
	NeverRead = "never-read" // no read that began after it was known says either way
)

// Element is the story of one added element. Indices are of ops in the
// history; -1 means none. Latencies are whole milliseconds, as Jepsen
// reports them.
type Element struct {
	Element       any    `json:"element"`
	Outcome       string `json:"outcome"`
	Known         int    `json:"known"`        // the add's ok, or the first read that saw it
	LastPresent   int    `json:"last-present"` // invoke of the last read that saw it
	LastAbsent    int    `json:"last-absent"`  // invoke of the last read, begun after Known, that missed it
	StableLatency int64  `json:"stable-latency-ms,omitempty"`
	LostLatency   int64  `json:"lost-latency-ms,omitempty"`
}

// FullDetails is what FullChecker found. Value lists are sorted; latency
// quantiles map "0", "0.5", "0.95", "0.99" and "1" to milliseconds.
type FullDetails struct {
	AttemptCount    int              `json:"attempt-count"`
	StableCount     int              `json:"stable-count"`
	LostCount       int              `json:"lost-count"`
	NeverReadCount  int              `json:"never-read-count"`
	StaleCount      int              `json:"stale-count"`
	Lost            []any            `json:"lost,omitempty"`
	NeverRead       []any            `json:"never-read,omitempty"`
	Stale           []any            `json:"stale,omitempty"`
	Duplicated      []any            `json:"duplicated,omitempty"` // read more than once in a single read
	Unexpected      []any            `json:"unexpected,omitempty"` // read, never added
	WorstStale      []Element        `json:"worst-stale,omitempty"`
	LostElements    []Element        `json:"lost-elements,omitempty"` // the first few lost, with their timeline
	StableLatencies map[string]int64 `json:"stable-latencies,omitempty"`
	LostLatencies   map[string]int64 `json:"lost-latencies,omitempty"`
}

// Explain writes what happened to the elements in plain words.
func (d *FullDetails) Explain(w io.Writer) {
	fmt.Fprintf(w, "%s added: %d stable, %d lost, %d never read, %d stale\n",
		plural.Count(d.AttemptCount, "element"), d.StableCount, d.LostCount, d.NeverReadCount, d.StaleCount)
	for _, e := range d.LostElements {
		seen := fmt.Sprintf("last seen by the read invoked at op %d", e.LastPresent)
		if e.LastPresent < 0 {
			seen = "never seen by a read"
		}
		fmt.Fprintf(w, "lost: %s was known at op %d and %s, but the read invoked at op %d (and every later one) did not see it\n",
			verdict.EDN(e.Element), e.Known, seen, e.LastAbsent)
	}
	if len(d.Lost) > len(d.LostElements) {
		fmt.Fprintf(w, "all lost elements: %s\n", verdict.List(d.Lost, 50))
	}
	if len(d.Duplicated) > 0 {
		fmt.Fprintf(w, "duplicated: a single read returned these elements more than once: %s\n", verdict.List(d.Duplicated, 20))
	}
	if len(d.Unexpected) > 0 {
		fmt.Fprintf(w, "unexpected: reads returned elements nobody added: %s\n", verdict.List(d.Unexpected, 20))
	}
	for _, e := range d.WorstStale {
		fmt.Fprintf(w, "stale: %s took %d ms after it was known (op %d) to show up in every read\n", verdict.EDN(e.Element), e.StableLatency, e.Known)
	}
	if d.StableLatencies != nil {
		fmt.Fprintf(w, "time to become stable: %s\n", latencies(d.StableLatencies))
	}
	if d.LostLatencies != nil {
		fmt.Fprintf(w, "time to be lost: %s\n", latencies(d.LostLatencies))
	}
}

// latencies renders quantiles in the order of Quantiles, in words: "min 0
// ms, median 1 ms, p95 3 ms, p99 3 ms, max 5 ms".
func latencies(qs map[string]int64) string {
	names := map[float64]string{0: "min", 0.5: "median", 1: "max"}
	var parts []string
	for _, q := range Quantiles {
		ms, ok := qs[strconv.FormatFloat(q, 'f', -1, 64)]
		if !ok {
			continue
		}
		name, named := names[q]
		if !named {
			name = "p" + strconv.FormatFloat(q*100, 'f', -1, 64)
		}
		parts = append(parts, fmt.Sprintf("%s %d ms", name, ms))
	}
	return strings.Join(parts, ", ")
}

// FullChecker returns Jepsen's set-full checker. It follows every added
// element through every ok read completed after its add was invoked. An
// element becomes known when its add is acknowledged or a read first returns
// it. It is stable if the last read to see it began after the last read to
// miss it; lost if the last read to miss it began after that and after it
// was known (a read concurrent with the add may miss it); never-read
// otherwise. A stable element is stale if reads kept missing it for a
// millisecond or more after it was known: the stable latency is the time
// from known to the invocation of the last read that missed it.
//
// It proves no acknowledged element vanished from the reads that follow,
// and (with Linearizable) that every read saw every element acknowledged
// before it began. Lost, duplicated or unexpected elements make the history
// invalid; without a single stable element it is unknown. It cannot tell an
// element that was never written from one written after the last read:
// both are never-read, which is allowed. Two deliberate differences from
// Jepsen 0.3: duplicates within one read are reported and invalid (Jepsen
// means to, but its filter never matches), and so are elements read that no
// one ever added (Jepsen ignores them).
//
// It streams (checker.Streamer), holding one record per element added (its
// value and the ops that decide its outcome), the elements of the read being
// judged, and any element read before anyone tried to add it.
func FullChecker(opts FullOptions) checker.Streamer {
	return checker.Streamed(func() checker.Stream {
		s := &fullStream{opts: opts, index: valueset.NewIndex[*tracked](), early: valueset.NewIndex[*earlyRead](),
			unexpected: valueset.New(), duplicated: valueset.New()}
		return verdict.ClientStream(s.add, s.result)
	})
}

// at is an op that decided something about an element: its position in the
// history (-1 for none), its index and its time.
type at struct {
	pos, index int
	time       int64
}

var none = at{pos: -1, index: -1}

// tracked is an element under observation.
type tracked struct {
	value                          any
	known, lastPresent, lastAbsent at
	seenBy                         int // position of the last read that returned it
}

// earlyRead is an element read before anyone tried to add it: unexpected,
// unless an add comes later (then only a read that returned it twice counts).
type earlyRead struct {
	value      any
	lastRead   int  // position of the last read that returned it
	duplicated bool // some read returned it more than once
	added      bool
}

// fullStream is the set-full checker fed op by op.
type fullStream struct {
	opts                   FullOptions
	elems                  []*tracked // in the order of their first add's invocation
	index                  *valueset.Index[*tracked]
	early                  *valueset.Index[*earlyRead]
	earlyOrder             []*earlyRead
	unexpected, duplicated *valueset.Multiset
}

func (s *fullStream) add(e checker.Event) (checker.Result, bool) {
	op := e.Op
	switch {
	case op.F == "add" && op.Type == history.Invoke:
		if _, seen := s.index.Get(op.Value); !seen {
			t := &tracked{value: op.Value, known: none, lastPresent: none, lastAbsent: none, seenBy: -1}
			s.index.Put(op.Value, t)
			s.elems = append(s.elems, t)
			if r, ok := s.early.Get(op.Value); ok {
				r.added = true
			}
		}
	case op.F == "add" && op.Type == history.OK:
		if t, _ := s.index.Get(op.Value); t != nil && t.known.pos < 0 {
			t.known = at{pos: e.Pos, index: op.Index, time: op.Time}
		}
	case op.F == "read" && op.Type == history.OK:
		return s.read(e)
	}
	return checker.Result{}, false
}

// read follows every element added so far through one ok read.
func (s *fullStream) read(e checker.Event) (checker.Result, bool) {
	op, i := e.Op, e.Pos
	vs, ok := valueset.Elements(op.Value)
	if !ok {
		return verdict.BadOp(op, "a read must return a set, vector or list of elements, found %s", verdict.EDN(op.Value)), true
	}
	for _, v := range vs {
		switch t, _ := s.index.Get(v); {
		case t == nil:
			s.readEarly(v, i)
		case t.seenBy == i:
			s.duplicated.Add(v, 1)
		default:
			t.seenBy = i
		}
	}
	inv := at{pos: e.InvPos, index: e.Inv.Index, time: e.Inv.Time}
	for _, t := range s.elems {
		if t.seenBy == i {
			if t.known.pos < 0 {
				t.known = at{pos: i, index: op.Index, time: op.Time}
			}
			if inv.pos > t.lastPresent.pos {
				t.lastPresent = inv
			}
		} else if inv.pos > t.lastAbsent.pos {
			t.lastAbsent = inv
		}
	}
	return checker.Result{}, false
}

// readEarly notes that the read at position i returned v, which nobody has
// tried to add so far.
func (s *fullStream) readEarly(v any, i int) {
	r, ok := s.early.Get(v)
	if !ok {
		r = &earlyRead{value: v, lastRead: -1}
		s.early.Put(v, r)
		s.earlyOrder = append(s.earlyOrder, r)
	}
	if r.lastRead == i {
		r.duplicated = true
	}
	r.lastRead = i
}

func (s *fullStream) result() checker.Result {
	for _, r := range s.earlyOrder {
		switch {
		case !r.added:
			s.unexpected.Add(r.value, 1)
		case r.duplicated:
			s.duplicated.Add(r.value, 1)
		}
	}
	d := summarize(s.elems)
	d.Duplicated = s.duplicated.Where(func(any, int) bool { return true })
	d.Unexpected = s.unexpected.Where(func(any, int) bool { return true })
	res := checker.Result{Valid: checker.Valid, Details: d}
	switch {
	case d.LostCount > 0 || len(d.Duplicated) > 0 || len(d.Unexpected) > 0:
		res.Valid = checker.Invalid
		res.Summary = fmt.Sprintf("%d lost, %d duplicated, %d unexpected", d.LostCount, len(d.Duplicated), len(d.Unexpected))
	case s.opts.Linearizable && d.StaleCount > 0:
		res.Valid = checker.Invalid
		res.Summary = fmt.Sprintf("%s (reads missed %s after %s acknowledged)", plural.Count(d.StaleCount, "stale element"), plural.Pick(d.StaleCount, "it", "them"), plural.Pick(d.StaleCount, "it was", "they were"))
	case d.StableCount == 0:
		res.Valid = checker.Unknown
		res.Summary = "no element was ever stably read"
	}
	return res
}

// summarize classifies every element and computes the latency quantiles.
func summarize(elems []*tracked) *FullDetails {
	d := &FullDetails{AttemptCount: len(elems)}
	var stableLat, lostLat []int64
	var stale []Element
	for _, e := range elems {
		el := Element{Element: e.value, Known: e.known.index, LastPresent: e.lastPresent.index, LastAbsent: e.lastAbsent.index}
		switch {
		case e.lastPresent.pos >= 0 && e.lastAbsent.pos < e.lastPresent.pos:
			el.Outcome = Stable
			el.StableLatency = latency(e.known, e.lastAbsent)
			stableLat = append(stableLat, el.StableLatency)
			d.StableCount++
			if el.StableLatency > 0 {
				stale = append(stale, el)
				d.Stale = append(d.Stale, e.value)
			}
		case e.known.pos >= 0 && e.lastAbsent.pos > e.lastPresent.pos && e.known.pos < e.lastAbsent.pos:
			el.Outcome = Lost
			el.LostLatency = latency(e.known, e.lastPresent)
			lostLat = append(lostLat, el.LostLatency)
			d.Lost = append(d.Lost, e.value)
			if len(d.LostElements) < 8 {
				d.LostElements = append(d.LostElements, el)
			}
		default:
			el.Outcome = NeverRead
			d.NeverRead = append(d.NeverRead, e.value)
		}
	}
	d.LostCount, d.NeverReadCount, d.StaleCount = len(d.Lost), len(d.NeverRead), len(d.Stale)
	for _, vs := range [][]any{d.Lost, d.NeverRead, d.Stale} {
		valueset.Sort(vs)
	}
	sort.SliceStable(stale, func(i, j int) bool { return stale[i].StableLatency > stale[j].StableLatency })
	d.WorstStale = stale[:min(len(stale), 8)]
	d.StableLatencies, d.LostLatencies = quantiles(stableLat), quantiles(lostLat)
	return d
}

// latency is the time in whole milliseconds (never below zero) from when
// an element became known to just after the read invoked at until (the
// last read that missed a stable element, or the last that saw a lost
// one); with no such read it counts from time zero, as Jepsen does.
func latency(known, until at) int64 {
	var since int64
	if until.pos >= 0 {
		since = until.time + 1
	}
	return max(since-known.time, 0) / int64(time.Millisecond)
}

// Quantiles are the points FullDetails reports latencies at.
var Quantiles = []float64{0, 0.5, 0.95, 0.99, 1}

// quantiles picks, for each q, the element at floor(n*q) of the sorted
// sample (clamped to the last), as Jepsen does; nil for an empty sample.
func quantiles(xs []int64) map[string]int64 {
	if len(xs) == 0 {
		return nil
	}
	sorted := append([]int64(nil), xs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	out := make(map[string]int64, len(Quantiles))
	for _, q := range Quantiles {
		i := min(len(sorted)-1, int(float64(len(sorted))*q))
		out[strconv.FormatFloat(q, 'f', -1, 64)] = sorted[i]
	}
	return out
}
