package generator

import (
	"fmt"
	"reflect"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"github.com/faultline/faultline/history"
)

// Error says which generator misbehaved and how: Path names it from the
// outermost combinator down (each step is a combinator and, where it has
// several children, the child's position; an only child at fault is named
// itself), as in
// "phases[1] > limit(10) > mix[2]: emitted an op for busy process 3".
//
// Generators report errors by panicking with an *Error (a generator is code,
// and a bad one is a bug in the test, not a condition to handle); Validate
// adds the path as the panic unwinds, and Next turns it back into an error
// for the interpreter and Simulate.
type Error struct {
	Path    []string
	Problem string
	Op      *history.Op // the offending op, if an op was at fault
	Event   *history.Op // the event being delivered, if Update failed
	Cause   any         // the value a generator panicked with, if it did
	Stack   []byte      // where that panic happened
}

func (e *Error) Error() string {
	var b strings.Builder
	if len(e.Path) > 0 {
		b.WriteString(strings.Join(e.Path, " > "))
		b.WriteString(": ")
	}
	b.WriteString(e.Problem)
	if e.Op != nil {
		b.WriteString(": ")
		b.WriteString(e.Op.String())
	}
	if e.Event != nil {
		b.WriteString(" (while told of ")
		b.WriteString(e.Event.String())
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the panic value if it was an error.
func (e *Error) Unwrap() error {
	err, _ := e.Cause.(error)
	return err
}

// Validate wraps g so that every op any generator inside it emits is checked
// against the context that generator saw: its type must be invoke, sleep or
// log, an invoke must have an f, its process must run on a thread the
// generator can see, be that thread's current process and be free, and its
// time must not lie before the context's time. A violation, or a panic inside
// g, becomes an *Error naming the path to the generator at fault (Jepsen's
// validate and friendly-exceptions in one). Checking costs time on every op,
// so production runs may leave it out; Simulate uses it unless told not to.
func Validate(g Generator) Generator {
	if g == nil {
		return nil
	}
	if v, ok := g.(*validated); ok {
		return v
	}
	return &validated{g}
}

type validated struct{ g Generator }

func (v *validated) String() string { return "validate" }

func (v *validated) Op(ctx *Context) (Result, Generator) {
	c := ctx
	if !ctx.validate {
		copied := *ctx
		copied.validate = true
		c = &copied
	}
	res, next := Ask(c, nil, -1, v.g)
	return res, Validate(next)
}

func (v *validated) Update(ctx *Context, event history.Op) Generator {
	c := ctx
	if !ctx.validate {
		copied := *ctx
		copied.validate = true
		c = &copied
	}
	next := Tell(c, nil, -1, v.g, event)
	if Same(next, v.g) {
		return v
	}
	return Validate(next)
}

// Ask asks g, the child number i of parent (i < 0 for an only child), for
// its next op in ctx, the context the child sees. Combinators call their
// children through Ask (and Tell) rather than directly so that, under
// Validate, the op is checked and a failure names the path through parent;
// otherwise Ask costs one branch. A nil g is done.
func Ask(ctx *Context, parent fmt.Stringer, i int, g Generator) (Result, Generator) {
	if g == nil {
		return Result{Status: Done}, nil
	}
	if !ctx.validate {
		return g.Op(ctx)
	}
	return askChecked(ctx, parent, i, g)
}

// Tell passes event to g, the child number i of parent, in the context the
// child sees, and returns the child's next state. See Ask.
func Tell(ctx *Context, parent fmt.Stringer, i int, g Generator, event history.Op) Generator {
	if g == nil {
		return nil
	}
	if !ctx.validate {
		return g.Update(ctx, event)
	}
	return tellChecked(ctx, parent, i, g, event)
}

// Same reports whether a and b are the same generator state: both nil, or
// the same pointer. A combinator whose children ignored an event returns
// itself rather than a copy, so updates, which most leaves ignore, cost no
// allocation. Values of other kinds are never the same (comparing them with
// == could panic).
func Same(a, b Generator) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	ta := reflect.TypeOf(a)
	return ta.Kind() == reflect.Pointer && ta == reflect.TypeOf(b) && a == b
}

// node is a combinator: a generator with a name for paths in errors.
type node interface {
	Generator
	fmt.Stringer
}

// passOn tells g, the only child of parent, of event: parent itself if g did
// not change, else rebuild(g's next state).
func passOn(ctx *Context, parent node, g Generator, event history.Op, rebuild func(Generator) Generator) Generator {
	next := Tell(ctx, parent, -1, g, event)
	if Same(next, g) {
		return parent
	}
	return rebuild(next)
}

// tellAll tells each of gens, the children of parent, of event, and returns
// their next states, or nil if none changed.
func tellAll(ctx *Context, parent fmt.Stringer, gens []Generator, event history.Op) []Generator {
	var out []Generator
	for i, g := range gens {
		next := Tell(ctx, parent, i, g, event)
		if out == nil && !Same(next, g) {
			out = slices.Clone(gens)
		}
		if out != nil {
			out[i] = next
		}
	}
	return out
}

func askChecked(ctx *Context, parent fmt.Stringer, i int, g Generator) (res Result, next Generator) {
	defer blame(parent, i, g, history.Op{}, false)
	res, next = g.Op(ctx)
	if problem := checkResult(ctx, res); problem != "" {
		op := res.Op
		e := &Error{Problem: problem, Op: &op}
		if name, ok := g.(fmt.Stringer); ok && i < 0 {
			// An only child is named by its parent's step alone; name it.
			e.Path = []string{name.String()}
		}
		panic(e)
	}
	return res, next
}

func tellChecked(ctx *Context, parent fmt.Stringer, i int, g Generator, event history.Op) Generator {
	defer blame(parent, i, g, event, true)
	return g.Update(ctx, event)
}

// blame recovers a panic raised in or below g, parent's child i, turns it
// into an *Error naming g if it is not one, adds the child's step to the
// front of its path and panics again, so that the path grows as the panic
// unwinds.
func blame(parent fmt.Stringer, i int, g Generator, event history.Op, told bool) {
	r := recover()
	if r == nil {
		return
	}
	e, ok := r.(*Error)
	if !ok {
		var ev *history.Op
		if told {
			ev = new(history.Op)
			*ev = event
		}
		e = asError(r, ev)
		if name, ok := g.(fmt.Stringer); ok {
			e.Path = []string{name.String()}
		}
	}
	if parent != nil {
		e.Path = append([]string{stepName(parent, i)}, e.Path...)
	}
	panic(e)
}

// stepNamer is a combinator that names the step to its child i itself, as
// EachThread names threads ("each-thread[nemesis]") rather than positions.
type stepNamer interface{ step(i int) string }

// stepName names the step from parent to its child i (i < 0: only child).
func stepName(parent fmt.Stringer, i int) string {
	if s, ok := parent.(stepNamer); ok {
		return s.step(i)
	}
	if i < 0 {
		return parent.String()
	}
	return parent.String() + "[" + strconv.Itoa(i) + "]"
}

// checkResult says what is wrong with a generator's answer in ctx, or "".
func checkResult(ctx *Context, res Result) string {
	switch res.Status {
	case Pending, Done:
		return ""
	case Emit:
	default:
		return fmt.Sprintf("answered with unknown status %d", res.Status)
	}
	op := &res.Op
	switch op.Type {
	case history.Invoke:
		if op.F == "" {
			return "emitted an invoke with no f"
		}
	case history.Sleep:
		if d, ok := sleepDuration(op.Value); !ok || d < 0 {
			return "emitted a sleep whose value " + history.FormatEDN(op.Value) + " is not a duration in nanoseconds"
		}
	case history.Log:
	default:
		return "emitted an op of type " + op.Type.String() + "; generators emit invoke, sleep or log ops"
	}
	if op.Process != history.NemesisProcess && op.Process < 0 {
		return fmt.Sprintf("emitted an op for process %d, which no thread runs", op.Process)
	}
	if op.Process != history.NemesisProcess && ctx.Concurrency() == 0 {
		return fmt.Sprintf("emitted an op for client process %d, but the test has no client threads", op.Process)
	}
	t := ctx.ThreadOf(op.Process)
	switch {
	case !ctx.visible(t):
		return fmt.Sprintf("emitted an op for process %s on thread %s, which this generator cannot see (it sees %s)",
			history.ProcessString(op.Process), threadName(t), threadList(ctx.threads))
	case op.Process < ctx.Process(t):
		return fmt.Sprintf("emitted an op for process %d, but thread %d now runs process %d (the old one was retired)",
			op.Process, t, ctx.Process(t))
	case op.Process > ctx.Process(t):
		return fmt.Sprintf("emitted an op for process %d, which no thread runs yet (thread %d runs process %d)",
			op.Process, t, ctx.Process(t))
	case !ctx.IsFree(t):
		return "emitted an op for busy process " + history.ProcessString(op.Process)
	case op.Time < ctx.Time:
		return fmt.Sprintf("emitted an op at time %d ns, before the context's time %d ns", op.Time, ctx.Time)
	}
	return ""
}

// Next asks g for its next op like the interpreter must: a panic inside g
// (an *Error from Validate, or any other) comes back as an *Error instead of
// unwinding through the caller.
func Next(ctx *Context, g Generator) (res Result, next Generator, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = asError(r, nil)
		}
	}()
	res, next = Ask(ctx, nil, -1, g)
	return res, next, nil
}

// Deliver tells g of event like Next asks: a panic comes back as an error.
func Deliver(ctx *Context, g Generator, event history.Op) (next Generator, err error) {
	defer func() {
		if r := recover(); r != nil {
			ev := new(history.Op)
			*ev = event
			err = asError(r, ev)
		}
	}()
	return Tell(ctx, nil, -1, g, event), nil
}

func asError(r any, event *history.Op) *Error {
	if e, ok := r.(*Error); ok {
		return e
	}
	verb := "when asked for an op"
	if event != nil {
		verb = "when told of an event"
	}
	return &Error{Problem: fmt.Sprintf("generator panicked %s: %v", verb, r), Cause: r, Stack: debug.Stack(), Event: event}
}

func threadName(t Thread) string {
	if t == NemesisThread {
		return "nemesis"
	}
	return strconv.Itoa(int(t))
}

func threadList(ts []Thread) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = threadName(t)
	}
	return "[" + strings.Join(names, " ") + "]"
}
