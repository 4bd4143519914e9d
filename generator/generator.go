// Package generator describes what a test does, as pure values: a Generator,
// asked in a Context (the time, which threads are free, a seeded random
// source), answers with an op to perform, "pending" (nothing now; ask again
// after the next update or a little later) or "done", and returns the
// generator to ask next time. It is told of every invocation and completion
// through Update. Generators start no goroutines and read no clock: time and
// randomness come from the Context, so one seed reproduces one schedule, and
// Simulate can run any generator against a virtual clock.
//
// Tests build generators from the combinators in this package, each named
// after its Jepsen counterpart in its doc comment: Invoke, Op, Func, Seq,
// Mix, Limit, Repeat, Cycle, TimeLimit, Stagger, Delay, Phases, Clients,
// Nemesis, EachThread, Reserve, UntilOK and the rest. For example, a
// register test's main phase and final reads:
//
//	Phases(
//		TimeLimit(60*time.Second, Any(
//			Clients(Stagger(10*time.Millisecond,
//				Mix(Repeat(Invoke("read", nil)), writes, cases))),
//			Nemesis(Cycle(Seq(SleepFor(5*time.Second), Invoke("start", nil),
//				SleepFor(5*time.Second), Invoke("stop", nil)))))),
//		Nemesis(Invoke("stop", nil)),
//		Clients(EachThread(UntilOK(Repeat(Invoke("read", nil))))))
//
// (Example_registerTest runs this shape in Simulate.)
//
// A generator of one's own implements Op and Update without changing its
// receiver (return a new value instead), draws randomness only from
// ctx.Rand, keeps no reference to ctx after returning, and asks its children
// through Ask and Tell so that Validate can name the path to a misbehaving
// one.
package generator

import (
	"math/rand/v2"
	"slices"
	"sync/atomic"

	"github.com/faultline/faultline/history"
)

// Status says what a generator answered.
type Status uint8

const (
	Emit    Status = iota // Result.Op is the next op
	Pending               // nothing yet: ask again after an update or when time passes
	Done                  // exhausted: never asked again
)

// Result is a generator's answer. For Emit, Op has its Type (Invoke, or the
// control types Sleep and Log), Process (a free process, chosen from the
// context), Time (when to perform it: never before ctx.Time; the interpreter
// holds ops whose time lies in the future), F and Value.
//
// The generator returned with Pending is the one to ask next. An Emit whose
// time lies in the future is held: if a completion arrives first, the
// interpreter delivers it and asks the old generator again (the op was never
// performed, and the generator may now choose differently); otherwise it
// performs the op at its time and goes on with the generator returned with
// it.
type Result struct {
	Status Status
	Op     history.Op
}

// Generator is an immutable schedule of operations. Op and Update return the
// generator to use from then on; a nil Generator is done.
type Generator interface {
	Op(ctx *Context) (Result, Generator)
	Update(ctx *Context, event history.Op) Generator
}

// Thread is a worker slot: client threads are 0..concurrency-1 and
// NemesisThread is the nemesis worker.
type Thread int

// NemesisThread is the thread that performs nemesis ops.
const NemesisThread Thread = -1

// Context is the state of the test as a generator sees it. The interpreter
// (or Simulate) owns it and changes it through the mutating methods; a
// generator reads it, and may narrow it with Restrict for a sub-generator.
type Context struct {
	// Time is the time since the test started, in nanoseconds.
	Time int64
	// Rand is the test's seeded random source. Generators draw from it only
	// when asked for an op, so a seed reproduces a schedule.
	Rand *rand.Rand

	concurrency int
	threads     []Thread // threads visible to this generator, ascending, nemesis first
	process     []int    // process of thread t at index t+1
	free        []bool   // whether thread t is free, at index t+1
	lastUse     []int64  // a counter of when thread t was last given an op, at index t+1
	uses        int64

	// validate is set under Validate: Ask and Tell then check every op a
	// child emits and name the path to a generator that misbehaves.
	validate bool
}

// NewContext returns the context of a test with the given number of client
// threads (plus the nemesis thread), all free, processes numbered like their
// threads.
func NewContext(concurrency int, seed uint64) *Context {
	c := &Context{
		Rand:        rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		concurrency: concurrency,
		threads:     make([]Thread, 0, concurrency+1),
		process:     make([]int, concurrency+1),
		free:        make([]bool, concurrency+1),
		lastUse:     make([]int64, concurrency+1),
	}
	c.threads = append(c.threads, NemesisThread)
	c.process[0] = history.NemesisProcess
	c.free[0] = true
	for t := 0; t < concurrency; t++ {
		c.threads = append(c.threads, Thread(t))
		c.process[t+1] = t
		c.free[t+1] = true
	}
	return c
}

// Concurrency is the number of client threads in the test.
func (c *Context) Concurrency() int { return c.concurrency }

