// Package independent lifts a generator for one key to many keys (Jepsen's
// independent generators). Each op's value becomes a [key value] tuple, so
// that a checker can split the history per key (history.TupleKey) and check
// each key alone: a linearizability search over many short histories instead
// of one long one. Sequential runs one key at a time on all threads;
// Concurrent runs groups of n threads, each group on a key of its own.
package independent

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
)

// Keys is a finite or endless sequence of keys: the key at position i, or
// false past the end. It must answer the same for the same i.
type Keys func(i int) (key any, ok bool)

// List is the finite sequence of the given keys.
func List(keys ...any) Keys {
	return func(i int) (any, bool) {
		if i < len(keys) {
			return keys[i], true
		}
		return nil, false
	}
}

// Naturals is the endless sequence 0, 1, 2, ... (as int64, the integer type
// history values use).
func Naturals() Keys {
	return func(i int) (any, bool) { return int64(i), true }
}

// Tuple is the value an op on key carries: [key value].
func Tuple(key, value any) []any { return []any{key, value} }

// maxEmptyKeys bounds how many keys in a row may have generators that are
// exhausted at once: with an endless key sequence that would spin forever.
const maxEmptyKeys = 10_000

// Sequential runs fgen(k1) to exhaustion, then fgen(k2), and so on through
// keys, wrapping each op's value v as [k v] (Jepsen's sequential-generator).
// The generator of a key is told only of events whose value is a tuple of
// that key (unwrapped to the bare value), and of events without a key. fgen
// must be pure: it may be called more than once for a key.
func Sequential(keys Keys, fgen func(key any) generator.Generator) generator.Generator {
	return &sequential{keys: keys, fgen: fgen}
}

type sequential struct {
	keys    Keys
	fgen    func(any) generator.Generator
	pos     int // position of the current key
	key     any
	g       generator.Generator
	started bool // key and g are set for pos
}

func (s *sequential) String() string { return "sequential" }

func (s *sequential) Op(ctx *generator.Context) (generator.Result, generator.Generator) {
	cur := *s
	for empty := 0; ; empty++ {
		if !cur.started {
			key, ok := cur.keys(cur.pos)
			if !ok {
				return generator.Result{Status: generator.Done}, nil
			}
			cur.key, cur.g, cur.started = key, cur.fgen(key), true
		}
		res, next := generator.Ask(ctx, s, cur.pos, cur.g)
		if res.Status != generator.Done {
			cur.g = next
			return wrap(res, cur.key), &cur
		}
		if empty == maxEmptyKeys {
			panic(&generator.Error{Path: []string{"sequential"}, Problem: fmt.Sprintf(
				"the generators of %d keys in a row were exhausted at once: fgen may never emit an op", maxEmptyKeys)})
		}
		cur.pos, cur.started = cur.pos+1, false
	}
}

func (s *sequential) Update(ctx *generator.Context, event history.Op) generator.Generator {
	if !s.started {
		return s
	}
	ev, ok := unwrap(event, s.key)
	if !ok {
		return s
	}
	next := generator.Tell(ctx, s, s.pos, s.g, ev)
	if generator.Same(next, s.g) {
		return s
	}
	cur := *s
	cur.g = next
	return &cur
}

// wrap turns the value of an emitted invoke into [key value].
func wrap(res generator.Result, key any) generator.Result {
	if res.Status == generator.Emit && res.Op.Type == history.Invoke {
		res.Op.Value = Tuple(key, res.Op.Value)
	}
	return res
}

// unwrap returns event as the generator of key should see it, or false if it
// concerns another key.
func unwrap(event history.Op, key any) (history.Op, bool) {
	k, v, keyed := history.TupleKey(event)
	if !keyed {
		return event, true
	}
	if !history.Equal(k, key) {
		return event, false
	}
	event.Value = v
	return event, true
}

// Concurrent splits the client threads it can see into groups of n, in
// thread order, and runs a key on each group at once: a group takes the next
// key from keys, runs fgen(key) on its threads only (wrapping values as [key
// value], like Sequential) until that generator is exhausted, then takes the
// next key (Jepsen's concurrent-generator). It is done when keys run out and
// every group's generator is exhausted. The number of client threads must be
// a multiple of n; with 5 nodes, an n that is a multiple of 5 puts every key
// on every node. The nemesis thread never runs these ops.
func Concurrent(n int, keys Keys, fgen func(key any) generator.Generator) generator.Generator {
	if n <= 0 {
		panic("independent.Concurrent: " + strconv.Itoa(n) + " threads per key: expected at least 1")
	}
	return &concurrent{n: n, keys: keys, fgen: fgen}
}

