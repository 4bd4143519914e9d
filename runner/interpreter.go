package runner

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/faultline/faultline/client"
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/nemesis"
)

// interpreter turns a generator into a history. A single control loop owns
// the generator, its context and the history: it handles every completion
// waiting for it first, then asks the generator for an op and hands it to the
// free worker of its thread. Ops whose time lies in the future are held until
// then (unless a completion arrives first, which may change the generator's
// mind). Sleep and log ops go to workers like any op but are not recorded.
type interpreter struct {
	concurrency int
	nodes       []string
	client      client.Client
	nemesis     nemesis.Active
	// phases run one after the other: the main generator (cut at the time
	// limit), then the final generator, started once every op of the main
	// phase has completed.
	phases    []generator.Generator
	timeLimit time.Duration
	seed      uint64
	log       *slog.Logger
	// record is called, in order, with every op that goes into the history.
	record func(history.Op)
	// grace bounds how long an interrupted run waits for workers to return.
	grace time.Duration
	// slack is how late an op whose time lies ahead may start, to share a
	// completion's wake-up (Run uses dispatchSlack).
	slack time.Duration
	// drain bounds how long a phase with nothing more to start waits for
	// its outstanding ops (zero: forever).
	drain time.Duration

	// genTime and genCalls measure the generator's share of the loop.
	genTime  time.Duration
	genCalls int64
}

// pendingPoll is how long the loop waits before asking a pending generator
// again when no completion arrives (time-based generators need the clock to
// move, not an event).
const pendingPoll = time.Millisecond

// dispatchSlack is how late the loop may start an op whose time lies ahead
// when nothing else happens first. An op is never started before its time;
// but if a completion wakes the loop within the slack after that time, the
// op starts then, in the same wake-up, instead of the loop sleeping for a
// timer of its own. At a few hundred ops a second, with ops spaced at random
// (Stagger), about half the timer wake-ups disappear this way, and with
// them a good share of the harness's CPU (each wake-up of an idle process
// costs several thread switches); a millisecond is noise next to any
// client op's latency.
const dispatchSlack = time.Millisecond

// outcome is what an interpretation produced.
type outcome struct {
	ops         []history.Op
	interrupted bool
}

// run interprets the phases until they are done, ctx ends (the run is
// interrupted: outstanding ops are recorded as info), or a generator breaks
// the rules (an error).
func (in *interpreter) run(ctx context.Context) (outcome, error) {
	if in.concurrency < 1 {
		return outcome{}, fmt.Errorf("concurrency %d: expected at least 1 client thread", in.concurrency)
	}
	if len(in.nodes) == 0 {
		return outcome{}, fmt.Errorf("no nodes: expected at least one node for the clients to talk to")
	}
	start := time.Now()
	gctx := generator.NewContext(in.concurrency, in.seed)
	completions := make(chan history.Op, in.concurrency+1)
	inputs := make([]chan history.Op, in.concurrency+1) // index thread+1
	workCtx, stopWork := context.WithCancel(ctx)
	defer stopWork()
	exited := make(chan struct{}, in.concurrency+1)
	for t := -1; t < in.concurrency; t++ {
		ch := make(chan history.Op, 1)
		inputs[t+1] = ch
		go func() {
			defer func() { exited <- struct{}{} }()
			if t == int(generator.NemesisThread) {
				nemesisWorker(workCtx, in.nemesis, in.log.With("thread", "nemesis"), ch, completions)
				return
			}
			node := in.nodes[t%len(in.nodes)]
			clientWorker(workCtx, node, in.client, in.log.With("thread", t, "node", node), ch, completions)
		}()
	}
	l := loop{in: in, ctx: ctx, gctx: gctx, start: start, inFlight: make([]history.Op, in.concurrency+1), flying: make([]bool, in.concurrency+1), drainSince: -1}
	err := l.run(ctx, completions, inputs)
	for _, ch := range inputs {
		close(ch)
	}
	stopping := l.interrupted || l.stuck || err != nil
	if stopping {
		stopWork()
		l.abandon()
	}
	in.awaitWorkers(exited, stopping)
	return outcome{ops: l.history(), interrupted: l.interrupted}, err
}

