package realcluster_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/checker/linear"
	"github.com/faultline/faultline/checker/linear/model"
	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/localcluster"
	"github.com/faultline/faultline/nemesis/partition"
	"github.com/faultline/faultline/runner"
	"github.com/faultline/faultline/runner/internal/fakekv"
	"github.com/faultline/faultline/runstore"
)

// firewall returns the node's filter rules (iptables -S) that are the
// partition's: its chain, jumps to it, and DROP rules. (iptables-nft 1.8.9
// calls a chain that does not exist "incompatible", so the whole table is
// listed rather than the chain.)
func firewall(c *localcluster.Cluster, node string) ([]string, error) {
	conn, err := c.Remote().Connect(context.Background(), node)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	res, err := conn.Run(context.Background(), control.Cmd{Argv: []string{"iptables", "-w", "-S"}})
	if err != nil {
		return nil, fmt.Errorf("listing the filter table on %s: %w", node, err)
	}
	var rules []string
	for _, l := range strings.Split(string(res.Stdout), "\n") {
		if strings.Contains(l, partition.Chain) || strings.Contains(l, "DROP") {
			rules = append(rules, l)
		}
	}
	return rules, nil
}

// dropping reports whether rules hold a DROP rule.
func dropping(rules []string) bool {
	for _, r := range rules {
		if strings.Contains(r, "-j DROP") {
			return true
		}
	}
	return false
}

// TestInterruptedRunHealsARealPartition cuts the cluster in halves with
// iptables, interrupts the run while the partition stands, and checks that
// the runner's teardown healed every node.
func TestInterruptedRunHealsARealPartition(t *testing.T) {
	c := env.Need(t)
	kv := fakekv.NewKV(0)
	kv.SetLatency(time.Millisecond)
	test := &runner.Test{
		Name: "partition", Nodes: c.NodeNames(), Remote: c.Remote(),
		DB: markerDB{}, Client: &fakekv.Client{KV: kv},
		Nemesis: partition.Nemesis{Seed: 1},
		Generator: generator.Any(
			generator.Nemesis(generator.Invoke(partition.Start, "halves")),
			generator.Clients(generator.Repeat(generator.Invoke("read", nil)))),
		Checker:     linear.New(model.CASRegister(nil), linear.Options{}),
		Concurrency: 3, Store: &runstore.Store{Root: t.TempDir()}, Output: &bytes.Buffer{},
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	var out runner.Outcome
	var err error
	go func() {
		defer close(done)
		out, err = runner.Run(ctx, test)
	}()
	// Interrupt once the partition is really in place on a node.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if rules, _ := firewall(c, c.NodeNames()[0]); dropping(rules) {
			break
		}
		if time.Now().After(deadline) {
			cancel()
			<-done
			t.Fatalf("no partition rule appeared within 30s; log:\n%s", test.Output)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("the run did not stop within 60s of the interrupt")
	}
	if err != nil || !out.Interrupted {
		t.Fatalf("run: %v, interrupted %v\n%s", err, out.Interrupted, test.Output)
	}
	for _, node := range c.NodeNames() {
		rules, err := firewall(c, node)
		if err != nil {
			t.Fatal(err)
		}
		if len(rules) > 0 {
			t.Errorf("%s still has partition rules after the interrupted run: %v", node, rules)
		}
	}
	// The rule seen on the first node proves the fault was applied; the
	// interrupt may land before the nemesis finished the other nodes, so
	// its completion is recorded as info with or without an error.
	var started bool
	for _, op := range out.History.All() {
		if op.F == partition.Start && op.Type == history.Info {
			started = true
		}
	}
	if !started {
		t.Fatalf("no start-partition completion in the history")
	}
}
