package membership

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/nemesis"
)

// cluster is an in-memory Member: a set of member names.
type cluster struct {
	db.Noop
	members []string
	log     []string
}

func (c *cluster) Members(context.Context, []db.Node) ([]string, error) {
	return slices.Clone(c.members), nil
}
func (c *cluster) Join(_ context.Context, n db.Node) error {
	c.log = append(c.log, "join "+n.Name)
	if !slices.Contains(c.members, n.Name) {
		c.members = append(c.members, n.Name)
		slices.Sort(c.members)
	}
	return nil
}
func (c *cluster) Leave(_ context.Context, n db.Node) error {
	c.log = append(c.log, "leave "+n.Name)
	c.members = slices.DeleteFunc(c.members, func(m string) bool { return m == n.Name })
	return nil
}

func envOf(d db.DB, names ...string) nemesis.Env {
	var nodes []db.Node
	for _, n := range names {
		nodes = append(nodes, db.Node{Name: n, Nodes: names})
	}
	return nemesis.Env{Nodes: nodes, DB: d}
}

func call(n nemesis.Active, f string, v any) history.Op {
	return nemesis.Call(context.Background(), n, history.Op{Type: history.Invoke, Process: history.NemesisProcess, F: f, Value: v})
}

func TestLeaveAndJoinCarryTheView(t *testing.T) {
	c := &cluster{members: []string{"n1", "n2", "n3", "n4", "n5"}}
	n, err := Nemesis{Seed: 5}.Setup(context.Background(), envOf(c, "n1", "n2", "n3", "n4", "n5"))
	if err != nil {
		t.Fatal(err)
	}
	done := call(n, Leave, "n2")
	if got := history.FormatEDN(done.Value); got != `{:node "n2", :view ["n1" "n3" "n4" "n5"]}` || done.Error != nil {
		t.Fatalf("leave n2: %s (%v)", got, done.Error)
	}
	call(n, Leave, nil)
	// Three of five left: a majority; a random leave must refuse.
	bad := call(n, Leave, nil)
	if msg, _ := bad.Error.(string); !strings.Contains(msg, "may not shrink below 3") {
		t.Fatalf("leave below a majority: %v", bad.Error)
	}
	if len(c.members) != 3 {
		t.Fatalf("members %v after two leaves", c.members)
	}
	done = call(n, Join, nil)
	view, _ := done.Value.(history.Map).Get(history.Keyword("view"))
	if len(view.([]any)) != 4 {
		t.Fatalf("join: view %s, want 4 members", history.FormatEDN(view))
	}
	if err := n.Teardown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.members, []string{"n1", "n2", "n3", "n4", "n5"}) {
		t.Fatalf("after teardown members are %v, want all five back", c.members)
	}
}

func TestBadMembershipOps(t *testing.T) {
	if _, err := (Nemesis{}).Setup(context.Background(), envOf(db.Noop{}, "n1")); err == nil || !strings.Contains(err.Error(), "membership.Member") {
		t.Fatalf("setup on a DB without membership: %v", err)
	}
	c := &cluster{members: []string{"n1", "n2", "n3"}}
	n, _ := Nemesis{}.Setup(context.Background(), envOf(c, "n1", "n2", "n3"))
	for _, tc := range []struct {
		f    string
		v    any
		want string
	}{
		{Join, nil, "every node is already a member"},
		{Leave, "n9", "n9: not a node of this test"},
		{Leave, int64(1), "expected a node name"},
		{"grow", nil, `not "grow"`},
	} {
		done := call(n, tc.f, tc.v)
		if msg, _ := done.Error.(string); !strings.Contains(msg, tc.want) {
			t.Errorf("%s %v: %v; want %q", tc.f, tc.v, done.Error, tc.want)
		}
	}
}