// awaitWorkers waits for every worker to return; a run that stops early
// (interrupted, or broken by its generator) waits at most the grace period
// for clients that ignore cancellation.
func (in *interpreter) awaitWorkers(exited <-chan struct{}, stopping bool) {
	var deadline <-chan time.Time
	if stopping && in.grace > 0 {
		t := time.NewTimer(in.grace)
		defer t.Stop()
		deadline = t.C
	}
	for range in.concurrency + 1 {
		select {
		case <-exited:
		case <-deadline:
			in.log.Warn("some workers did not return within the grace period after the interrupt; leaving them", "grace", in.grace)
			return
		}
	}
}

// loop is the state of the control loop.
type loop struct {
	in          *interpreter
	ctx         context.Context // the run's: when it ends, the run is interrupted
	gctx        *generator.Context
	start       time.Time
	chunks      [][]history.Op // full chunks of the history
	chunk       []history.Op   // the chunk being filled
	count       int            // ops journaled
	inFlight    []history.Op   // the op each thread (index thread+1) is performing,
	flying      []bool         // if flying at the same index is set
	outstanding int
	interrupted bool
	// drainSince is when the current phase ran out of ops to start while
	// some were outstanding (-1: not draining); stuck is set when they
	// stayed outstanding past the interpreter's drain limit.
	drainSince int64
	stuck      bool
	timer      *time.Timer
	// err is set when the generator failed while told of an event; the
	// loop stops at its next turn.
	err error
}

func (l *loop) now() int64 { return int64(time.Since(l.start)) }

// chunkSize is how many ops one chunk of the in-memory history holds. The
// history grows by chunks, not by doubling one slice, so ops are copied once
// (when the run ends) instead of again at every doubling.
const chunkSize = 8192

// journal gives op its index and time, keeps it and records it.
func (l *loop) journal(op history.Op) {
	op.Index = l.count
	op.Time = l.now()
	if len(l.chunk) == cap(l.chunk) {
		if l.chunk != nil {
			l.chunks = append(l.chunks, l.chunk)
		}
		l.chunk = make([]history.Op, 0, chunkSize)
	}
	l.chunk = append(l.chunk, op)
	l.count++
	l.in.record(op)
}

// last is the op journaled last.
func (l *loop) last() history.Op { return l.chunk[len(l.chunk)-1] }

// history returns every journaled op, in order, in one slice.
func (l *loop) history() []history.Op {
	ops := make([]history.Op, 0, l.count)
	for _, c := range l.chunks {
		ops = append(ops, c...)
	}
	return append(ops, l.chunk...)
}

// wait blocks until a completion arrives (returned), the given time passes
// (zero: no limit), or ctx ends.
func (l *loop) wait(ctx context.Context, completions <-chan history.Op, until int64) (history.Op, bool) {
	var fire <-chan time.Time
	if until > 0 {
		d := time.Duration(until - l.now())
		if d <= 0 {
			return history.Op{}, false
		}
		if l.timer == nil {
			l.timer = time.NewTimer(d)
		} else {
			l.timer.Reset(d)
		}
		defer l.timer.Stop()
		fire = l.timer.C
	}
	select {
	case c := <-completions:
		return c, true
	case <-fire:
	case <-ctx.Done():
	}
	return history.Op{}, false
}

