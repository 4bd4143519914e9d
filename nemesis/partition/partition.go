// Package partition cuts the network between test nodes with iptables, by
// grudge (see nemesis/grudge): start-partition makes every node drop the
// packets of the nodes it holds a grudge against, stop-partition heals. The
// rules live in a chain of their own on each node (faultline-partition) and
// match only other test nodes' addresses, so the control node keeps
// reaching every node over SSH while the cluster is cut.
//
// Ops: start-partition with value nil (a random one of Shapes), a shape name
// ("halves", "majorities-ring", ...), or a grudge (map of node -> nodes it
// drops); its completion's value is {:shape s, :grudge {node [nodes]}}.
// stop-partition's completion is {:healed [every node]}.
package partition

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sort"

	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/nemesis"
	"github.com/faultline/faultline/nemesis/grudge"
	"github.com/faultline/faultline/nemesis/internal/fw"
	"github.com/faultline/faultline/nemesis/target"
)

// Chain is the iptables chain holding the partition's rules on each node.
const Chain = "faultline-partition"

// Fs the partition nemesis handles.
const (
	Start = "start-partition"
	Stop  = "stop-partition"
)

// Nemesis is the factory of partitions: which shapes a start-partition
// without a value chooses from (all but primaries when empty), and the seed
// of its choices.
type Nemesis struct {
	Shapes []grudge.Shape
	Seed   uint64
}

// running is the active fault Nemesis.Setup returns.
type running struct {
	pick   *target.Picker
	addrs  map[string]map[string]netip.Addr // node -> other node -> address as node sees it
	shapes []grudge.Shape
}

// Fs returns start-partition and stop-partition.
func (Nemesis) Fs() []string { return []string{Start, Stop} }

