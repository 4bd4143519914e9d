package packet_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/localcluster/clustertest"
	"github.com/faultline/faultline/nemesis"
	"github.com/faultline/faultline/nemesis/internal/fw"
	"github.com/faultline/faultline/nemesis/internal/nemtest"
	"github.com/faultline/faultline/nemesis/internal/netprobe"
	"github.com/faultline/faultline/nemesis/packet"
	"github.com/faultline/faultline/nemesis/target"
)

var env *clustertest.Env

func TestMain(m *testing.M) { nemtest.Main(m, 3, &env) }

// accepted makes rounds*batch real TCP connects from fromNS ("" = the
// control node) to the test listener on to and counts the accepted ones.
func accepted(t *testing.T, fromNS string, to netip.Addr, rounds, batch int) int {
	t.Helper()
	n := 0
	for range rounds {
		targets := make([]netip.AddrPort, batch)
		for i := range targets {
			targets[i] = netip.AddrPortFrom(to, nemtest.ProbePort)
		}
		// Under 1 s, so a dropped SYN is not retransmitted.
		ok, err := netprobe.Connect(fromNS, targets, 500*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range ok {
			if o {
				n++
			}
		}
	}
	return n
}

func TestLossDropsAboutHalfFromNodesOnly(t *testing.T) {
	c, e := nemtest.Env(t, env, nil)
	t.Cleanup(func() { noRulesLeft(t, e) })
	nemtest.Listeners(t, c)
	n := nemtest.Setup(t, packet.Nemesis{Behaviour: packet.Behaviour{Loss: 0.5}, Seed: 1}, e)
	n1, _ := c.Node("n1")
	n2, _ := c.Node("n2")
	n3, _ := c.Node("n3")

	done := nemtest.Invoke(t, n, packet.Start, "n1")
	if got := history.FormatEDN(nemtest.Get(t, done, "nodes")); got != `["n1"]` {
		t.Fatalf("start-packet n1 reported nodes %s", got)
	}
	if loss := nemtest.Get(t, done, "loss"); loss != 0.5 {
		t.Fatalf("start-packet reported loss %v, want 0.5", loss)
	}
	const rounds, batch = 8, 50
	got := accepted(t, "/run/netns/"+n2.NetNS, n1.Addr, rounds, batch)
	t.Logf("n2 -> n1 at loss 0.5: %d of %d connects accepted", got, rounds*batch)
	if got < rounds*batch*30/100 || got > rounds*batch*70/100 {
		t.Errorf("n2 -> n1 at loss 0.5: %d of %d connects accepted; want roughly half", got, rounds*batch)
	}
	if got := accepted(t, "", n1.Addr, 2, batch); got != 2*batch {
		t.Errorf("control -> n1 at loss 0.5: %d of %d accepted; the control node's traffic must never be dropped", got, 2*batch)
	}
	if got := accepted(t, "/run/netns/"+n2.NetNS, n3.Addr, 2, batch); got != 2*batch {
		t.Errorf("n2 -> n3 (not targeted): %d of %d accepted", got, 2*batch)
	}

	nemtest.Invoke(t, n, packet.Stop, nil)
	if got := accepted(t, "/run/netns/"+n2.NetNS, n1.Addr, 2, batch); got != 2*batch {
		t.Errorf("n2 -> n1 after stop-packet: %d of %d accepted", got, 2*batch)
	}
}

func TestDelayNeedsNetem(t *testing.T) {
	_, e := nemtest.Env(t, env, nil)
	n, err := packet.Nemesis{Behaviour: packet.Slow}.Setup(context.Background(), e)
	if err == nil {
		// A kernel with netem: the delay must really be installed, and go.
		t.Cleanup(func() { n.Teardown(context.Background()) })
		nemtest.Invoke(t, n, packet.Start, "n2")
		if q := qdiscs(t, e, 1); !strings.Contains(q, "netem") {
			t.Fatalf("start-packet slow on n2: qdiscs %q have no netem", q)
		}
		nemtest.Invoke(t, n, packet.Stop, nil)
		if q := qdiscs(t, e, 1); strings.Contains(q, "netem") {
			t.Fatalf("after stop-packet n2 still has %q", q)
		}
		return
	}
	if !errors.Is(err, packet.ErrNoNetem) || !strings.Contains(err.Error(), "unsupported on this kernel") || !strings.Contains(err.Error(), "on n1") {
		t.Fatalf("setup of a slow packet nemesis on a kernel without netem: %v; want ErrNoNetem naming the node", err)
	}
}

func TestBadBehavioursAndTargets(t *testing.T) {
	for b, want := range map[packet.Behaviour]string{
		{Reorder: 0.1}:                   "reorder 0.1 without a delay",
		{Corrupt: 2}:                     "packet corrupt 2: expected a probability",
		{Rate: -1}:                       "packet rate -1",
		{Loss: 1.5}:                      "expected a probability",
		{}:                               "does nothing",
		{Loss: 0.1, Jitter: time.Second}: "jitter 1s without a delay",
	} {
		if err := b.Validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate(%+v) = %v; want %q", b, err, want)
		}
	}
	args := packet.Behaviour{Delay: 50 * time.Millisecond, Jitter: 10 * time.Millisecond, Corrupt: 0.01, Duplicate: 0.2, Reorder: 0.25, Rate: 1000000}.NetemArgs()
	if got := strings.Join(args, " "); got != "delay 50000us 10000us corrupt 1% duplicate 20% reorder 25% rate 1000000bit" {
		t.Errorf("netem args %q", got)
	}
	if got := packet.Flaky.NetemArgs(); len(got) != 0 {
		t.Errorf("loss alone needs no netem, got %v", got)
	}
	_, e := nemtest.Env(t, env, nil)
	if dup, err := (packet.Nemesis{Behaviour: packet.Behaviour{Duplicate: 0.5}}).Setup(context.Background(), e); err == nil {
		dup.Teardown(context.Background())
	} else if !errors.Is(err, packet.ErrNoNetem) {
		t.Errorf("duplicate on this kernel: %v; want it to work or ErrNoNetem", err)
	}
	n := nemtest.Setup(t, packet.Nemesis{Behaviour: packet.Flaky, Targets: target.MustParse("majority")}, e)
	done := nemtest.Call(n, packet.Start, "n7")
	if msg, _ := done.Error.(string); !strings.Contains(msg, `"n7" is not one of the nodes`) {
		t.Errorf("start-packet n7: %v", done.Error)
	}
	done = nemtest.Invoke(t, n, packet.Start, nil)
	if got := len(nemtest.Get(t, done, "nodes").([]any)); got != 2 {
		t.Errorf("default target majority of 3 hit %d nodes", got)
	}
}

func qdiscs(t *testing.T, e nemesis.Env, i int) string {
	t.Helper()
	res, err := e.Nodes[i].Conn.Run(context.Background(), control.Cmd{Argv: []string{"tc", "qdisc", "show"}})
	if err != nil {
		t.Fatal(err)
	}
	return string(res.Stdout)
}

func noRulesLeft(t *testing.T, e nemesis.Env) {
	for _, node := range e.Nodes {
		rules, err := fw.Rules(context.Background(), node, packet.Chain)
		if err != nil || len(rules) > 0 {
			t.Errorf("after teardown %s still has %v (%v)", node.Name, rules, err)
		}
	}
}
