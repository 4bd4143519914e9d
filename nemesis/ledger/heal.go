package ledger

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/nemesis/target"
)

// Heal undoes, on the claim's nodes, everything Faultline may have left
// there: first what the ledger's leftover entries (of claims that are not
// live) hold for these nodes, then a sweep of every kind in SweepKinds
// whatever the ledger says (a ledger on another control node, or one that
// was removed, knows nothing of them). nodes are the claim's nodes with
// open connections. It returns what it found and undid; entries it healed
// are cleared, and claims left with no entries are dropped. Holding the
// claim is what makes this safe: no live run holds these nodes.
func (c *Claim) Heal(ctx context.Context, nodes []db.Node) ([]Found, error) {
	var mu sync.Mutex
	var found []Found
	add := func(f []Found) {
		mu.Lock()
		found = append(found, f...)
		mu.Unlock()
	}
	entries, err := c.leftovers()
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, e := range entries {
		var rest []NodeUndo
		var healed []string
		err := target.Each(ctx, nodes, func(ctx context.Context, n db.Node) error {
			for _, nu := range e.Nodes {
				if nu.ID != c.node(n.Name).ID {
					continue
				}
				for _, u := range nu.Undo {
					f, err := u.run(ctx, n, true)
					if err != nil {
						return err
					}
					add(f)
				}
				mu.Lock()
				healed = append(healed, nu.ID)
				mu.Unlock()
			}
			return nil
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("healing %s of run %s: %w", e.Fault, e.Run, err))
			continue
		}
		for _, nu := range e.Nodes {
			if !slices.Contains(healed, nu.ID) {
				rest = append(rest, nu)
			}
		}
		if err := c.l.settle(e, rest); err != nil {
			errs = append(errs, err)
		}
	}
	err = target.Each(ctx, nodes, func(ctx context.Context, n db.Node) error {
		for _, k := range SweepKinds {
			f, err := Undo{Kind: k}.run(ctx, n, true)
			if err != nil {
				return err
			}
			add(f)
		}
		return nil
	})
	errs = append(errs, err, c.l.dropEmptyClaims())
	return found, errors.Join(errs...)
}

// leftovers are the entries of claims that are not live, except the
// caller's own (a claim never heals itself: its run does).
func (c *Claim) leftovers() ([]Entry, error) {
	entries, err := c.l.Entries()
	if err != nil {
		return nil, err
	}
	live, err := c.l.liveClaims()
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(entries, func(e Entry) bool { return e.Claim == c.rec.ID || live[e.Claim] }), nil
}

// liveClaims is the set of ids of live claims.
func (l *Ledger) liveClaims() (map[string]bool, error) {
	claims, err := l.Claims()
	if err != nil {
		return nil, err
	}
	live := map[string]bool{}
	for _, cl := range claims {
		if ok, _ := cl.Live(); ok {
			live[cl.ID] = true
		}
	}
	return live, nil
}

// settle clears e if no node is left to heal, or rewrites it with the
// nodes that are (nodes of another cluster, or one not reached).
func (l *Ledger) settle(e Entry, rest []NodeUndo) error {
	if len(rest) == 0 {
		return l.Clear(e.ID)
	}
	if len(rest) == len(e.Nodes) {
		return nil
	}
	e.Nodes = rest
	return writeJSON(l.entryPath(e.ID), e)
}

// dropEmptyClaims removes claims that are not live and own no entry.
func (l *Ledger) dropEmptyClaims() error {
	unlock, err := l.lock()
	if err != nil {
		return err
	}
	defer unlock()
	claims, err := l.Claims()
	if err != nil {
		return err
	}
	entries, err := l.Entries()
	if err != nil {
		return err
	}
	var errs []error
	for _, cl := range claims {
		if ok, _ := cl.Live(); ok || slices.ContainsFunc(entries, func(e Entry) bool { return e.Claim == cl.ID }) {
			continue
		}
		errs = append(errs, l.removeClaim(cl.ID))
	}
	return errors.Join(errs...)
}

// Status is what `faultline cluster status` shows of leftover faults.
type Status struct {
	// Entries are the ledger's entries, each with whether its owner lives.
	Entries []EntryStatus
	// Found is what a sweep of the nodes finds now (nothing is changed).
	Found []Found
}

// EntryStatus is an entry and its owner's liveness.
type EntryStatus struct {
	Entry
	Live bool
	Why  string
}

// Look reports the ledger's entries and, on nodes, the leftovers a sweep
// would undo, without changing anything.
func (l *Ledger) Look(ctx context.Context, nodes []db.Node) (Status, error) {
	var st Status
	entries, err := l.Entries()
	if err != nil {
		return st, err
	}
	claims, err := l.Claims()
	if err != nil {
		return st, err
	}
	for _, e := range entries {
		es := EntryStatus{Entry: e, Why: "its claim is gone: a leftover"}
		if i := slices.IndexFunc(claims, func(c ClaimRecord) bool { return c.ID == e.Claim }); i >= 0 {
			es.Live, es.Why = claims[i].Live()
		}
		st.Entries = append(st.Entries, es)
	}
	var mu sync.Mutex
	err = target.Each(ctx, nodes, func(ctx context.Context, n db.Node) error {
		f, err := Leftovers(ctx, n)
		mu.Lock()
		st.Found = append(st.Found, f...)
		mu.Unlock()
		return err
	})
	return st, err
}

// Leftovers is what a sweep of n would undo (SweepKinds), found without
// changing anything.
func Leftovers(ctx context.Context, n db.Node) ([]Found, error) {
	var found []Found
	for _, k := range SweepKinds {
		f, err := Undo{Kind: k}.run(ctx, n, false)
		if err != nil {
			return found, err
		}
		found = append(found, f...)
	}
	return found, nil
}
