package target

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/nemesis"
)

// Picker resolves specs against a running test: its nodes (with their
// connections), and its DB for the primaries. It is safe for concurrent use.
type Picker struct {
	nodes []db.Node
	names []string
	d     db.DB
	mu    sync.Mutex
	r     *rand.Rand
}

// NewPicker picks among env's nodes with randomness seeded by seed.
func NewPicker(env nemesis.Env, seed uint64) *Picker {
	p := &Picker{nodes: env.Nodes, d: env.DB, r: rand.New(rand.NewPCG(seed, 0x6e656d))}
	for _, n := range env.Nodes {
		p.names = append(p.names, n.Name)
	}
	return p
}

// Names lists every node, in order.
func (p *Picker) Names() []string { return p.names }

// Nodes lists every node, in order.
func (p *Picker) Nodes() []db.Node { return p.nodes }

// Intn draws a random int in [0, n) from the picker's source, so that a
// nemesis's other choices (a shape, an offset) follow the same seed.
func (p *Picker) Intn(n int) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.r.IntN(n)
}

// Float64 draws a random float in [0, 1) from the picker's source.
func (p *Picker) Float64() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.r.Float64()
}

// Primaries asks the DB for its primaries; a DB that cannot say is an error
// that names the missing capability.
func (p *Picker) Primaries(ctx context.Context) ([]string, error) {
	pr, ok := p.d.(db.Primarier)
	if !ok {
		return nil, fmt.Errorf("the database (%T) does not implement db.Primarier, so it cannot say which nodes are primaries", p.d)
	}
	out, err := pr.Primaries(ctx, p.nodes)
	if err != nil {
		return nil, fmt.Errorf("asking the database for its primaries: %w", err)
	}
	return out, nil
}

// Pick resolves spec to nodes.
func (p *Picker) Pick(ctx context.Context, spec Spec) ([]db.Node, error) {
	var primaries []string
	if spec.Kind == Primaries {
		var err error
		if primaries, err = p.Primaries(ctx); err != nil {
			return nil, err
		}
	}
	p.mu.Lock()
	names, err := spec.Resolve(p.names, primaries, p.r)
	p.mu.Unlock()
	if err != nil {
		return nil, err
	}
	out := make([]db.Node, 0, len(names))
	for _, n := range names {
		for _, node := range p.nodes {
			if node.Name == n {
				out = append(out, node)
			}
		}
	}
	return out, nil
}

// PickValue resolves the target spec an op carries as its value (see
// SpecOf; nil means def).
func (p *Picker) PickValue(ctx context.Context, value any, def Spec) ([]db.Node, error) {
	spec, err := SpecOf(value, def)
	if err != nil {
		return nil, err
	}
	return p.Pick(ctx, spec)
}

// SpecOf reads the target spec an op carries as its value: nil means def, a
// string is parsed, a list of strings is a List. Anything else is an error
// saying what was expected.
func SpecOf(value any, def Spec) (Spec, error) {
	switch v := value.(type) {
	case nil:
		return def, nil
	case string:
		return Parse(v)
	case []string:
		return Spec{Kind: List, Nodes: v}, nil
	case []any:
		names := make([]string, len(v))
		for i, x := range v {
			s, ok := x.(string)
			if !ok {
				return Spec{}, fmt.Errorf("target list element %d is %v (%T): expected a node name", i, x, x)
			}
			names[i] = s
		}
		return Spec{Kind: List, Nodes: names}, nil
	}
	return Spec{}, fmt.Errorf("op value %v (%T): expected a target spec (a string such as \"majority\" or \"n1+n2\") or nothing", value, value)
}

// Each runs f on every node at once and names the nodes on which it failed.
func Each(ctx context.Context, nodes []db.Node, f func(ctx context.Context, n db.Node) error) error {
	byName := make(map[string]db.Node, len(nodes))
	names := make([]string, len(nodes))
	for i, n := range nodes {
		byName[n.Name], names[i] = n, n.Name
	}
	return control.OnNodes(ctx, names, func(ctx context.Context, name string) error { return f(ctx, byName[name]) })
}

// Names lists the names of nodes as EDN-friendly values, for op values.
func Names(nodes []db.Node) []any {
	out := make([]any, len(nodes))
	for i, n := range nodes {
		out[i] = n.Name
	}
	return out
}