// Setup checks iptables on every node, creates the chain, heals anything
// left from an earlier run, and resolves every node's peers' addresses.
func (p Nemesis) Setup(ctx context.Context, env nemesis.Env) (nemesis.Active, error) {
	r := &running{pick: target.NewPicker(env, p.Seed), addrs: map[string]map[string]netip.Addr{}, shapes: p.Shapes}
	if len(r.shapes) == 0 {
		for _, s := range grudge.Shapes {
			if s != grudge.ShapePrimaries {
				r.shapes = append(r.shapes, s)
			}
		}
	}
	results := make(chan struct {
		name  string
		addrs map[string]netip.Addr
	}, len(env.Nodes))
	err := target.Each(ctx, env.Nodes, func(ctx context.Context, n db.Node) error {
		if err := fw.Ensure(ctx, n, Chain); err != nil {
			return err
		}
		if err := fw.Flush(ctx, n, Chain); err != nil {
			return err
		}
		a, err := fw.Addrs(ctx, n)
		if err != nil {
			return err
		}
		results <- struct {
			name  string
			addrs map[string]netip.Addr
		}{n.Name, a}
		return nil
	})
	close(results)
	for res := range results {
		r.addrs[res.name] = res.addrs
	}
	if err != nil {
		r.Teardown(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("partition setup: %w", err)
	}
	return r, nil
}

// Invoke applies or heals a partition.
func (r *running) Invoke(ctx context.Context, op history.Op) (history.Op, error) {
	switch op.F {
	case Start:
		shape, g, err := r.grudgeOf(ctx, op.Value)
		if err != nil {
			return op, err
		}
		if err := r.apply(ctx, g); err != nil {
			return op, err
		}
		op.Value = history.Map{{Key: history.Keyword("shape"), Value: string(shape)}, {Key: history.Keyword("grudge"), Value: grudgeValue(g)}}
		return op, nil
	case Stop:
		if err := target.Each(ctx, r.pick.Nodes(), func(ctx context.Context, n db.Node) error { return fw.Flush(ctx, n, Chain) }); err != nil {
			return op, err
		}
		op.Value = history.Map{{Key: history.Keyword("healed"), Value: target.Names(r.pick.Nodes())}}
		return op, nil
	}
	return op, fmt.Errorf("the partition nemesis handles %s and %s, not %q", Start, Stop, op.F)
}

// grudgeOf reads a start-partition value: nothing, a shape, or a grudge.
func (r *running) grudgeOf(ctx context.Context, v any) (grudge.Shape, grudge.Grudge, error) {
	var shape grudge.Shape
	switch v := v.(type) {
	case nil:
		shape = r.shapes[r.pick.Intn(len(r.shapes))]
	case string:
		shape = grudge.Shape(v)
	case history.Keyword:
		shape = grudge.Shape(v)
	case grudge.Grudge:
		return "explicit", v, r.known(v)
	default:
		g, err := GrudgeFromValue(v)
		if err != nil {
			return "", nil, err
		}
		return "explicit", g, r.known(g)
	}
	var primaries []string
	if shape == grudge.ShapePrimaries {
		var err error
		if primaries, err = r.pick.Primaries(ctx); err != nil {
			return "", nil, err
		}
	}
	seed := uint64(r.pick.Intn(1 << 30))
	g, err := grudge.Of(shape, r.pick.Names(), primaries, newRand(seed))
	return shape, g, err
}

// known checks that an explicit grudge names only test nodes.
func (r *running) known(g grudge.Grudge) error {
	for _, pair := range g.Pairs() {
		for _, n := range pair {
			if _, ok := r.addrs[n]; !ok {
				return fmt.Errorf("grudge %s names %q, which is not a node of this test", g, n)
			}
		}
	}
	return nil
}

// apply makes every node drop exactly what g says (and nodes without a
// grudge drop nothing).
func (r *running) apply(ctx context.Context, g grudge.Grudge) error {
	return target.Each(ctx, r.pick.Nodes(), func(ctx context.Context, n db.Node) error {
		var from []netip.Addr
		for _, f := range g[n.Name] {
			if f == n.Name {
				continue
			}
			from = append(from, r.addrs[n.Name][f])
		}
		return fw.Apply(ctx, n, Chain, from, nil)
	})
}

// Teardown flushes and removes the chain on every node.
func (r *running) Teardown(ctx context.Context) error {
	return target.Each(ctx, r.pick.Nodes(), func(ctx context.Context, n db.Node) error { return fw.Remove(ctx, n, Chain) })
}

// grudgeValue renders a grudge as an EDN-shaped map, nodes sorted.
func grudgeValue(g grudge.Grudge) history.Map {
	keys := make([]string, 0, len(g))
	for k, v := range g {
		if len(v) > 0 {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	out := make(history.Map, len(keys))
	for i, k := range keys {
		froms := append([]string(nil), g[k]...)
		sort.Strings(froms)
		vs := make([]any, len(froms))
		for j, f := range froms {
			vs[j] = f
		}
		out[i] = history.MapEntry{Key: k, Value: vs}
	}
	return out
}

// GrudgeFromValue reads a grudge given as an op value: a map of node name
// to a list of node names (as EDN or JSON histories carry it).
func GrudgeFromValue(v any) (grudge.Grudge, error) {
	m, ok := v.(history.Map)
	if !ok {
		return nil, fmt.Errorf("start-partition value %s: expected nothing, a shape name (%v) or a grudge map {node [nodes it drops]}", history.FormatEDN(v), grudge.Shapes)
	}
	g := grudge.Grudge{}
	for _, e := range m {
		to, ok := history.AsString(e.Key)
		if !ok {
			return nil, fmt.Errorf("grudge key %s: expected a node name", history.FormatEDN(e.Key))
		}
		froms, ok := history.AsSlice(e.Value)
		if !ok {
			return nil, fmt.Errorf("grudge of %s: %s: expected a list of node names", to, history.FormatEDN(e.Value))
		}
		for _, f := range froms {
			s, ok := history.AsString(f)
			if !ok {
				return nil, fmt.Errorf("grudge of %s: %s: expected a node name", to, history.FormatEDN(f))
			}
			g[to] = append(g[to], s)
		}
	}
	return g, nil
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x67727564)) }
