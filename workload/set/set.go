// Package set is the set workload: clients add unique integers to one set
// and read the whole set now and then; after the faults are healed every
// thread reads it once more. The set-full checker then follows every element
// over time: stable (the last reads all see it), lost (seen or acknowledged,
// then missing for good) or never read, and, when the store promises
// linearizable reads, stale (a read that began after the add was acknowledged
// and missed it).
//
// Op shapes:
//
//	add  v      v a unique integer (0, 1, 2, ... in invocation order)
//	read nil    ok value: the elements, as a list
package set

import (
	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/set"
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
)

// Fs of the set workload.
const (
	Add  = "add"
	Read = "read"
)

// Options shape the workload.
type Options struct {
	// ReadEvery is how many ops in a row are adds per read, on average:
	// zero means 10 (reads are expensive: they return the whole set).
	ReadEvery int
	// Linearizable makes reads that miss an acknowledged add invalid.
	Linearizable bool
}

// Generator is the endless mix of adds (unique values) and reads.
func Generator(o Options) generator.Generator {
	if o.ReadEvery <= 0 {
		o.ReadEvery = 10
	}
	reads := generator.Repeat(generator.Invoke(Read, nil))
	adds := make([]generator.Generator, 0, o.ReadEvery+1)
	// One shared counter behind ReadEvery entries of the mix: the mix keeps
	// each entry's state, so the entries count in steps of ReadEvery from
	// different starting points and never collide.
	for i := 0; i < o.ReadEvery; i++ {
		adds = append(adds, &counter{next: int64(i), step: int64(o.ReadEvery)})
	}
	return generator.Mix(append(adds, reads)...)
}

// FinalGenerator has every client thread read the set until one read per
// thread succeeds.
func FinalGenerator() generator.Generator {
	return generator.Clients(generator.EachThread(generator.UntilOK(generator.Repeat(generator.Invoke(Read, nil)))))
}

// Checker is set-full.
func Checker(o Options) checker.Checker {
	return set.FullChecker(set.FullOptions{Linearizable: o.Linearizable})
}

// counter emits add next, add next+step, ... forever.
type counter struct{ next, step int64 }

func (c *counter) String() string { return "adds" }

func (c *counter) Op(ctx *generator.Context) (generator.Result, generator.Generator) {
	p, ok := ctx.SomeFreeProcess()
	if !ok {
		return generator.Result{Status: generator.Pending}, c
	}
	op := history.Op{Type: history.Invoke, Process: p, Time: ctx.Time, F: Add, Value: c.next}
	return generator.Result{Status: generator.Emit, Op: op}, &counter{next: c.next + c.step, step: c.step}
}

func (c *counter) Update(*generator.Context, history.Op) generator.Generator { return c }
