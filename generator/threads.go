package generator

import (
	"slices"
	"strconv"

	"github.com/faultline/faultline/history"
)

// OnThreads runs g on the threads for which keep is true (Jepsen's
// on-threads): g sees a context with only those threads, and is told only of
// events of their processes.
func OnThreads(keep func(Thread) bool, g Generator) Generator {
	return onThreads("on-threads", keep, g)
}

// Clients runs g on the client threads only (Jepsen's clients).
func Clients(g Generator) Generator {
	return onThreads("clients", isClient, g)
}

// Nemesis runs g on the nemesis thread only (Jepsen's nemesis).
func Nemesis(g Generator) Generator {
	return onThreads("nemesis", isNemesis, g)
}

// ClientsAndNemesis runs clientGen on the client threads and nemesisGen on
// the nemesis thread side by side (Jepsen's two-argument clients and
// nemesis): Any(Clients(clientGen), Nemesis(nemesisGen)).
func ClientsAndNemesis(clientGen, nemesisGen Generator) Generator {
	return Any(Clients(clientGen), Nemesis(nemesisGen))
}

func isClient(t Thread) bool  { return t != NemesisThread }
func isNemesis(t Thread) bool { return t == NemesisThread }

func onThreads(name string, keep func(Thread) bool, g Generator) Generator {
	if g == nil {
		return nil
	}
	return &threadFilter{name: name, keep: keep, memo: new(threadMemo), g: g}
}

type threadFilter struct {
	name string
	keep func(Thread) bool
	memo *threadMemo // shared by all states of this generator
	g    Generator
}

// with returns f running g, or nil if g is exhausted.
func (f *threadFilter) with(g Generator) Generator {
	switch {
	case g == nil:
		return nil
	case Same(g, f.g):
		return f
	}
	return &threadFilter{name: f.name, keep: f.keep, memo: f.memo, g: g}
}

func (f *threadFilter) String() string { return f.name }

func (f *threadFilter) Op(ctx *Context) (Result, Generator) {
	res, next := Ask(ctx.restrictMemo(f.memo, f.keep), f, -1, f.g)
	return res, f.with(next)
}

func (f *threadFilter) Update(ctx *Context, event history.Op) Generator {
	if !f.keep(ctx.ThreadOf(event.Process)) {
		return f
	}
	next := Tell(ctx.restrictMemo(f.memo, f.keep), f, -1, f.g, event)
	if Same(next, f.g) {
		return f
	}
	return f.with(next)
}

// EachThread gives every thread its own copy of g (Jepsen's each-thread):
// each copy sees a context with just its thread and is told only of its
// thread's events. Of the free threads' copies, the soonest op wins. Done
// when every copy is exhausted and every thread idle. EachThread(UntilOK(
// Repeat(Invoke("read", nil)))) under Clients is a final read on every
// client.
func EachThread(g Generator) Generator {
	if g == nil {
		return nil
	}
	return &perThread{fresh: g}
}

// EachProcess is EachThread with a fresh copy of g for every process: when a
// thread's process crashes and is replaced, the new process starts g anew
// (Jepsen's each-process).
func EachProcess(g Generator) Generator {
	if g == nil {
		return nil
	}
	return &perThread{fresh: g, byProcess: true}
}

type perThread struct {
	fresh     Generator
	byProcess bool
	copies    []threadCopy // thread t's at index t+1
}

// threadCopy is one thread's copy of an EachThread's generator.
type threadCopy struct {
	g       Generator // nil once exhausted
	started bool      // false: the thread has not begun, g is unset
	process int       // the process it was made for (EachProcess)
}

func (e *perThread) String() string {
	if e.byProcess {
		return "each-process"
	}
	return "each-thread"
}

// childOfThread is the child index under which EachThread asks thread t's
// copy: t+1, so that the nemesis thread, -1, is not mistaken for an only
// child.
func childOfThread(t Thread) int { return int(t) + 1 }

func (e *perThread) step(i int) string {
	return e.String() + "[" + threadName(Thread(i-1)) + "]"
}

// copyFor returns thread t's copy of the generator in ctx.
func (e *perThread) copyFor(ctx *Context, t Thread) Generator {
	i := int(t) + 1
	if i >= len(e.copies) || !e.copies[i].started || (e.byProcess && e.copies[i].process != ctx.Process(t)) {
		return e.fresh
	}
	return e.copies[i].g
}

// with returns e with thread t's copy replaced by g.
func (e *perThread) with(ctx *Context, t Thread, g Generator) *perThread {
	out := &perThread{fresh: e.fresh, byProcess: e.byProcess, copies: make([]threadCopy, ctx.Concurrency()+1)}
	copy(out.copies, e.copies)
	out.copies[int(t)+1] = threadCopy{g: g, started: true, process: ctx.Process(t)}
	return out
}

