package generator

import (
	"errors"
	"fmt"
	"time"

	"github.com/faultline/faultline/history"
)

// Sim says how Simulate runs a generator.
type Sim struct {
	// Concurrency is the number of client threads; the nemesis thread is
	// always there too.
	Concurrency int
	// Seed seeds the context's random source: one seed, one schedule.
	Seed uint64
	// TimeLimit stops asking for ops once the virtual clock reaches it; ops
	// in flight still complete. Zero means no limit.
	TimeLimit time.Duration
	// OpLimit stops asking for ops after this many invocations (sleep and
	// log ops do not count). Zero means no limit. A run with neither limit
	// ends only when the generator does.
	OpLimit int
	// Complete plays the database and the nemesis: given an invoke, it
	// returns the completion (its type, ok, fail or info, and value; the
	// process, f and time are filled in) and how long the op took. Nil means
	// DefaultComplete.
	Complete func(invoke history.Op) (completion history.Op, latency time.Duration)
	// NoValidate skips Validate, for benchmarks of the bare generators.
	// Simulate still refuses an op for a thread that is not free.
	NoValidate bool
}

// DefaultComplete completes every client op ok with its own value after a
// millisecond, and every nemesis op as info (as a nemesis does) at once.
func DefaultComplete(op history.Op) (history.Op, time.Duration) {
	if op.Process == history.NemesisProcess {
		op.Type = history.Info
		return op, 0
	}
	op.Type = history.OK
	return op, time.Millisecond
}

// Simulation is the record of a simulated run.
type Simulation struct {
	// History holds the invokes and completions in the order the
	// interpreter would record them, with Index and virtual Time set.
	History []history.Op
	// Control holds the sleep and log ops, as dispatched; they are performed
	// but never recorded in a history.
	Control []history.Op
	// End is the virtual time when the run ended, in nanoseconds.
	End int64
}

// ErrStalled is returned when a generator is pending while no op is in
// flight and there is no time limit: no completion will ever come to
// unblock it.
var ErrStalled = errors.New("generator is pending with no op in flight and no time limit to wait for")

// pendingPoll is how far Simulate moves the clock when the generator is
// pending with nothing in flight: the interpreter re-asks after this long
// (Jepsen's max-pending-interval).
const pendingPoll = int64(time.Millisecond)

// Simulate runs g against a virtual clock exactly as the interpreter runs it
// against the real one, and returns the history. The loop: deliver every
// completion that is due (free the thread, retire a client process whose op
// ended info, tell the generator, record it); then ask the generator for an
// op. Done: wait for the ops in flight and stop. Pending: keep the generator
// it returned and move the clock to the next completion (or by a millisecond
// if none is in flight). An op whose time lies in the future is held: if a
// completion comes before its time, the completion is delivered and the
// generator asked again from its old state (it may now choose differently);
// otherwise the clock moves to the op's time and the op is dispatched. A
// dispatched op's thread is marked busy, the generator (the one returned with
// the op) is told of the invoke, and Complete decides when and how the op
// ends. Sleep ops keep their thread busy for their value in nanoseconds; log
// ops end at once; neither enters the history.
//
// A generator that panics or, under validation, misbehaves ends the run with
// an *Error; the history up to that point is returned with it.
func Simulate(g Generator, s Sim) (*Simulation, error) {
	if s.Concurrency < 0 {
		return nil, fmt.Errorf("simulate: concurrency %d: expected 0 or more client threads", s.Concurrency)
	}
	if !s.NoValidate {
		g = Validate(g)
	}
	r := &simRun{Sim: s, ctx: NewContext(s.Concurrency, s.Seed), g: g, out: &Simulation{}}
	if s.OpLimit > 0 {
		r.out.History = make([]history.Op, 0, min(2*s.OpLimit, 1<<20))
	}
	if r.Complete == nil {
		r.Complete = DefaultComplete
	}
	err := r.run()
	if err == nil {
		err = r.drain()
	}
	r.out.End = r.now
	return r.out, err
}

// simRun is the state of one simulated run.
type simRun struct {
	Sim
	ctx      *Context
	g        Generator
	now      int64
	invokes  int
	inflight []pending // ascending by (at, seq)
	seq      int
	out      *Simulation
}

// pending is an op in flight: its completion and when it arrives.
type pending struct {
	at  int64
	seq int
	op  history.Op
}

