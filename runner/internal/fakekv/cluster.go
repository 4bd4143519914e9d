package fakekv

import (
	"context"
	"fmt"
	"os"
	"sync"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/nemesis"
)

// Remote connects to in-memory nodes that run nothing: every command
// succeeds with no output, and downloading a file writes a line naming the
// node and the file, so log collection can be observed.
type Remote struct{}

// Connect returns a connection to node.
func (Remote) Connect(_ context.Context, node string) (control.Conn, error) {
	return conn{node: node}, nil
}

type conn struct{ node string }

func (conn) Run(context.Context, control.Cmd) (control.Result, error) { return control.Result{}, nil }
func (conn) Upload(context.Context, string, string) error             { return nil }
func (c conn) Download(_ context.Context, remote, local string) error {
	return os.WriteFile(local, []byte(fmt.Sprintf("log of %s from %s\n", c.node, remote)), 0o644)
}
func (conn) Close() error { return nil }

// DB records which steps ran on which node, and names one log file per node.
type DB struct {
	mu    sync.Mutex
	Steps []string // "setup n1", "teardown n2", ...
}

func (d *DB) note(step string, n db.Node) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.Steps = append(d.Steps, step+" "+n.Name)
}

// Setup records the step and waits for every node at the barrier.
func (d *DB) Setup(ctx context.Context, n db.Node) error {
	d.note("setup", n)
	return n.Sync(ctx)
}

// Teardown records the step.
func (d *DB) Teardown(_ context.Context, n db.Node) error { d.note("teardown", n); return nil }

// LogFiles names the node's log.
func (d *DB) LogFiles(context.Context, db.Node) ([]string, error) {
	return []string{"/var/log/fakekv/kv.log"}, nil
}

// Count returns how many times step ran, over all nodes.
func (d *DB) Count(step string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, s := range d.Steps {
		if len(s) > len(step) && s[:len(step)+1] == step+" " {
			n++
		}
	}
	return n
}

// Slow is a nemesis that adds latency to every op (start-slow) and removes
// it (stop-slow). It must not make a correct KV look wrong. Holding no state
// of its own (the latency lives in the KV), it is its own active fault.
type Slow struct {
	KV *KV
	// Latency is added while the fault is on, in ns.
	Latency int64
	// Healed counts Teardown calls.
	Healed *int
}

func (s Slow) Setup(context.Context, nemesis.Env) (nemesis.Active, error) { return s, nil }

func (s Slow) Invoke(_ context.Context, op history.Op) (history.Op, error) {
	switch op.F {
	case "start-slow":
		s.KV.slow.Store(s.Latency)
		op.Value = s.Latency
	case "stop-slow":
		s.KV.slow.Store(0)
	}
	return op, nil
}

func (s Slow) Teardown(context.Context) error {
	s.KV.slow.Store(0)
	if s.Healed != nil {
		*s.Healed++
	}
	return nil
}

func (Slow) Fs() []string { return []string{"start-slow", "stop-slow"} }