func (e *perThread) Op(ctx *Context) (Result, Generator) {
	var pick Soonest
	var best Generator
	for _, t := range ctx.FreeThreads() {
		res, next := Ask(ctx.only(t), e, childOfThread(t), e.copyFor(ctx, t))
		if pick.Offer(ctx, int(t), res, 1) {
			best = next
		}
	}
	res, t := pick.Result()
	switch {
	case res.Status == Emit:
		return res, e.with(ctx, Thread(t), best)
	case res.Status == Done && ctx.AllFree():
		return res, nil
	}
	return Result{Status: Pending}, e
}

func (e *perThread) Update(ctx *Context, event history.Op) Generator {
	t := ctx.ThreadOf(event.Process)
	if !ctx.visible(t) || (e.byProcess && event.Process != ctx.Process(t)) {
		// Another thread's event, or (EachProcess) the last event of a
		// retired process, whose copy is gone.
		return e
	}
	cur := e.copyFor(ctx, t)
	next := Tell(ctx.only(t), e, childOfThread(t), cur, event)
	if Same(next, cur) {
		return e
	}
	return e.with(ctx, t, next)
}

// Reservation dedicates a number of client threads to a generator; see
// Reserve.
type Reservation struct {
	Threads int
	Gen     Generator
}

// Reserve dedicates ranges of client threads to generators (Jepsen's
// reserve n1 g1 n2 g2 ... default): the first parts[0].Threads client
// threads this generator can see run parts[0].Gen, the next parts[1].Threads
// run parts[1].Gen, and so on; the remaining threads, and the nemesis if
// visible, run rest. Each generator sees only its threads and is told only of
// their events. Of their ops, the soonest wins (ties broken at random in
// proportion to thread counts). Ranges count visible threads, so Reserve
// nests inside OnThreads or another Reserve. With writes blocking, say,
// Reserve keeps reads going on their own threads.
func Reserve(parts []Reservation, rest Generator) Generator {
	r := &reserve{counts: make([]int, len(parts)), gens: make([]Generator, len(parts)+1),
		memos: make([]threadMemo, len(parts)+1)}
	for i, p := range parts {
		if p.Threads < 0 {
			panic("generator.Reserve: reservation " + strconv.Itoa(i) + " has " + strconv.Itoa(p.Threads) + " threads: expected 0 or more")
		}
		r.counts[i] = p.Threads
		r.gens[i] = p.Gen
	}
	r.gens[len(parts)] = rest
	return r
}

type reserve struct {
	counts []int        // threads per reservation, never written
	gens   []Generator  // one per reservation, then rest
	memos  []threadMemo // each range's threads, shared by all states
}

// rangeContext returns the context generator i of r sees.
func (r *reserve) rangeContext(ctx *Context, clients []Thread, i int) *Context {
	return ctx.restrictMemo(&r.memos[i], func(t Thread) bool { return r.group(clients, t) == i })
}

func (r *reserve) String() string { return "reserve" }

func (r *reserve) step(i int) string {
	if i == len(r.counts) {
		return "reserve[rest]"
	}
	return "reserve[" + strconv.Itoa(i) + "]"
}

// group returns which generator visible thread t runs, given the visible
// client threads in ascending order.
func (r *reserve) group(clients []Thread, t Thread) int {
	if t == NemesisThread {
		return len(r.counts)
	}
	pos, _ := slices.BinarySearch(clients, t)
	for i, n := range r.counts {
		if pos < n {
			return i
		}
		pos -= n
	}
	return len(r.counts)
}

func clientThreads(ctx *Context) []Thread {
	ts := ctx.Threads()
	if len(ts) > 0 && ts[0] == NemesisThread {
		return ts[1:]
	}
	return ts
}

func (r *reserve) Op(ctx *Context) (Result, Generator) {
	clients := clientThreads(ctx)
	var pick Soonest
	var best Generator
	for i, g := range r.gens {
		gctx := r.rangeContext(ctx, clients, i)
		res, next := Ask(gctx, r, i, g)
		if pick.Offer(ctx, i, res, max(1, len(gctx.threads))) {
			best = next
		}
	}
	res, i := pick.Result()
	switch res.Status {
	case Done:
		return res, nil
	case Pending:
		return res, r
	}
	gens := slices.Clone(r.gens)
	gens[i] = best
	return res, &reserve{counts: r.counts, gens: gens, memos: r.memos}
}

func (r *reserve) Update(ctx *Context, event history.Op) Generator {
	t := ctx.ThreadOf(event.Process)
	if !ctx.visible(t) {
		return r
	}
	clients := clientThreads(ctx)
	i := r.group(clients, t)
	next := Tell(r.rangeContext(ctx, clients, i), r, i, r.gens[i], event)
	if Same(next, r.gens[i]) {
		return r
	}
	gens := slices.Clone(r.gens)
	gens[i] = next
	return &reserve{counts: r.counts, gens: gens, memos: r.memos}
}
