package ledger

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/faultband"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/nemesis"
	"github.com/faultline/faultline/nemesis/target"
)

// Wrap returns n with every fault it applies recorded in the claim's
// ledger first: the one place through which every fault of a run goes, so
// no fault package has to remember the ledger. Which f starts or stops
// which fault family comes from fams (nil: faultband.Default()), the same
// table the reports shade bands with:
//
//   - Setup records what setting up may leave (the network faults'
//     iptables chains) before it runs;
//   - an f that starts a family (or that no family knows) is recorded, with
//     how to undo it on every node, before it is applied;
//   - an f that stops a family, without a value (every node: a resume
//     aimed at some nodes may leave others paused), clears the family's
//     entries once it succeeded; measuring fs are not recorded;
//   - Teardown clears every entry once it healed without error.
//
// An entry whose heal failed stays in the ledger for the next run.
func Wrap(n nemesis.Nemesis, c *Claim, fams faultband.Table) nemesis.Nemesis {
	if fams == nil {
		fams = faultband.Default()
	}
	return recorded{inner: n, claim: c, fams: fams}
}

type recorded struct {
	inner nemesis.Nemesis
	claim *Claim
	fams  faultband.Table
}

// Fs are the wrapped nemesis's.
func (r recorded) Fs() []string { return r.inner.Fs() }

// Setup records what the wrapped Setup may leave, then runs it.
func (r recorded) Setup(ctx context.Context, env nemesis.Env) (nemesis.Active, error) {
	a := &recordedActive{of: r, nodes: env.Nodes, open: map[string][]string{}}
	var undo []Undo
	for _, fam := range r.fams.For(r.inner.Fs()...) {
		for _, u := range undoOf(fam.Name, "") {
			if (u.Kind == Chains || u.Kind == Netem) && !slices.ContainsFunc(undo, func(v Undo) bool { return v.Kind == u.Kind }) {
				undo = append(undo, u)
			}
		}
	}
	if len(undo) > 0 {
		if err := a.record(ctx, "setup", "setup", undo); err != nil {
			return nil, err
		}
	}
	inner, err := r.inner.Setup(ctx, env)
	if err != nil {
		return nil, err // the setup entry stays: the next run heals it
	}
	a.inner = inner
	return a, nil
}

// recordedActive is a set-up recorded nemesis.
type recordedActive struct {
	of    recorded
	inner nemesis.Active
	nodes []db.Node
	mu    sync.Mutex
	open  map[string][]string // family -> ids of its entries not yet cleared
}

// Invoke records a fault before applying it, and clears a family's entries
// once a healing op succeeded.
func (a *recordedActive) Invoke(ctx context.Context, op history.Op) (history.Op, error) {
	fam, role := a.of.role(op.F)
	switch role {
	case measures:
		return a.inner.Invoke(ctx, op)
	case stops:
		out, err := a.inner.Invoke(ctx, op)
		if err == nil && out.Error == nil && op.Value == nil {
			err = a.clear(fam)
		}
		return out, err
	}
	if err := a.record(ctx, fam, op.F, undoOf(fam, op.F)); err != nil {
		return op, err // not applied: a fault nobody could heal is worse than a missed one
	}
	return a.inner.Invoke(ctx, op)
}

// Teardown heals through the wrapped nemesis and, if that worked, clears
// every entry.
func (a *recordedActive) Teardown(ctx context.Context) error {
	if err := a.inner.Teardown(ctx); err != nil {
		return err
	}
	a.mu.Lock()
	fams := make([]string, 0, len(a.open))
	for f := range a.open {
		fams = append(fams, f)
	}
	a.mu.Unlock()
	var errs []error
	for _, f := range fams {
		errs = append(errs, a.clear(f))
	}
	return errors.Join(errs...)
}

// record writes one entry, undo on every node, under family fam. A Stopped
// undo first learns which processes are stopped already on each node.
func (a *recordedActive) record(ctx context.Context, fam, fault string, undo []Undo) error {
	nodes := make([]NodeUndo, len(a.nodes))
	err := target.Each(ctx, a.nodes, func(ctx context.Context, n db.Node) error {
		i := slices.IndexFunc(a.nodes, func(m db.Node) bool { return m.Name == n.Name })
		nu := NodeUndo{Node: a.of.claim.node(n.Name), Undo: slices.Clone(undo)}
		for j, u := range nu.Undo {
			if u.Kind == Stopped {
				keep, err := stoppedNow(ctx, n)
				if err != nil {
					return err
				}
				nu.Undo[j].KeepStopped = keep
			}
		}
		nodes[i] = nu
		return nil
	})
	if err != nil {
		return err
	}
	id, err := a.of.claim.Record(fault, nodes)
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.open[fam] = append(a.open[fam], id)
	a.mu.Unlock()
	return nil
}

// clear removes the entries of family fam.
func (a *recordedActive) clear(fam string) error {
	a.mu.Lock()
	ids := a.open[fam]
	delete(a.open, fam)
	a.mu.Unlock()
	var errs []error
	for i, id := range ids {
		if err := a.of.claim.l.Clear(id); err != nil {
			errs = append(errs, err)
			a.mu.Lock()
			a.open[fam] = append(a.open[fam], ids[i:]...)
			a.mu.Unlock()
			break
		}
	}
	return errors.Join(errs...)
}

type role int

const (
	starts role = iota
	stops
	measures
)

// role finds f's family and what f does to it; an f no family knows is a
// fault of its own, recorded as one only the database undoes.
func (r recorded) role(f string) (string, role) {
	for _, fam := range r.of(f) {
		switch {
		case slices.Contains(fam.Stop, f):
			return fam.Name, stops
		case slices.Contains(fam.Measure, f):
			return fam.Name, measures
		case slices.Contains(fam.Start, f):
			return fam.Name, starts
		}
	}
	return f, starts
}

func (r recorded) of(f string) faultband.Table { return r.fams.For(f) }

// undoOf is how to undo a fault of the standard family fam (faultband's
// names), started by f.
func undoOf(fam, f string) []Undo {
	switch fam {
	case "partition":
		return []Undo{{Kind: Chains}}
	case "packet":
		return []Undo{{Kind: Chains}, {Kind: Netem}}
	case "pause":
		return []Undo{{Kind: Stopped}}
	case "clock":
		return []Undo{{Kind: Clock}}
	}
	return []Undo{{Kind: Database, Fault: f}}
}