func (r *simRun) run() error {
	limit := int64(r.TimeLimit)
	for {
		if err := r.deliverDue(); err != nil {
			return err
		}
		if r.g == nil || (r.OpLimit > 0 && r.invokes >= r.OpLimit) || (limit > 0 && r.now >= limit) {
			return nil
		}
		r.ctx.Time = r.now
		res, next, err := Next(r.ctx, r.g)
		if err != nil {
			return err
		}
		switch res.Status {
		case Done:
			r.g = nil
		case Pending:
			r.g = next
			switch {
			case len(r.inflight) > 0:
				r.now = max(r.now, r.inflight[0].at)
			case limit > 0:
				r.now += pendingPoll
			default:
				return ErrStalled
			}
		case Emit:
			if res.Op.Time > r.now {
				// Hold the op. A completion that comes first is delivered and
				// the generator asked again from its old state: it may now
				// choose differently. Otherwise the op runs at its time.
				if len(r.inflight) > 0 && r.inflight[0].at <= res.Op.Time {
					r.now = r.inflight[0].at
					continue
				}
				if limit > 0 && res.Op.Time >= limit {
					r.now = limit
					return nil
				}
				r.now = res.Op.Time
			}
			if problem := checkResult(r.ctx, res); problem != "" {
				op := res.Op
				return &Error{Problem: problem, Op: &op}
			}
			if err := r.dispatch(res.Op, next); err != nil {
				return err
			}
		}
	}
}

// dispatch starts op at the current time; next is the generator after it.
func (r *simRun) dispatch(op history.Op, next Generator) error {
	op.Time = r.now
	r.ctx.Time = r.now
	r.ctx.Busy(op.Process)
	var err error
	if r.g, err = Deliver(r.ctx, next, op); err != nil {
		return err
	}
	done := op
	switch op.Type {
	case history.Invoke:
		r.record(op)
		r.invokes++
		var latency time.Duration
		done, latency = r.Complete(op)
		if !done.Type.IsCompletion() {
			return fmt.Errorf("simulate: the completion function answered %s for %s: expected ok, fail or info", done.Type, op)
		}
		done.Process, done.F, done.Time = op.Process, op.F, r.now+max(0, int64(latency))
	case history.Sleep:
		r.out.Control = append(r.out.Control, op)
		d, ok := sleepDuration(op.Value)
		if !ok {
			return fmt.Errorf("simulate: sleep op %s: expected a duration in nanoseconds as its value", op)
		}
		done.Time = r.now + max(0, d)
	default:
		r.out.Control = append(r.out.Control, op)
	}
	r.schedule(done)
	return nil
}

func sleepDuration(v any) (int64, bool) {
	if d, ok := v.(time.Duration); ok {
		return int64(d), true
	}
	return history.AsInt(v)
}

// schedule puts a completion in flight, keeping the queue in order.
func (r *simRun) schedule(op history.Op) {
	r.seq++
	p := pending{at: op.Time, seq: r.seq, op: op}
	i := len(r.inflight)
	r.inflight = append(r.inflight, p)
	for i > 0 && r.inflight[i-1].at > p.at {
		r.inflight[i] = r.inflight[i-1]
		i--
	}
	r.inflight[i] = p
}

// deliverDue delivers every completion due by now.
func (r *simRun) deliverDue() error {
	for len(r.inflight) > 0 && r.inflight[0].at <= r.now {
		if err := r.deliverNext(); err != nil {
			return err
		}
	}
	return nil
}

// drain delivers every completion still in flight, moving the clock on.
func (r *simRun) drain() error {
	for len(r.inflight) > 0 {
		r.now = max(r.now, r.inflight[0].at)
		if err := r.deliverNext(); err != nil {
			return err
		}
	}
	return nil
}

// deliverNext completes the first op in flight, as the interpreter does:
// the thread is freed, a client process whose op ended info is retired, the
// generator is told, the completion recorded.
func (r *simRun) deliverNext() error {
	op := r.inflight[0].op
	r.inflight = r.inflight[1:]
	r.ctx.Time = op.Time
	r.ctx.Free(op.Process)
	if op.Type == history.Info && op.Process != history.NemesisProcess {
		r.ctx.Retire(op.Process)
	}
	if op.Type.IsCompletion() {
		r.record(op)
	}
	if r.g == nil {
		return nil
	}
	var err error
	r.g, err = Deliver(r.ctx, r.g, op)
	return err
}

func (r *simRun) record(op history.Op) {
	op.Index = len(r.out.History)
	r.out.History = append(r.out.History, op)
}
