package txn

import (
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
)

// FinalField marks the ops of the final reads (`:final? true`), so that
// the checker can tell which keys were read once the run was over.
const FinalField = "final?"

// finalRetryPause is how long a thread waits after a final read that
// failed before it tries again: a node that refuses connections fails at
// once, and without a pause its threads would spin until the bound.
const finalRetryPause = 250 * time.Millisecond

// Generators returns the main schedule of transactions and the final reads
// that belong to it: once the main phase is over (the caller puts the
// faults' healing and a recovery wait in between), every client thread
// reads every key the main schedule invoked a write on, retired keys
// included, FinalReadKeys keys per read-only transaction. A read that fails
// is retried after a short pause until it succeeds; a thread gives up on
// what it has not read after FinalReadTimeout.
//
// Every thread reads everything, not one read per key: threads are spread
// over the nodes (thread i talks to node i mod n), so with at least one
// thread per node every node's view of every key is read. A store whose
// reads a node serves from its own state (etcd's serializable reads) can
// lose or lag a write on one node only; a single read from one node would
// miss that half the time.
//
// Without final reads a write lost near the end of a run is invisible: no
// later read exists to miss it. With them, an acknowledged append that the
// final reads do not show is an anti-dependency from each final read to the
// append, which completed before the reads began: a cycle Elle reports
// (G-single-item-realtime under strict-serializable).
//
// The two generators share a record of the keys written, so a pair serves
// one run: make a new pair for each.
func Generators(o Options) (main, final generator.Generator) {
	o = o.withDefaults()
	log := &keyLog{keys: map[int64]struct{}{}}
	return newTxns(o, log), generator.Clients(&finalReads{o: o, log: log})
}

// keyLog is the set of keys the main phase wrote. The main generator's
// states all share it and add a key whenever they plan a write on it; the
// final reads take it when they start, after the main phase has ended and
// nothing more can be added. Keys are added when an op is planned, not when
// the interpreter reports it invoked, because a generator that wraps the
// schedule may drop it before passing on the last invocation (Limit does);
// the price is that a key of an op planned and then replaced (an op held
// for its time, the generator asked again) may be read at the end without
// having been written, which costs a read and proves nothing wrong.
type keyLog struct {
	mu   sync.Mutex
	keys map[int64]struct{}
}

// add records key k (a nil log records nothing).
func (l *keyLog) add(k int64) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.keys[k] = struct{}{}
}

// sorted returns the keys recorded so far, in ascending order.
func (l *keyLog) sorted() []int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Sorted(maps.Keys(l.keys))
}

// finalReads is the final phase before it starts. Asked for its first op,
// it becomes the schedule of reads for the keys the log holds then; the
// log no longer changes once the main phase is over, so asking again
// builds the same schedule.
type finalReads struct {
	o   Options
	log *keyLog
}

func (f *finalReads) String() string { return "final-reads" }

func (f *finalReads) Op(ctx *generator.Context) (generator.Result, generator.Generator) {
	g := f.schedule(f.log.sorted())
	if g == nil {
		return generator.Result{Status: generator.Done}, nil
	}
	return generator.Ask(ctx, f, -1, g)
}

func (f *finalReads) Update(*generator.Context, history.Op) generator.Generator { return f }

// schedule is what every thread does: read each group of keys until the
// read succeeds, one group after the other, for at most FinalReadTimeout.
func (f *finalReads) schedule(keys []int64) generator.Generator {
	if len(keys) == 0 {
		return nil
	}
	var reads []generator.Generator
	for group := range slices.Chunk(keys, f.o.FinalReadKeys) {
		mops := make([]any, len(group))
		for i, k := range group {
			mops[i] = []any{Read, k, nil}
		}
		op := history.Op{Type: history.Invoke, F: F, Value: mops}
		op.Set(FinalField, true)
		reads = append(reads, generator.UntilOK(generator.Cycle(
			generator.Seq(generator.Op(op), generator.SleepFor(finalRetryPause)))))
	}
	return generator.EachThread(generator.TimeLimit(f.o.FinalReadTimeout, generator.Seq(reads...)))
}