// Threads returns the threads visible to this generator, nemesis first.
func (c *Context) Threads() []Thread { return c.threads }

// IsFree reports whether thread t is idle.
func (c *Context) IsFree(t Thread) bool { return c.free[t+1] }

// FreeThreads returns the visible idle threads, least recently used first, so
// that work spreads evenly over threads (and so over nodes) instead of piling
// onto the lowest-numbered one.
func (c *Context) FreeThreads() []Thread {
	var out []Thread
	for _, t := range c.threads {
		if c.free[t+1] {
			out = append(out, t)
		}
	}
	slices.SortStableFunc(out, func(a, b Thread) int {
		switch x, y := c.lastUse[a+1], c.lastUse[b+1]; {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	return out
}

// AllFree reports whether every visible thread is idle.
func (c *Context) AllFree() bool {
	for _, t := range c.threads {
		if !c.free[t+1] {
			return false
		}
	}
	return true
}

// visible reports whether thread t is one this context shows.
func (c *Context) visible(t Thread) bool {
	for _, u := range c.threads {
		if u == t {
			return true
		}
	}
	return false
}

// Process returns the process currently running on thread t.
func (c *Context) Process(t Thread) int { return c.process[t+1] }

// ThreadOf returns the thread a process runs on. Process p of a client runs
// on thread p mod concurrency; the nemesis process on NemesisThread.
func (c *Context) ThreadOf(process int) Thread {
	if process == history.NemesisProcess {
		return NemesisThread
	}
	return Thread(process % c.concurrency)
}

// SomeFreeProcess returns the process of the free visible thread to use next
// (least recently used first), or false if none is free.
func (c *Context) SomeFreeProcess() (int, bool) {
	best := Thread(0)
	found := false
	for _, t := range c.threads {
		if c.free[t+1] && (!found || c.lastUse[t+1] < c.lastUse[best+1]) {
			best, found = t, true
		}
	}
	if !found {
		return 0, false
	}
	return c.process[best+1], true
}

// Restrict returns a copy of the context that sees only the threads for which
// keep is true (used by clients, nemesis, reserve and on-threads). The copy
// shares the clock and random source.
func (c *Context) Restrict(keep func(Thread) bool) *Context {
	r := *c
	r.threads = make([]Thread, 0, len(c.threads))
	for _, t := range c.threads {
		if keep(t) {
			r.threads = append(r.threads, t)
		}
	}
	return &r
}

// Slice returns a copy of the context that sees only the visible threads at
// positions lo to hi-1 of Threads(). It shares this context's thread list, so
// it is cheaper than Restrict; combinators that split threads into groups of
// consecutive threads (independent.Concurrent) use it.
func (c *Context) Slice(lo, hi int) *Context {
	r := *c
	r.threads = c.threads[lo:hi:hi]
	return &r
}

// threadMemo remembers, for a generator that narrows its context the same way
// every time (Clients, Nemesis, a Reserve range), the thread list it kept
// from the last parent thread list it saw, so that on the hot path narrowing
// allocates no new list. Parent lists are never written once made, so the
// same list (same array, same length) always narrows to the same result.
type threadMemo struct{ last atomic.Pointer[memoEntry] }

type memoEntry struct{ parent, kept []Thread }

// restrictMemo is Restrict, remembered in m.
func (c *Context) restrictMemo(m *threadMemo, keep func(Thread) bool) *Context {
	if e := m.last.Load(); e != nil && len(e.parent) == len(c.threads) &&
		(len(c.threads) == 0 || &e.parent[0] == &c.threads[0]) {
		r := *c
		r.threads = e.kept
		return &r
	}
	r := c.Restrict(keep)
	r.threads = slices.Clip(r.threads)
	m.last.Store(&memoEntry{parent: c.threads, kept: r.threads})
	return r
}

// only returns a copy of the context that sees just thread t, which must be
// visible. It allocates less than Restrict: the thread list is a slice of
// this context's.
func (c *Context) only(t Thread) *Context {
	r := *c
	r.threads = nil
	for k, u := range c.threads {
		if u == t {
			r.threads = c.threads[k : k+1 : k+1]
		}
	}
	return &r
}

// Busy marks the thread running process p as busy (the interpreter calls it
// when it dispatches an op).
func (c *Context) Busy(process int) {
	t := c.ThreadOf(process)
	c.free[t+1] = false
	c.uses++
	c.lastUse[t+1] = c.uses
}

// Free marks the thread running process p as idle again.
func (c *Context) Free(process int) { c.free[c.ThreadOf(process)+1] = true }

// Retire gives the thread of process p a fresh process (p + concurrency),
// because p's last op completed as info and p may still be running. It
// returns the new process.
func (c *Context) Retire(process int) int {
	t := c.ThreadOf(process)
	if t == NemesisThread {
		return process
	}
	c.process[t+1] += c.concurrency
	return c.process[t+1]
}
