package partition_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/localcluster"
	"github.com/faultline/faultline/localcluster/clustertest"
	"github.com/faultline/faultline/nemesis"
	"github.com/faultline/faultline/nemesis/grudge"
	"github.com/faultline/faultline/nemesis/internal/fw"
	"github.com/faultline/faultline/nemesis/internal/nemtest"
	"github.com/faultline/faultline/nemesis/internal/netprobe"
	"github.com/faultline/faultline/nemesis/partition"
)

// env is a five-node local cluster (five, so that a majorities ring has
// distinct majorities), built once for the package.
var env *clustertest.Env

func TestMain(m *testing.M) { nemtest.Main(m, 5, &env) }

// primaries is a DB that names fixed primaries.
type primaries struct {
	db.Noop
	names []string
}

func (p primaries) Primaries(context.Context, []db.Node) ([]string, error) { return p.names, nil }

func setup(t *testing.T, d db.DB) (*localcluster.Cluster, nemesis.Active) {
	t.Helper()
	c, e := nemtest.Env(t, env, d)
	nemtest.Listeners(t, c)
	t.Cleanup(func() { // runs after the teardown registered by Setup below
		for _, node := range e.Nodes {
			rules, err := fw.Rules(context.Background(), node, partition.Chain)
			if err != nil || len(rules) > 0 {
				t.Errorf("after teardown %s still has %v (%v)", node.Name, rules, err)
			}
		}
	})
	return c, nemtest.Setup(t, partition.Nemesis{Seed: 42}, e)
}

// reach probes every ordered pair of nodes with a real TCP connect from the
// first node's namespace to a listener on the second, and the control
// node's connect to every node's sshd.
func reach(t *testing.T, c *localcluster.Cluster) (pairs map[[2]string]bool, control map[string]bool) {
	t.Helper()
	pairs, control = map[[2]string]bool{}, map[string]bool{}
	for _, from := range c.Nodes {
		var targets []netip.AddrPort
		var names []string
		for _, to := range c.Nodes {
			if to.Name != from.Name {
				targets = append(targets, netip.AddrPortFrom(to.Addr, nemtest.ProbePort))
				names = append(names, to.Name)
			}
		}
		ok, err := netprobe.Connect("/run/netns/"+from.NetNS, targets, 400*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		for i, to := range names {
			pairs[[2]string{from.Name, to}] = ok[i]
		}
	}
	var targets []netip.AddrPort
	for _, n := range c.Nodes {
		targets = append(targets, netip.AddrPortFrom(n.Addr, 22))
	}
	ok, err := netprobe.Connect("", targets, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range c.Nodes {
		control[n.Name] = ok[i]
	}
	return pairs, control
}

func TestEachShapeBlocksExactlyItsPairs(t *testing.T) {
	c, n := setup(t, primaries{names: []string{"n2"}})
	for _, shape := range grudge.Shapes {
		t.Run(string(shape), func(t *testing.T) {
			done := nemtest.Invoke(t, n, partition.Start, string(shape))
			m := done.Value.(history.Map)
			if s, _ := m.Get(history.Keyword("shape")); s != string(shape) {
				t.Fatalf("value %s does not name shape %s", history.FormatEDN(done.Value), shape)
			}
			gv, _ := m.Get(history.Keyword("grudge"))
			g, err := partition.GrudgeFromValue(gv)
			if err != nil {
				t.Fatal(err)
			}
			if len(g.Pairs()) == 0 {
				t.Fatalf("shape %s cut nothing: %s", shape, g)
			}
			pairs, ctl := reach(t, c)
			for pair, ok := range pairs {
				from, to := pair[0], pair[1]
				// A TCP connect needs both directions: to must accept from's
				// SYN and from must accept to's SYN-ACK.
				want := !g.Blocks(to, from) && !g.Blocks(from, to)
				if ok != want {
					t.Errorf("%s -> %s connected=%v under %s (%s); want %v", from, to, ok, shape, g, want)
				}
			}
			for node, ok := range ctl {
				if !ok {
					t.Errorf("control node cannot reach %s during %s", node, shape)
				}
			}
			nemtest.Invoke(t, n, partition.Stop, nil)
			pairs, ctl = reach(t, c)
			for pair, ok := range pairs {
				if !ok {
					t.Errorf("after stop-partition %s -> %s is still blocked", pair[0], pair[1])
				}
			}
			for node, ok := range ctl {
				if !ok {
					t.Errorf("control node cannot reach %s after heal", node)
				}
			}
		})
	}
}

func TestExplicitGrudgeAndBadValues(t *testing.T) {
	c, n := setup(t, db.Noop{})
	g := history.Map{{Key: "n1", Value: []any{"n3"}}}
	nemtest.Invoke(t, n, partition.Start, g)
	pairs, _ := reach(t, c)
	for pair, ok := range pairs {
		cut := (pair[0] == "n1" && pair[1] == "n3") || (pair[0] == "n3" && pair[1] == "n1")
		if ok == cut {
			t.Errorf("explicit grudge n1 drops n3: %s -> %s connected=%v", pair[0], pair[1], ok)
		}
	}
	for _, c := range []struct {
		v    any
		want string
	}{
		{"triangle", `unknown partition shape "triangle"`},
		{"primaries", "does not implement db.Primarier"},
		{history.Map{{Key: "n1", Value: []any{"n9"}}}, `names "n9", which is not a node of this test`},
		{int64(3), "expected nothing, a shape name"},
	} {
		done := nemtest.Call(n, partition.Start, c.v)
		if msg, _ := done.Error.(string); !strings.Contains(msg, c.want) {
			t.Errorf("start-partition %v: error %v; want it to say %q", c.v, done.Error, c.want)
		}
	}
}
