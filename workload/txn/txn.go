// Package txn is the transactional workload Elle checks: clients run short
// transactions of reads and writes over a few keys at a time, and the
// checker (checker/elle) infers the dependency graph between transactions
// and looks for the cycles and other anomalies each isolation level forbids.
//
// Two flavours, as in Elle:
//
//   - list-append: a write appends a unique value to a key's list and a read
//     returns the whole list, so every read reveals the order of all earlier
//     writes to that key (the strongest inference Elle has).
//   - rw-register: a write sets a key to a unique value and a read returns
//     the current value; version orders are inferred, so fewer anomalies
//     are visible.
//
// Op shape (Jepsen's):
//
//	txn [[:append 3 7] [:r 4 nil]]      ok value fills the reads: [:r 4 [1 2]]
//	txn [[:w 3 7] [:r 4 nil]]           ok value: [:r 4 5]
//
// Keys rotate: a small pool of active keys is used until a key has seen
// MaxWritesPerKey writes, then it is retired for a fresh one, which keeps
// lists short and the history's graph sparse enough to search quickly.
//
// A run ends with final reads (Generators): after the faults are healed,
// every client thread reads every key ever written, retired ones included,
// so that a write lost near the end still has a later read to miss it. The
// final reads carry `:final? true`; the checker holds a run that has them
// to them (finalcheck.go).
package txn

import (
	"slices"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/elle"
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
)

// F is the f of every transaction op.
const F = "txn"

// Micro-op fs, as keywords in the op's value.
const (
	Append = history.Keyword("append")
	Write  = history.Keyword("w")
	Read   = history.Keyword("r")
)

// Options shape the generator and the checker.
type Options struct {
	// Write is the write micro-op: Append (list-append) or Write
	// (rw-register). Zero means Append.
	Write history.Keyword
	// ActiveKeys is how many keys transactions choose from at a time (10).
	ActiveKeys int
	// MinLength and MaxLength bound the micro-ops per transaction (1, 4).
	MinLength, MaxLength int
	// MaxWritesPerKey retires a key after this many writes (32).
	MaxWritesPerKey int
	// ConsistencyModels the history must satisfy (strict-serializable).
	ConsistencyModels []string
	// FinalReadKeys is how many keys one final read transaction reads (16).
	FinalReadKeys int
	// FinalReadTimeout is how long a thread keeps retrying its final reads
	// before it gives up on the keys it has not read (30 s).
	FinalReadTimeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.Write == "" {
		o.Write = Append
	}
	if o.ActiveKeys <= 0 {
		o.ActiveKeys = 10
	}
	if o.MinLength <= 0 {
		o.MinLength = 1
	}
	if o.MaxLength < o.MinLength {
		o.MaxLength = max(o.MinLength, 4)
	}
	if o.MaxWritesPerKey <= 0 {
		o.MaxWritesPerKey = 32
	}
	if o.FinalReadKeys <= 0 {
		o.FinalReadKeys = 16
	}
	if o.FinalReadTimeout <= 0 {
		o.FinalReadTimeout = 30 * time.Second
	}
	return o
}

// Generator is the endless schedule of transactions, without final reads
// (see Generators for the pair).
func Generator(o Options) generator.Generator {
	return newTxns(o.withDefaults(), nil)
}

// newTxns starts the schedule on keys 0 .. ActiveKeys-1, recording the keys
// it writes in log (nil: nowhere).
func newTxns(o Options, log *keyLog) *txns {
	g := &txns{o: o, writes: make([]int, o.ActiveKeys), log: log}
	for i := range o.ActiveKeys {
		g.active = append(g.active, int64(i))
	}
	g.nextKey = int64(o.ActiveKeys)
	return g
}

// Checker is Elle's list-append or rw-register checker for the models in o,
// held to the final reads when the history has them: a valid verdict with a
// written key that no final read returned is unknown (see
// finalReadsChecked).
func Checker(o Options) checker.Checker {
	o = o.withDefaults()
	return finalReadsChecked(o, elleChecker(o))
}

// elleChecker is Elle's checker for o, whose defaults Checker has filled
// in. rw-register infers version orders
// from each key's first write (keys start unset) and from reads that
// precede writes in a transaction, both true of a store that runs each
// transaction against one snapshot.
func elleChecker(o Options) checker.Checker {
	eo := elle.Options{ConsistencyModels: o.ConsistencyModels}
	if o.Write == Write {
		eo.InitialNil, eo.WritesFollowReads, eo.GarbageReads = true, true, true // keys start empty: a value nobody wrote is garbage
		return elle.RWRegister(eo)
	}
	return elle.ListAppend(eo)
}

// txns is the generator's state: the active keys, how often each was
// written, and the next fresh key. Values written to a key are 1, 2, 3, ...
// (its write count), unique per key as Elle needs. log, shared by every
// state, records each key a write is planned on.
type txns struct {
	o       Options
	active  []int64
	writes  []int
	nextKey int64
	log     *keyLog
}

func (g *txns) String() string { return "txns(" + string(g.o.Write) + ")" }

func (g *txns) Op(ctx *generator.Context) (generator.Result, generator.Generator) {
	p, ok := ctx.SomeFreeProcess()
	if !ok {
		return generator.Result{Status: generator.Pending}, g
	}
	next := &txns{o: g.o, active: slices.Clone(g.active), writes: slices.Clone(g.writes), nextKey: g.nextKey, log: g.log}
	n := g.o.MinLength + ctx.Rand.IntN(g.o.MaxLength-g.o.MinLength+1)
	mops := make([]any, 0, n)
	for range n {
		i := ctx.Rand.IntN(len(next.active))
		k := next.active[i]
		if ctx.Rand.IntN(2) == 0 {
			mops = append(mops, []any{Read, k, nil})
			continue
		}
		next.writes[i]++
		next.log.add(k)
		mops = append(mops, []any{g.o.Write, k, int64(next.writes[i])})
		if next.writes[i] >= g.o.MaxWritesPerKey {
			next.active[i], next.writes[i] = next.nextKey, 0
			next.nextKey++
		}
	}
	op := history.Op{Type: history.Invoke, Process: p, Time: ctx.Time, F: F, Value: mops}
	return generator.Result{Status: generator.Emit, Op: op}, next
}

func (g *txns) Update(*generator.Context, history.Op) generator.Generator { return g }