func (l *loop) run(ctx context.Context, completions <-chan history.Op, inputs []chan history.Op) error {
	phase := 0
	gen := l.in.phases[0]
	// The time limit cuts the main phase only.
	limited := func() bool { return phase == 0 && l.in.timeLimit > 0 }
	pastLimit := func(t int64) bool { return limited() && t >= int64(l.in.timeLimit) }
	// capped is until, or the time limit when that comes first.
	capped := func(until int64) int64 {
		if limited() {
			return min(until, int64(l.in.timeLimit))
		}
		return until
	}
	for {
		if l.err != nil {
			return l.err
		}
		// Completions first: they change what the generator may do.
		select {
		case c := <-completions:
			gen = l.complete(gen, c)
			continue
		default:
		}
		if ctx.Err() != nil {
			l.interrupted = true
			return nil
		}
		now := l.now()
		if pastLimit(now) && gen != nil {
			l.in.log.Info("time limit reached; letting outstanding ops finish", "time-limit", l.in.timeLimit)
			gen = nil
		}
		if gen == nil {
			if l.outstanding > 0 {
				if c, ok := l.drainWait(ctx, completions, now); ok {
					gen = l.complete(gen, c)
				}
				if l.stuck {
					return nil
				}
				continue
			}
			l.drainSince = -1
			if phase++; phase >= len(l.in.phases) {
				return nil
			}
			gen = l.in.phases[phase]
			continue
		}
		l.gctx.Time = now
		t0 := time.Now()
		res, next, err := generator.Next(l.gctx, gen)
		l.in.genTime += time.Since(t0)
		l.in.genCalls++
		if err != nil {
			return fmt.Errorf("generator failed: %w", err)
		}
		switch res.Status {
		case generator.Done:
			gen = nil
			continue
		case generator.Pending:
			// The generator may have advanced its own state while deciding
			// it has nothing yet (a Func evaluated, a CycleTimes clock
			// started): its answer replaces it, as the interface says.
			if next != nil {
				gen = next
			}
			if c, ok := l.wait(ctx, completions, capped(now+int64(pendingPoll))); ok {
				gen = l.complete(gen, c)
			}
			continue
		}
		op := res.Op
		var woke history.Op // a completion that arrived while op waited for its time
		var gotWoke bool
		if op.Time > now {
			woke, gotWoke = l.wait(ctx, completions, capped(op.Time+int64(l.in.slack)))
			t := l.now()
			if t < op.Time || ctx.Err() != nil || pastLimit(t) {
				if gotWoke {
					gen = l.complete(gen, woke) // ask again: the generator may now choose differently
				}
				continue // not due yet, interrupted, or the time limit came first
			}
			// Due: start it as if its timer had fired just before the
			// completion (if one woke us) arrived. Asking again instead would
			// start it late and, for Stagger, push every later op back too.
		}
		if err := l.check(op); err != nil {
			return err
		}
		gen = l.dispatch(next, op, inputs)
		if gotWoke {
			gen = l.complete(gen, woke)
		}
	}
}

// check rejects an op the generator should not have emitted.
func (l *loop) check(op history.Op) error {
	switch op.Type {
	case history.Invoke, history.Sleep, history.Log:
	default:
		return fmt.Errorf("generator emitted an op of type %s for process %s (f %q): expected invoke, sleep or log", op.Type, history.ProcessString(op.Process), op.F)
	}
	t := l.gctx.ThreadOf(op.Process)
	if op.Process != history.NemesisProcess && op.Process < 0 {
		return fmt.Errorf("generator emitted an op for process %d (f %q): expected a client process >= 0 or the nemesis", op.Process, op.F)
	}
	if cur := l.gctx.Process(t); cur != op.Process {
		return fmt.Errorf("generator emitted an op for process %s (f %q), but thread %d now runs process %s (the old one was retired)", history.ProcessString(op.Process), op.F, t, history.ProcessString(cur))
	}
	if !l.gctx.IsFree(t) {
		return fmt.Errorf("generator emitted an op for process %s (f %q), whose thread is busy", history.ProcessString(op.Process), op.F)
	}
	return nil
}

