// Package db describes the system under test as the runner sees it: a DB is
// installed on every node before the run (Setup) and removed after it
// (Teardown). Faults that need to know how the database runs use optional
// capabilities, found by type assertion so that a DB implements only what it
// can do:
//
//   - Killer: Kill and Start the database's processes on a node.
//   - Pauser: Pause and Resume them (SIGSTOP/SIGCONT or equivalent).
//   - Primarier: which nodes currently lead (for "primaries" fault targets).
//   - LogFiler: which files to download from each node after the run.
package db

import (
	"context"
	"fmt"

	"github.com/faultline/faultline/control"
)

// Node is the view of one node that setup code gets: its name, every node of
// the test in order (so a DB can build its initial-cluster string), an open
// connection, and a barrier shared by all nodes of the same setup step.
type Node struct {
	Name  string
	Nodes []string
	Conn  control.Conn
	// Barrier blocks until every node of the current step has called it (or
	// one node's step failed, or ctx ended), the way Jepsen's synchronize
	// lets PD start on all nodes before TiKV starts on any. Nil outside a
	// setup step.
	Barrier func(ctx context.Context) error
}

// Sync calls the node's barrier; a Node without one (a single-node helper,
// a unit test) passes straight through.
func (n Node) Sync(ctx context.Context) error {
	if n.Barrier == nil {
		return nil
	}
	if err := n.Barrier(ctx); err != nil {
		return fmt.Errorf("on %s: barrier: %w", n.Name, err)
	}
	return nil
}

// DB installs and removes the database on one node. Setup runs on every node
// at once; it should leave the database ready for clients (or call
// n.Sync between steps that all nodes must finish together). Teardown must
// succeed on a node where Setup never ran or failed halfway, since it is
// also called to clean up before a run.
type DB interface {
	Setup(ctx context.Context, n Node) error
	Teardown(ctx context.Context, n Node) error
}

// Killer is a DB whose processes can be killed and restarted on one node.
type Killer interface {
	Kill(ctx context.Context, n Node) error
	Start(ctx context.Context, n Node) error
}

// Pauser is a DB whose processes can be paused and resumed on one node.
type Pauser interface {
	Pause(ctx context.Context, n Node) error
	Resume(ctx context.Context, n Node) error
}

// Primarier is a DB that can say which nodes are primaries (leaders) now.
// It is given every node, since a leader is usually found by asking any of
// them.
type Primarier interface {
	Primaries(ctx context.Context, nodes []Node) ([]string, error)
}

// LogFiler is a DB whose log files should be downloaded from each node after
// the run, into the run's folder for that node. Missing files are reported
// as warnings, not errors.
type LogFiler interface {
	LogFiles(ctx context.Context, n Node) ([]string, error)
}

// Noop is a DB that does nothing, for tests of a system someone else runs.
type Noop struct{}

// Setup does nothing.
func (Noop) Setup(context.Context, Node) error { return nil }

// Teardown does nothing.
func (Noop) Teardown(context.Context, Node) error { return nil }
