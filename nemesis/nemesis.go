// Package nemesis injects faults. As database/sql splits a connector from
// a connection, a nemesis comes in two halves: a Nemesis is the factory a
// test is configured with (what to do, which fs it handles), and its Setup
// returns an Active fault, which performs the fault ops the generator sends
// to the nemesis thread and heals everything it did in Teardown (the runner
// calls Teardown even when the run was interrupted). Neither half can be
// used as the other, so nothing has to guard against a fault op reaching a
// nemesis that was never set up. Each nemesis names the fs it handles, so
// that several can be combined with Compose, which routes each op by its f.
//
// This file holds the two interfaces and the combinator; the faults
// themselves (partitions, kill/pause, clocks, packets, files) live beside it.
package nemesis

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sort"
	"strings"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/history"
)

// Env is what a nemesis may act on: every node (with an open connection),
// the remote those connections came from, and the DB, whose optional
// capabilities (db.Killer, db.Pauser, db.Primarier) kill/pause/primaries
// faults use.
type Env struct {
	Nodes  []db.Node
	Remote control.Remote
	DB     db.DB
}

// Nemesis is a fault factory: a test's configuration of one kind of fault.
// It is plain data until Setup, and may be set up again for another run.
type Nemesis interface {
	// Setup prepares the fault for a run on env (checks the DB's
	// capabilities and the nodes' kernels, heals what an earlier run left)
	// and returns the active fault that performs the run's fault ops.
	Setup(ctx context.Context, env Env) (Active, error)
	// Fs lists the op fs the active fault handles.
	Fs() []string
}

// Active is a set-up fault, bound to one run's nodes.
type Active interface {
	// Invoke performs a fault op and returns it completed as info, with
	// what it did (which nodes, which grudge) in Value.
	Invoke(ctx context.Context, op history.Op) (history.Op, error)
	// Teardown heals everything this fault may have done.
	Teardown(ctx context.Context) error
}

// Call performs op on n and returns the completion to record: always info
// (a fault's effect is never certain), with the error when Invoke failed or
// panicked. It keeps the invoke's process and f whatever n returned.
func Call(ctx context.Context, n Active, op history.Op) (done history.Op) {
	defer func() {
		if p := recover(); p != nil {
			done = op
			done.Type, done.Error = history.Info, fmt.Sprintf("nemesis panicked: %v\n%s", p, debug.Stack())
		}
	}()
	out, err := n.Invoke(ctx, op)
	if err != nil {
		out = op
		out.Error = err.Error()
	}
	out.Type, out.Process, out.F = history.Info, op.Process, op.F
	return out
}

// Noop handles no fs and does nothing: the nemesis of a test without faults.
// Having nothing to set up, it is its own active fault.
type Noop struct{}

// Setup returns the no-op nemesis.
func (Noop) Setup(context.Context, Env) (Active, error) { return Noop{}, nil }

// Invoke refuses every op: a schedule that sends faults to a test without a
// nemesis is a mistake worth seeing in the history.
func (Noop) Invoke(_ context.Context, op history.Op) (history.Op, error) {
	return op, fmt.Errorf("the no-op nemesis handles no f, got %q", op.F)
}

// Teardown has nothing to heal.
func (Noop) Teardown(context.Context) error { return nil }

// Fs is empty.
func (Noop) Fs() []string { return nil }

// composed is several nemeses as one: each op goes to the one that handles
// its f.
type composed struct {
	parts []Nemesis
	route map[string]int // f -> index in parts
}

// Compose combines nemeses into one that sends each op to the nemesis that
// handles its f. Two nemeses may not claim the same f.
func Compose(ns ...Nemesis) (Nemesis, error) {
	c := &composed{parts: ns, route: make(map[string]int)}
	for i, n := range ns {
		for _, f := range n.Fs() {
			if j, taken := c.route[f]; taken {
				return nil, fmt.Errorf("nemesis.Compose: f %q is handled by both nemesis %d (%T) and nemesis %d (%T)", f, j, ns[j], i, n)
			}
			c.route[f] = i
		}
	}
	return c, nil
}

// Setup sets every part up; if one fails, those already set up are torn down.
func (c *composed) Setup(ctx context.Context, env Env) (Active, error) {
	active := &activeComposed{of: c, parts: make([]Active, 0, len(c.parts))}
	for i, n := range c.parts {
		a, err := n.Setup(ctx, env)
		if err != nil {
			_ = active.Teardown(ctx)
			return nil, fmt.Errorf("nemesis %d (%T): setup: %w", i, n, err)
		}
		active.parts = append(active.parts, a)
	}
	return active, nil
}

// Fs lists every f of every part, sorted.
func (c *composed) Fs() []string {
	fs := make([]string, 0, len(c.route))
	for f := range c.route {
		fs = append(fs, f)
	}
	sort.Strings(fs)
	return slices.Compact(fs)
}

// activeComposed is a set-up composed nemesis: parts[i] is the active fault
// of of.parts[i].
type activeComposed struct {
	of    *composed
	parts []Active
}

// Invoke routes op to the part that handles op.F.
func (a *activeComposed) Invoke(ctx context.Context, op history.Op) (history.Op, error) {
	i, ok := a.of.route[op.F]
	if !ok {
		return op, fmt.Errorf("no nemesis handles f %q (handled: %s)", op.F, strings.Join(a.of.Fs(), ", "))
	}
	return a.parts[i].Invoke(ctx, op)
}

// Teardown heals every part, even when one fails, and reports all failures.
func (a *activeComposed) Teardown(ctx context.Context) error {
	var errs []error
	for i, p := range a.parts {
		if err := p.Teardown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("nemesis %d (%T): teardown: %w", i, a.of.parts[i], err))
		}
	}
	return errors.Join(errs...)
}
