// Package longfork checks histories of Jepsen's long-fork workload: writes
// insert one key each (a transaction [[:w k v]]), and reads are transactions
// that read a whole group of keys at once ([[:r k1 v1] [:r k2 v2] ...]), where
// a nil value means the key was not (yet) written. Reads are the ok ops with
// f :read (Jepsen's) or :txn whose micro-ops are all reads.
//
// It proves that all reads of a group agree on one order of the writes to
// it: a long fork is a pair of reads where one saw key x but not y and the
// other saw y but not x, so they observed the two independent writes in
// opposite orders. Snapshot isolation forbids that; parallel snapshot
// isolation allows it. It cannot see forks between reads of different groups
// (there are none to see: no key is in two groups), nor forks hidden behind
// keys written more than once (the workload writes each key once).
//
// Streaming: Checker is a checker.Streamer holding, per group of keys, one
// read for each pattern of keys it saw written.
package longfork

import (
	"fmt"
	"io"
	"math/bits"
	"sort"
	"strings"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/valueset"
	"github.com/faultline/faultline/checker/internal/verdict"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/internal/plural"
)

// Options configure the checker.
type Options struct {
	// GroupSize is the workload's group size n: keys k with the same k div n
	// are read together, and every read must read exactly its group. Zero
	// takes each read's own set of keys as its group.
	GroupSize int
}

// Read is one side of a fork.
type Read struct {
	Op      int   `json:"op"` // index of the read's completion
	Process int   `json:"process"`
	Seen    []any `json:"seen"`    // keys of the group it saw written
	Missing []any `json:"missing"` // keys of the group it saw unwritten
}

// Fork is a pair of reads that disagree on the order of two writes: A saw
// OnlyA and not OnlyB, B saw OnlyB and not OnlyA.
type Fork struct {
	A     Read `json:"a"`
	B     Read `json:"b"`
	OnlyA any  `json:"only-a"`
	OnlyB any  `json:"only-b"`
}

// Malformed is a read whose keys are not the group it should have read.
type Malformed struct {
	Op   int   `json:"op"`
	Keys []any `json:"keys"`
	Want []any `json:"want"`
}

// Details is what the checker found. Forks lists at most MaxForks pairs;
// ForkCount counts them all (distinct observations only).
type Details struct {
	ReadCount      int         `json:"read-count"`
	EarlyReadCount int         `json:"early-read-count"` // reads that saw none of their group
	LateReadCount  int         `json:"late-read-count"`  // reads that saw all of it
	ForkCount      int         `json:"fork-count"`
	Forks          []Fork      `json:"forks,omitempty"`
	Malformed      []Malformed `json:"malformed,omitempty"`
}

// MaxForks caps the forks kept in Details.
const MaxForks = 32

// Explain describes the forks in plain words.
func (d *Details) Explain(w io.Writer) {
	fmt.Fprintf(w, "%s of key groups (%d saw nothing, %d saw everything), %s\n", plural.Count(d.ReadCount, "read"), d.EarlyReadCount, d.LateReadCount, plural.Count(d.ForkCount, "fork"))
	for i, f := range d.Forks {
		if i == 10 {
			fmt.Fprintf(w, "  ... and %d more\n", d.ForkCount-i)
			break
		}
		fmt.Fprintf(w, "  op %d (process %s) saw key %s written but not key %s; op %d (process %s) saw %s but not %s: they saw the two writes in opposite orders\n",
			f.A.Op, history.ProcessString(f.A.Process), verdict.EDN(f.OnlyA), verdict.EDN(f.OnlyB),
			f.B.Op, history.ProcessString(f.B.Process), verdict.EDN(f.OnlyB), verdict.EDN(f.OnlyA))
	}
	for _, m := range d.Malformed {
		fmt.Fprintf(w, "  op %d read keys %s, but its group is %s\n", m.Op, verdict.List(m.Keys, 20), verdict.List(m.Want, 20))
	}
}

// Checker returns the long-fork checker. Forks make the history invalid;
// otherwise malformed reads (a read of keys that are not one group) make it
// unknown, as does a history without any read.
//
// It streams (checker.Streamer), holding per group of keys one read for each
// pattern of keys seen written.
func Checker(opts Options) checker.Streamer {
	return checker.Streamed(func() checker.Stream { return newStream(opts) })
}

// group is the reads of one key group, deduplicated by what they saw.
type group struct {
	keys     []any
	patterns map[uint64]*observed
}

type observed struct {
	seen uint64 // bit i set: keys[i] was written
	op   history.Op
}