// dispatch records an invoke and hands the op to its thread's worker.
func (l *loop) dispatch(gen generator.Generator, op history.Op, inputs []chan history.Op) generator.Generator {
	if op.Type == history.Invoke {
		l.journal(op)
		op = l.last()
	} else {
		op.Time = l.now()
	}
	t := l.gctx.ThreadOf(op.Process)
	l.gctx.Busy(op.Process)
	l.inFlight[t+1], l.flying[t+1] = op, true
	l.outstanding++
	inputs[t+1] <- op
	return l.update(gen, op)
}

// complete handles one completion from a worker.
func (l *loop) complete(gen generator.Generator, c history.Op) generator.Generator {
	if l.ctx.Err() != nil {
		// Interrupted: whatever the worker says now (often just that its
		// call was cancelled), the op stays in flight and is recorded by
		// abandon, so every op cut short reads the same way.
		return gen
	}
	t := l.gctx.ThreadOf(c.Process)
	l.flying[t+1] = false
	l.outstanding--
	l.gctx.Free(c.Process)
	if c.Type == history.Sleep || c.Type == history.Log {
		c.Time = l.now()
		return l.update(gen, c)
	}
	l.journal(c)
	if c.Type == history.Info && t != generator.NemesisThread {
		l.gctx.Retire(c.Process)
	}
	return l.update(gen, l.last())
}

func (l *loop) update(gen generator.Generator, event history.Op) generator.Generator {
	if gen == nil {
		return nil
	}
	t0 := time.Now()
	gen, err := generator.Deliver(l.gctx, gen, event)
	l.in.genTime += time.Since(t0)
	l.in.genCalls++
	if err != nil && l.err == nil {
		l.err = fmt.Errorf("generator failed on op %d: %w", event.Index, err)
	}
	return gen
}

// drainWait waits for a completion once a phase has nothing more to start
// but ops are still outstanding. Every drainLog it says which ops it waits
// for, so a hung client or nemesis call is visible while it hangs; after
// the interpreter's drain limit it gives up on them (l.stuck), so that a
// call that never returns cannot keep the run, and the cluster's faults,
// from ending.
func (l *loop) drainWait(ctx context.Context, completions <-chan history.Op, now int64) (history.Op, bool) {
	if l.drainSince < 0 {
		l.drainSince = now
	}
	until, limit := now+int64(drainLog), int64(0)
	if l.in.drain > 0 {
		limit = l.drainSince + int64(l.in.drain)
		until = min(until, limit)
	}
	if c, ok := l.wait(ctx, completions, until); ok || ctx.Err() != nil {
		return c, ok
	}
	waited := time.Duration(l.now() - l.drainSince).Round(time.Second)
	if limit > 0 && l.now() >= limit {
		l.in.log.Error("ops still outstanding long after their phase ended: recording them as info and ending the run",
			"waited", waited, "outstanding", l.describeOutstanding())
		l.stuck = true
		return history.Op{}, false
	}
	l.in.log.Warn("waiting for outstanding ops", "waited", waited, "gives-up-after", l.in.drain, "outstanding", l.describeOutstanding())
	return history.Op{}, false
}

// drainLog is how often a loop waiting for outstanding ops names them.
const drainLog = 30 * time.Second

// describeOutstanding names the ops in flight: process, f and since when.
func (l *loop) describeOutstanding() string {
	var b strings.Builder
	for t, op := range l.inFlight {
		if !l.flying[t] || op.Type != history.Invoke {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "process %s %s since %v", history.ProcessString(op.Process), op.F, time.Duration(op.Time).Round(time.Millisecond))
	}
	return b.String()
}

// abandon records every op still in flight as info: the run was interrupted
// (or gave up on them) and nobody will learn whether they happened.
func (l *loop) abandon() {
	why := "interrupted: the run was stopped while this op was outstanding"
	if l.stuck {
		why = fmt.Sprintf("abandoned: still outstanding %v after its phase ended", l.in.drain)
	}
	for t, op := range l.inFlight {
		if !l.flying[t] || op.Type != history.Invoke {
			continue
		}
		op.Type, op.Error = history.Info, why
		l.journal(op)
		l.flying[t] = false
	}
}
