// Package independent lifts a checker of one key's history to a history of
// many independent keys, as Jepsen's independent checker does: values are
// [key value] tuples, the history is split into one sub-history per key (each
// op's value replaced by its value for that key), every key is checked alone,
// in parallel, and the verdicts merge (false beats unknown beats true).
//
// It proves whatever the inner checker proves, for each key separately. It
// cannot see anything that spans keys; ops whose value is not a [key value]
// tuple (nemesis ops, for instance) are left out.
//
// Not streamed: it splits a History by key (History.ByKey), holding each
// key's sub-history beside the whole while the keys are checked.
package independent

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sort"
	"sync"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/verdict"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/internal/plural"
)

// Options configure the lifted checker.
type Options struct {
	// Parallelism is how many keys are checked at once; 0 means GOMAXPROCS.
	Parallelism int
}

// KeyResult is the verdict on one key.
type KeyResult struct {
	Key    any            `json:"key"`
	Ops    int            `json:"ops"` // ops in the key's sub-history
	Result checker.Result `json:"result"`
}

// Details holds every key's result: invalid keys first, then unknown ones,
// then valid ones, each group in order of the key's first appearance.
type Details struct {
	KeyCount     int         `json:"key-count"`
	InvalidCount int         `json:"invalid-count"`
	UnknownCount int         `json:"unknown-count"`
	Keys         []KeyResult `json:"keys"`
}

// Failing returns the keys whose verdict is not valid.
func (d *Details) Failing() []any {
	var out []any
	for _, k := range d.Keys {
		if k.Result.Valid != checker.Valid {
			out = append(out, k.Key)
		}
	}
	return out
}

// Explain names the failing keys and, for the first few, explains the inner
// result when the inner checker can.
func (d *Details) Explain(w io.Writer) {
	fmt.Fprintf(w, "%s: %d invalid, %d unknown\n", plural.Count(d.KeyCount, "key"), d.InvalidCount, d.UnknownCount)
	shown := 0
	for _, k := range d.Keys {
		if k.Result.Valid == checker.Valid {
			break
		}
		if shown == 5 {
			fmt.Fprintf(w, "... and %s: %s\n", plural.Count(d.InvalidCount+d.UnknownCount-shown, "more failing key"), verdict.List(d.Failing()[shown:], 50))
			break
		}
		shown++
		fmt.Fprintf(w, "key %s (%s): %s: %s%s\n", verdict.EDN(k.Key), plural.Count(k.Ops, "op"), k.Result.Valid, k.Result.Summary, k.Result.Error)
		if e, ok := k.Result.Details.(interface{ Explain(io.Writer) }); ok {
			e.Explain(w)
		}
	}
}

// Checker lifts inner to independent keys. A history without a single
// [key value] op is unknown: there was nothing to check.
func Checker(inner checker.Checker, opts Options) checker.Checker {
	return checker.Func(func(ctx context.Context, h *history.History) checker.Result { return check(ctx, inner, opts, h) })
}

func check(ctx context.Context, inner checker.Checker, opts Options, h *history.History) checker.Result {
	keyed := h.ByKey(history.TupleKey)
	if len(keyed) == 0 {
		return checker.Result{Valid: checker.Unknown, Summary: "no [key value] ops: nothing to check"}
	}
	n := opts.Parallelism
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	results := make([]KeyResult, len(keyed))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(n, len(keyed)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r := checker.Result{Valid: checker.Unknown, Error: "not checked: cancelled"}
				if ctx.Err() == nil {
					r = checker.Safe(ctx, inner, keyed[i].History)
				}
				results[i] = KeyResult{Key: keyed[i].Key, Ops: keyed[i].History.Len(), Result: r}
			}
		}()
	}
	for i := range keyed {
		next <- i
	}
	close(next)
	wg.Wait()
	return merge(results)
}

// merge orders the key results failing first and merges their verdicts.
func merge(results []KeyResult) checker.Result {
	rank := map[checker.Validity]int{checker.Invalid: 0, checker.Unknown: 1, checker.Valid: 2}
	sort.SliceStable(results, func(i, j int) bool { return rank[results[i].Result.Valid] < rank[results[j].Result.Valid] })
	d := &Details{KeyCount: len(results), Keys: results}
	out := checker.Result{Valid: checker.Valid, Details: d}
	for _, k := range results {
		out.Valid = checker.Merge(out.Valid, k.Result.Valid)
		switch k.Result.Valid {
		case checker.Invalid:
			d.InvalidCount++
		case checker.Unknown:
			d.UnknownCount++
		}
	}
	if failing := d.Failing(); len(failing) > 0 {
		out.Summary = fmt.Sprintf("%d of %s invalid, %d unknown: %s", d.InvalidCount, plural.Count(d.KeyCount, "key"), d.UnknownCount, verdict.List(failing, 10))
		if first := results[0].Result; first.Summary != "" {
			out.Summary += fmt.Sprintf("; key %s: %s", verdict.EDN(results[0].Key), first.Summary)
		}
	}
	return out
}
