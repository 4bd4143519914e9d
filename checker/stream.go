package checker

import (
	"context"
	"fmt"

	"github.com/faultline/faultline/history"
)

// Event is one op of a history as a Stream sees it: the op, its position in
// the history, and for a completion the invocation it completes (InvPos -1
// for an invocation, and for a bare completion such as a nemesis :info
// nobody invoked).
type Event struct {
	Pos    int
	Op     history.Op
	InvPos int
	Inv    history.Op // the zero Op when InvPos < 0
}

// Stream is a checker fed a history one op at a time, in history order,
// that holds only what its verdict needs (the bounds of a counter, the
// elements of a set), so that a history far larger than memory can be
// checked while it is read. Add takes every op, nemesis ops included; an op
// the checker cannot use (a malformed value) ends its interest, and Result
// then says why, as the batch checker would. Result is called once, after
// the last Add: an invocation still outstanding then never completed.
type Stream interface {
	Add(e Event)
	Result() Result
}

// Streamer is a checker that can also check a history as a Stream. Its
// batch Check and its stream give the same Result on every history (the
// classic checkers' Check is their stream fed from the History).
type Streamer interface {
	Checker
	NewStream() Stream
}

// Streamed makes a Streamer whose Check feeds the history's ops, paired as
// the History pairs them, to a new stream.
func Streamed(newStream func() Stream) Streamer { return streamed(newStream) }

type streamed func() Stream

func (s streamed) NewStream() Stream { return s() }

// Check feeds every op of h to a new stream, looking at ctx every 4096 ops;
// a cancelled check is unknown.
func (s streamed) Check(ctx context.Context, h *history.History) Result {
	st := s()
	for i, op := range h.All() {
		if r, stop := Cancelled(ctx, i); stop {
			return r
		}
		e := Event{Pos: i, Op: op, InvPos: h.Invocation(i)}
		if e.InvPos >= 0 {
			e.Inv = h.At(e.InvPos)
		}
		st.Add(e)
	}
	return st.Result()
}

// Cancelled returns an unknown result if ctx is done, looking only at
// every 4096th step i so that hot loops stay cheap.
func Cancelled(ctx context.Context, i int) (Result, bool) {
	if i%4096 != 0 || ctx.Err() == nil {
		return Result{}, false
	}
	return Result{Valid: Unknown, Error: "check cancelled: " + ctx.Err().Error()}, true
}

// Pairer pairs ops read one at a time as history.New pairs a whole history,
// remembering only the invocations outstanding: it turns each op into the
// Event a Stream takes. Ops must come as a codec.Reader gives them (a
// process re-invoking while its op is outstanding already renamed).
type Pairer struct {
	pos  int
	open map[int]openInvoke // process -> its outstanding invocation
}

type openInvoke struct {
	pos int
	op  history.Op
}

// ErrNeedsWholeHistory is what Pair returns for a client completion that
// has no invocation: history.NewInvokingAtStart makes one up at the start
// of the history, which a stream has long passed. The caller reads the
// history whole instead.
type ErrNeedsWholeHistory struct{ Op history.Op }

func (e *ErrNeedsWholeHistory) Error() string {
	return fmt.Sprintf("op %d (process %s) completes an operation that was never invoked: its invocation is taken as made at the start of the history, so the history must be read whole",
		e.Op.Index, history.ProcessString(e.Op.Process))
}

// Pair returns the event of the next op. An op that breaks history.New's
// rules is an error (a *history.PairError, or *ErrNeedsWholeHistory), after
// which the Pairer must not be used.
func (p *Pairer) Pair(op history.Op) (Event, error) {
	if p.open == nil {
		p.open = make(map[int]openInvoke)
	}
	e := Event{Pos: p.pos, Op: op, InvPos: -1}
	switch op.Type {
	case history.Invoke:
		if prev, busy := p.open[op.Process]; busy {
			return e, &history.PairError{Pos: p.pos, Op: op, Problem: fmt.Sprintf("invoked while op %d of the same process is still outstanding (a process runs one op at a time)", prev.op.Index)}
		}
		p.open[op.Process] = openInvoke{pos: p.pos, op: op}
	case history.OK, history.Fail, history.Info:
		inv, ok := p.open[op.Process]
		switch {
		case ok:
			delete(p.open, op.Process)
			if inv.op.F != op.F {
				return e, &history.PairError{Pos: p.pos, Op: op, Problem: fmt.Sprintf("completion has f %q but its invoke (op %d) has f %q", op.F, inv.op.Index, inv.op.F)}
			}
			e.InvPos, e.Inv = inv.pos, inv.op
		case op.Type == history.Info && op.Process == history.NemesisProcess:
			// a bare nemesis info, as Jepsen nemeses log them
		default:
			return e, &ErrNeedsWholeHistory{Op: op}
		}
	default:
		return e, &history.PairError{Pos: p.pos, Op: op, Problem: "has type " + op.Type.String() + ", which is never recorded in a history"}
	}
	p.pos++
	return e, nil
}

// Len is the number of ops paired so far.
func (p *Pairer) Len() int { return p.pos }

// Phases is told the name of each phase a long check enters ("analyse",
// "search cycles", "explain"), so that someone waiting can see where it is.
// It must be safe to call from any goroutine and return at once.
type Phases interface{ Phase(name string) }

type phasesKey struct{}

// WithPhases returns a context that carries p to the checkers run with it.
func WithPhases(ctx context.Context, p Phases) context.Context {
	return context.WithValue(ctx, phasesKey{}, p)
}

// Phase tells the Phases that ctx carries, if any, that the check has
// entered the phase name.
func Phase(ctx context.Context, name string) {
	if p, ok := ctx.Value(phasesKey{}).(Phases); ok {
		p.Phase(name)
	}
}