type concurrent struct {
	n      int
	keys   Keys
	fgen   func(any) generator.Generator
	next   int     // position of the next key to hand out
	groups []group // nil until the first op
}

// group is what one group of threads is doing.
type group struct {
	key     any
	pos     int // the key's position in keys
	g       generator.Generator
	started bool // has a key; false and done: keys ran out
	done    bool
}

func (c *concurrent) String() string { return "concurrent(" + strconv.Itoa(c.n) + ")" }

// clients returns the position in ctx.Threads() of the first visible client
// thread and the client threads, checking they split into groups of n.
func (c *concurrent) clients(ctx *generator.Context) (int, []generator.Thread) {
	ts, first := ctx.Threads(), 0
	if len(ts) > 0 && ts[0] == generator.NemesisThread {
		ts, first = ts[1:], 1
	}
	if len(ts) == 0 || len(ts)%c.n != 0 {
		panic(&generator.Error{Path: []string{c.String()}, Problem: fmt.Sprintf(
			"%d client threads do not split into groups of %d threads per key: use a concurrency that is a multiple of %d",
			len(ts), c.n, c.n)})
	}
	return first, ts
}

// groupOf returns the group of thread t among the client threads.
func (c *concurrent) groupOf(clients []generator.Thread, t generator.Thread) int {
	if i, found := slices.BinarySearch(clients, t); found {
		return i / c.n
	}
	return -1
}

// groupContext returns the context group gi sees: its n threads.
func (c *concurrent) groupContext(ctx *generator.Context, first, gi int) *generator.Context {
	return ctx.Slice(first+gi*c.n, first+(gi+1)*c.n)
}

// assign gives group gi the next key, or marks it done if none is left.
func (c *concurrent) assign(gi int) {
	key, ok := c.keys(c.next)
	if !ok {
		c.groups[gi] = group{done: true}
		return
	}
	c.groups[gi] = group{key: key, pos: c.next, g: c.fgen(key), started: true}
	c.next++
}

func (c *concurrent) Op(ctx *generator.Context) (generator.Result, generator.Generator) {
	first, clients := c.clients(ctx)
	cur := *c
	cur.groups = make([]group, len(clients)/c.n)
	copy(cur.groups, c.groups)
	var pick generator.Soonest
	var best generator.Generator
	for gi := range cur.groups {
		if !hasFree(ctx, clients[gi*c.n:(gi+1)*c.n]) {
			pick.Offer(ctx, gi, generator.Result{Status: generator.Pending}, c.n)
			continue
		}
		gctx := c.groupContext(ctx, first, gi)
		for empty := 0; ; empty++ {
			if !cur.groups[gi].started && !cur.groups[gi].done {
				cur.assign(gi)
			}
			gr := cur.groups[gi]
			res, next := generator.Ask(gctx, c, gr.pos, gr.g)
			if res.Status == generator.Done && !gr.done {
				if empty == maxEmptyKeys {
					panic(&generator.Error{Path: []string{c.String()}, Problem: fmt.Sprintf(
						"the generators of %d keys in a row were exhausted at once: fgen may never emit an op", maxEmptyKeys)})
				}
				cur.groups[gi].started = false
				continue
			}
			if pick.Offer(ctx, gi, wrap(res, gr.key), c.n) {
				best = next
			}
			break
		}
	}
	res, gi := pick.Result()
	switch res.Status {
	case generator.Done:
		return res, nil
	case generator.Emit:
		cur.groups[gi].g = best
	}
	return res, &cur
}

func hasFree(ctx *generator.Context, threads []generator.Thread) bool {
	for _, t := range threads {
		if ctx.IsFree(t) {
			return true
		}
	}
	return false
}

func (c *concurrent) Update(ctx *generator.Context, event history.Op) generator.Generator {
	if c.groups == nil {
		return c
	}
	first, clients := c.clients(ctx)
	gi := c.groupOf(clients, ctx.ThreadOf(event.Process))
	if gi < 0 || !c.groups[gi].started {
		return c
	}
	gr := c.groups[gi]
	ev, ok := unwrap(event, gr.key)
	if !ok {
		return c
	}
	next := generator.Tell(c.groupContext(ctx, first, gi), c, gr.pos, gr.g, ev)
	if generator.Same(next, gr.g) {
		return c
	}
	cur := *c
	cur.groups = append([]group(nil), c.groups...)
	cur.groups[gi].g = next
	return &cur
}
