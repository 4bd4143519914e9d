// Package membership grows and shrinks the cluster while the test runs,
// through hooks the database implements (Member): leave takes a node out of
// the cluster, join brings one back. Every completion carries the cluster
// view the database reports after the change, so the history shows which
// nodes were members when. Teardown joins every node that left, so the
// next run starts from the full cluster.
//
// Ops: leave and join with a node name as value (nil: a random member that
// may leave without shrinking the cluster below MinSize, or a random
// non-member), completed with {:node n, :view [members...]}.
package membership

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/nemesis"
	"github.com/faultline/faultline/nemesis/target"
)

// Fs of the membership nemesis (as the report's membership band knows them).
const (
	Join  = "join"
	Leave = "leave"
)

// Member is a database whose cluster membership can change at run time.
type Member interface {
	// Members returns the nodes that are members now, as the database
	// sees them (asking any node it likes).
	Members(ctx context.Context, nodes []db.Node) ([]string, error)
	// Join adds n to the cluster; Leave removes it.
	Join(ctx context.Context, n db.Node) error
	Leave(ctx context.Context, n db.Node) error
}

// Nemesis is the factory of these faults; Setup returns the active fault.
type Nemesis struct {
	// MinSize is the fewest members leave may leave; zero: a majority of
	// all nodes.
	MinSize int
	Seed    uint64
}

// Fs returns join and leave.
func (Nemesis) Fs() []string { return []string{Join, Leave} }

// running is the active fault Nemesis.Setup returns.
type running struct {
	cfg    Nemesis // the factory, defaults filled in
	member Member
	pick   *target.Picker
	all    []string // every node of the test, members at Setup
}

// Setup checks that the DB is a Member and records the starting view.
func (p Nemesis) Setup(ctx context.Context, env nemesis.Env) (nemesis.Active, error) {
	m, ok := env.DB.(Member)
	if !ok {
		return nil, fmt.Errorf("membership faults need a database that implements membership.Member (Members, Join, Leave); %T does not", env.DB)
	}
	r := &running{cfg: p, member: m, pick: target.NewPicker(env, p.Seed)}
	if r.cfg.MinSize <= 0 {
		r.cfg.MinSize = len(env.Nodes)/2 + 1
	}
	view, err := m.Members(ctx, env.Nodes)
	if err != nil {
		return nil, fmt.Errorf("membership setup: asking the database for its members: %w", err)
	}
	r.all = view
	return r, nil
}

// Invoke performs one join or leave and reports the view after it.
func (r *running) Invoke(ctx context.Context, op history.Op) (history.Op, error) {
	if op.F != Join && op.F != Leave {
		return op, fmt.Errorf("the membership nemesis handles %s and %s, not %q", Join, Leave, op.F)
	}
	view, err := r.member.Members(ctx, r.pick.Nodes())
	if err != nil {
		return op, fmt.Errorf("asking the database for its members: %w", err)
	}
	name, err := r.choose(op, view)
	if err != nil {
		return op, err
	}
	n := r.node(name)
	if op.F == Join {
		err = r.member.Join(ctx, n)
	} else {
		err = r.member.Leave(ctx, n)
	}
	if err != nil {
		err = fmt.Errorf("%s %s: %w", op.F, name, err)
	}
	after, verr := r.member.Members(ctx, r.pick.Nodes())
	value := history.Map{{Key: history.Keyword("node"), Value: name}}
	if verr == nil {
		value = append(value, history.MapEntry{Key: history.Keyword("view"), Value: strs(after)})
	} else if err == nil {
		err = fmt.Errorf("asking the database for its members after %s %s: %w", op.F, name, verr)
	}
	op.Value = value
	return op, err
}

// choose picks the node an op acts on: the one it names, or a random one
// that the op can act on given the view.
func (r *running) choose(op history.Op, view []string) (string, error) {
	var candidates []string
	for _, n := range r.pick.Names() {
		member := slices.Contains(view, n)
		if (op.F == Join && !member) || (op.F == Leave && member) {
			candidates = append(candidates, n)
		}
	}
	if op.Value != nil {
		name, ok := op.Value.(string)
		if !ok {
			return "", fmt.Errorf("%s value %s: expected a node name or nothing", op.F, history.FormatEDN(op.Value))
		}
		if !slices.Contains(r.pick.Names(), name) {
			return "", fmt.Errorf("%s %s: not a node of this test (%s)", op.F, name, strings.Join(r.pick.Names(), ","))
		}
		return name, nil
	}
	if op.F == Leave && len(view) <= r.cfg.MinSize {
		return "", fmt.Errorf("leave: the cluster has %d members (%s), and may not shrink below %d", len(view), strings.Join(view, ","), r.cfg.MinSize)
	}
	if len(candidates) == 0 {
		return "", fmt.Errorf("join: every node is already a member (%s)", strings.Join(view, ","))
	}
	return candidates[r.pick.Intn(len(candidates))], nil
}

func (r *running) node(name string) db.Node {
	for _, n := range r.pick.Nodes() {
		if n.Name == name {
			return n
		}
	}
	return db.Node{Name: name}
}

// Teardown joins every node that was a member at Setup and is not now.
func (r *running) Teardown(ctx context.Context) error {
	view, err := r.member.Members(ctx, r.pick.Nodes())
	if err != nil {
		return fmt.Errorf("membership teardown: asking the database for its members: %w", err)
	}
	for _, name := range r.all {
		if !slices.Contains(view, name) {
			if err := r.member.Join(ctx, r.node(name)); err != nil {
				return fmt.Errorf("membership teardown: join %s: %w", name, err)
			}
		}
	}
	return nil
}

func strs(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}