func newStream(opts Options) checker.Stream {
	d := &Details{}
	groups := make(map[string]*group)
	var order []string
	add := func(e checker.Event) (checker.Result, bool) {
		op := e.Op
		if op.Type != history.OK || (op.F != "read" && op.F != "txn") {
			return checker.Result{}, false
		}
		keys, vals, isRead, err := parseRead(op.Value)
		if err != "" {
			return verdict.BadOp(op, "%s", err), true
		}
		if !isRead {
			return checker.Result{}, false
		}
		want, gk, bad := groupOf(keys, opts.GroupSize)
		if bad != "" {
			return verdict.BadOp(op, "%s", bad), true
		}
		if len(want) > 64 {
			return verdict.BadOp(op, "a read of %d keys: groups of more than 64 keys are not supported", len(want)), true
		}
		d.ReadCount++
		g := groups[gk]
		if g == nil {
			g = &group{keys: want, patterns: make(map[uint64]*observed)}
			groups[gk] = g
			order = append(order, gk)
		}
		seen, ok := g.observe(keys, vals)
		if !ok {
			d.Malformed = append(d.Malformed, Malformed{Op: op.Index, Keys: keys, Want: want})
			return checker.Result{}, false
		}
		switch bits.OnesCount64(seen) {
		case 0:
			d.EarlyReadCount++
		case len(g.keys):
			d.LateReadCount++
		}
		if g.patterns[seen] == nil {
			g.patterns[seen] = &observed{seen: seen, op: op}
		}
		return checker.Result{}, false
	}
	return verdict.ClientStream(add, func() checker.Result {
		for _, gk := range order {
			groups[gk].forks(d)
		}
		res := checker.Result{Valid: checker.Valid, Details: d}
		switch {
		case d.ForkCount > 0:
			f := d.Forks[0]
			res.Valid = checker.Invalid
			res.Summary = fmt.Sprintf("%s; e.g. op %d saw %s without %s, op %d saw %s without %s",
				plural.Count(d.ForkCount, "fork"), f.A.Op, verdict.EDN(f.OnlyA), verdict.EDN(f.OnlyB), f.B.Op, verdict.EDN(f.OnlyB), verdict.EDN(f.OnlyA))
		case len(d.Malformed) > 0:
			res.Valid = checker.Unknown
			res.Summary = fmt.Sprintf("%s did not read exactly one group of keys", plural.Count(len(d.Malformed), "read"))
		case d.ReadCount == 0:
			res.Valid = checker.Unknown
			res.Summary = "no ok reads: nothing to check"
		}
		return res
	})
}

// observe returns the bit pattern of keys the read saw written; ok is false
// when the read's keys are not exactly the group's.
func (g *group) observe(keys, vals []any) (seen uint64, ok bool) {
	if len(keys) != len(g.keys) {
		return 0, false
	}
	var covered uint64
	for i, k := range keys {
		j := sort.Search(len(g.keys), func(j int) bool { return !valueset.Less(g.keys[j], k) })
		if j == len(g.keys) || !history.Equal(g.keys[j], k) {
			return 0, false
		}
		covered |= 1 << j
		if vals[i] != nil {
			seen |= 1 << j
		}
	}
	return seen, bits.OnesCount64(covered) == len(g.keys)
}

// forks adds every pair of incomparable observations of the group to d.
func (g *group) forks(d *Details) {
	obs := make([]*observed, 0, len(g.patterns))
	for _, o := range g.patterns {
		obs = append(obs, o)
	}
	sort.Slice(obs, func(i, j int) bool { return obs[i].op.Index < obs[j].op.Index })
	for i, a := range obs {
		for _, b := range obs[i+1:] {
			onlyA, onlyB := a.seen&^b.seen, b.seen&^a.seen
			if onlyA == 0 || onlyB == 0 {
				continue
			}
			d.ForkCount++
			if len(d.Forks) < MaxForks {
				d.Forks = append(d.Forks, Fork{
					A: g.read(a), B: g.read(b),
					OnlyA: g.keys[bits.TrailingZeros64(onlyA)], OnlyB: g.keys[bits.TrailingZeros64(onlyB)],
				})
			}
		}
	}
}

func (g *group) read(o *observed) Read {
	r := Read{Op: o.op.Index, Process: o.op.Process, Seen: []any{}, Missing: []any{}}
	for i, k := range g.keys {
		if o.seen&(1<<i) != 0 {
			r.Seen = append(r.Seen, k)
		} else {
			r.Missing = append(r.Missing, k)
		}
	}
	return r
}

// groupOf returns the keys a read of keys should have read, sorted, and a
// name for that group.
func groupOf(keys []any, size int) (want []any, name string, bad string) {
	if size <= 0 {
		want = append([]any(nil), keys...)
		valueset.Sort(want)
		return want, history.Key(want), ""
	}
	k, ok := history.AsInt(keys[0])
	if !ok {
		return nil, "", fmt.Sprintf("with a group size, keys must be integers, found %s", verdict.EDN(keys[0]))
	}
	base := k - ((k%int64(size))+int64(size))%int64(size)
	for i := range int64(size) {
		want = append(want, base+i)
	}
	return want, history.Key(base), ""
}

// parseRead recognises a read transaction: a non-empty list of [:r k v]
// micro-ops. isRead is false for anything else (writes); err says why a
// transaction could not be understood.
func parseRead(v any) (keys, vals []any, isRead bool, err string) {
	mops, ok := history.AsSlice(v)
	if !ok || len(mops) == 0 {
		return nil, nil, false, ""
	}
	for _, m := range mops {
		parts, ok := history.AsSlice(m)
		if !ok || len(parts) != 3 {
			return nil, nil, false, fmt.Sprintf("expected micro-ops [f k v], found %s", verdict.EDN(m))
		}
		f, _ := history.AsString(parts[0])
		switch strings.ToLower(f) {
		case "r", "read":
			keys, vals = append(keys, parts[1]), append(vals, parts[2])
		case "w", "write", "append":
			return nil, nil, false, ""
		default:
			return nil, nil, false, fmt.Sprintf("micro-op %s: expected :r or :w", verdict.EDN(m))
		}
	}
	return keys, vals, true, ""
}
