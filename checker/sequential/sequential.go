// Package sequential checks histories of the TiDB suite's sequential
// workload: a writer writes the subkeys of a key one after another, in
// separate transactions, in order; a reader reads them back in reverse order
// (last-written first). An ok :read's value is [key [v_n ... v_1]] (or just
// [v_n ... v_1]), in the order read, nil for a subkey not found.
//
// Because the reader goes backwards, a sequentially consistent store can
// only show a prefix of the writes: once the reader has seen one subkey, it
// must see every subkey read after it (those were written earlier). A nil
// after a non-nil means the reader saw a later write without an earlier one
// of the same client: the store is not sequential. It cannot tell anything
// from reads that saw all or none of the subkeys.
//
// Streaming: Checker is a checker.Streamer holding counts and the first reads
// that went wrong.
package sequential

import (
	"fmt"
	"io"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/verdict"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/internal/plural"
)

// Bad is a read that saw a later write without an earlier one: the value at
// position Seen (0-based, in read order) was present and the one at Missing,
// read after it and so written before it, was nil.
type Bad struct {
	Op      int   `json:"op"` // index of the read's completion
	Process int   `json:"process"`
	Key     any   `json:"key,omitempty"`
	Values  []any `json:"values"`
	Seen    int   `json:"seen"`
	Missing int   `json:"missing"`
}

// Details is what the checker found.
type Details struct {
	ReadCount int   `json:"read-count"`
	AllCount  int   `json:"all-count"`  // reads that saw every subkey
	SomeCount int   `json:"some-count"` // reads that saw some
	NoneCount int   `json:"none-count"` // reads that saw none
	BadCount  int   `json:"bad-count"`
	Bad       []Bad `json:"bad,omitempty"` // the first MaxBad
}

// MaxBad caps the bad reads kept in Details.
const MaxBad = 64

// Explain describes the bad reads in plain words.
func (d *Details) Explain(w io.Writer) {
	fmt.Fprintf(w, "%s (%d saw every subkey, %d some, %d none), %d saw a later write without an earlier one\n",
		plural.Count(d.ReadCount, "read"), d.AllCount, d.SomeCount, d.NoneCount, d.BadCount)
	for i, b := range d.Bad {
		if i == 10 {
			fmt.Fprintf(w, "  ... and %d more\n", d.BadCount-i)
			break
		}
		fmt.Fprintf(w, "  op %d (process %s) read key %s as %s: it saw the subkey at position %d but not the one at position %d, which was written before it\n",
			b.Op, history.ProcessString(b.Process), verdict.EDN(b.Key), verdict.List(b.Values, 20), b.Seen, b.Missing)
	}
}

// Checker returns the sequential checker. Without any ok read the result is
// unknown.
//
// It streams (checker.Streamer), holding counts and the first reads that
// went wrong.
func Checker() checker.Streamer {
	return checker.Streamed(func() checker.Stream {
		d := &Details{}
		return verdict.ClientStream(func(e checker.Event) (checker.Result, bool) { return read(d, e.Op) }, func() checker.Result { return result(d) })
	})
}

// read judges one op: an ok read's values must not show a later write
// without an earlier one.
func read(d *Details, op history.Op) (checker.Result, bool) {
	if op.F != "read" || op.Type != history.OK {
		return checker.Result{}, false
	}
	key, vals, ok := split(op.Value)
	if !ok {
		return verdict.BadOp(op, "a sequential read must return [key [values...]] or [values...], found %s", verdict.EDN(op.Value)), true
	}
	d.ReadCount++
	seen, missing, present := -1, -1, 0
	for j, v := range vals {
		switch {
		case v != nil:
			present++
			if seen < 0 {
				seen = j
			}
		case seen >= 0 && missing < 0:
			missing = j
		}
	}
	switch present {
	case len(vals):
		d.AllCount++
	case 0:
		d.NoneCount++
	default:
		d.SomeCount++
	}
	if missing >= 0 {
		d.BadCount++
		if len(d.Bad) < MaxBad {
			d.Bad = append(d.Bad, Bad{Op: op.Index, Process: op.Process, Key: key, Values: vals, Seen: seen, Missing: missing})
		}
	}
	return checker.Result{}, false
}

func result(d *Details) checker.Result {
	res := checker.Result{Valid: checker.Valid, Details: d}
	switch {
	case d.BadCount > 0:
		b := d.Bad[0]
		res.Valid = checker.Invalid
		res.Summary = fmt.Sprintf("%s saw a later write without an earlier one; first: op %d read %s", plural.Count(d.BadCount, "read"), b.Op, verdict.List(b.Values, 10))
	case d.ReadCount == 0:
		res.Valid = checker.Unknown
		res.Summary = "no ok reads: nothing to check"
	}
	return res
}

// split takes [key [values...]] or [values...] apart.
func split(v any) (key any, vals []any, ok bool) {
	xs, ok := history.AsSlice(v)
	if !ok {
		return nil, nil, false
	}
	if len(xs) == 2 {
		if inner, isSlice := history.AsSlice(xs[1]); isSlice {
			return xs[0], inner, true
		}
	}
	return nil, xs, true
}
