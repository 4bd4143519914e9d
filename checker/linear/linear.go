// Package linear checks histories for linearizability against a sequential
// model (package model): is there an order of the operations, consistent
// with real time (an op that completed before another began comes first),
// in which the model accepts every operation?
//
// The search is Wing and Gong's, with Lowe's improvements (memoised
// configurations, the entry list with lift/unlift, an undo stack). Models
// over independent keys are split by key and the keys checked in parallel
// (P-compositionality). Ops that failed are left out; info and
// never-completed ops may take effect at any time after their invocation, or
// never. A budget of time (ctx) and memory turns a search that would not end
// in reasonable time into an unknown verdict. An invalid verdict carries a
// Counterexample as data; package report/linearizability renders it.
//
// The package is pure: no I/O, no clocks.
//
// Not streamed: the search may move any op of a key's history, so it takes a
// History and holds, beside it, each key's entry list and the search's memo.
package linear

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/linear/model"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/internal/plural"
)

// Options tune a Checker. The zero value is a good default.
type Options struct {
	// Workers bounds how many keys are searched at once; 0 means GOMAXPROCS.
	Workers int
	// MaxMemory bounds the memory of all searches running at once, in bytes
	// (0 means 2 GiB). A search that would use more than its share gives
	// up, and the verdict becomes unknown.
	MaxMemory int64
	// Timeout bounds each Check (0: only ctx bounds it); when it passes
	// the verdict is unknown.
	Timeout time.Duration
}

// Checker checks histories against one model.
type Checker struct {
	model model.Model
	opts  Options
}

// New returns a linearizability checker for m.
func New(m model.Model, opts Options) *Checker { return &Checker{model: m, opts: opts} }

// Details is the Result.Details of a linearizability check.
type Details struct {
	Model string `json:"model"`
	// Ops is how many operations were searched (fail ops and inert info ops
	// are left out).
	Ops int `json:"ops"`
	// Keys is how many independent keys the history was split into (1 when
	// the model does not split).
	Keys int `json:"keys"`
	// InvalidKeys counts the keys found not linearizable (the search stops
	// at the first, so this is a lower bound).
	InvalidKeys int `json:"invalid-keys,omitempty"`
	// Counterexample explains an invalid verdict.
	Counterexample *Counterexample `json:"counterexample,omitempty"`
}

// Check decides whether h is linearizable. Cancelling ctx (or its deadline
// passing) makes the verdict unknown.
func (c *Checker) Check(ctx context.Context, h *history.History) checker.Result {
	if c.opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, c.opts.Timeout, &timeLimit{c.opts.Timeout})
		defer cancel()
	}
	parts, perKey, err := prepare(h, c.model)
	if err != nil {
		return checker.Result{Valid: checker.Unknown, Error: err.Error()}
	}
	_, keyed := c.model.(model.Splitter)
	d := &Details{Model: c.model.Name(), Keys: len(parts)}
	for _, p := range parts {
		d.Ops += len(p.ops)
	}
	outs, machines, err := c.searchAll(ctx, parts, perKey)
	if err != nil {
		return checker.Result{Valid: checker.Unknown, Error: err.Error(), Details: d}
	}
	res := checker.Result{Valid: checker.Valid, Details: d}
	var gaveUp []int // the partitions whose search gave up
	for i, o := range outs {
		switch o.verdict {
		case invalid:
			d.InvalidKeys++
			if d.Counterexample == nil {
				d.Counterexample = buildCounterexample(h, parts[i], machines[i], o, keyed, c.model.Name())
			}
		case unknown:
			gaveUp = append(gaveUp, i)
		}
	}
	switch {
	case d.Counterexample != nil:
		res.Valid = checker.Invalid
		res.Summary = d.Counterexample.Summary()
	case len(gaveUp) > 0:
		res.Valid = checker.Unknown
		res.Summary = gaveUpSummary(parts, outs, gaveUp, keyed)
	}
	return res
}

// gaveUpSummary says, for the verdict line, that the search gave up before
// it could decide, and why: the first partition's reason (its key, for a
// keyed model) and how many other keys are undecided too.
func gaveUpSummary(parts []*partition, outs []outcome, gaveUp []int, keyed bool) string {
	first := gaveUp[0]
	if !keyed {
		return "search gave up before deciding: " + outs[first].reason
	}
	s := fmt.Sprintf("search gave up before deciding key %s: %s", history.FormatEDN(parts[first].key), outs[first].reason)
	if n := len(gaveUp) - 1; n > 0 {
		s += fmt.Sprintf(" (and %s %s undecided)", plural.Count(n, "other key"), plural.Pick(n, "is", "are"))
	}
	return s
}

// timeLimit is the cause of a Check's context ending at Options.Timeout.
type timeLimit struct{ d time.Duration }

func (t *timeLimit) Error() string { return fmt.Sprintf("time limit of %s reached", t.d) }

// searchAll builds a machine for each partition and searches them, the
// biggest first, on up to Workers goroutines. The first invalid partition
// stops the others (whose outcomes become unknown: the verdict is invalid
// anyway).
func (c *Checker) searchAll(ctx context.Context, parts []*partition, perKey model.Model) ([]outcome, []model.Machine, error) {
	workers := c.opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(parts))
	maxMem := c.opts.MaxMemory
	if maxMem <= 0 {
		maxMem = 2 << 30
	}
	order := make([]int, len(parts))
	for i := range order {
		order[i] = i
	}
	sortBySizeDesc(order, parts)

	outs := make([]outcome, len(parts))
	machines := make([]model.Machine, len(parts))
	errs := make([]error, len(parts))
	var (
		nextPart atomic.Int64
		found    atomic.Bool
		wg       sync.WaitGroup
	)
	done := ctx.Done()
	b := budget{maxBytes: maxMem / int64(max(workers, 1)), total: maxMem, stop: func() (string, bool) {
		if found.Load() {
			return "another key is not linearizable", true
		}
		select {
		case <-done:
			var limit *timeLimit
			if errors.As(context.Cause(ctx), &limit) {
				return limit.Error(), true
			}
			return "cancelled: " + context.Cause(ctx).Error(), true
		default:
			return "", false
		}
	}}
	work := func() {
		var sc scratch
		for {
			j := int(nextPart.Add(1) - 1)
			if j >= len(order) {
				return
			}
			i := order[j]
			if why, stop := b.stop(); stop {
				outs[i] = outcome{verdict: unknown, reason: why}
				continue
			}
			parts[i].layout(&sc)
			m, err := perKey.Build(parts[i].ops)
			if err != nil {
				errs[i] = err
				found.Store(true)
				continue
			}
			machines[i] = m
			outs[i] = search(parts[i], m, b, &sc)
			if outs[i].verdict != invalid {
				machines[i] = nil // only counterexamples need it
			}
			if outs[i].verdict == invalid {
				found.Store(true)
			}
		}
	}
	if workers == 1 {
		work() // no goroutine for a single worker
	} else {
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				work()
			}()
		}
		wg.Wait()
	}
	for _, err := range errs {
		if err != nil {
			return nil, nil, err
		}
	}
	return outs, machines, nil
}

// sortBySizeDesc orders partition numbers by decreasing op count, so the
// longest searches start first and the workers finish together.
func sortBySizeDesc(order []int, parts []*partition) {
	slices.SortStableFunc(order, func(a, b int) int { return len(parts[b].ops) - len(parts[a].ops) })
}
