package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"path/filepath"

	"github.com/faultline/faultline/client"
	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/runstore"
)

// cluster is the set of nodes a run works on, with one open connection each.
type cluster struct {
	names []string
	conns control.Conns
	log   *slog.Logger
}

func connect(ctx context.Context, r control.Remote, nodes []string, log *slog.Logger) (*cluster, error) {
	conns, err := control.ConnectAll(ctx, r, nodes)
	if err != nil {
		return nil, fmt.Errorf("connecting to the nodes: %w", err)
	}
	return &cluster{names: nodes, conns: conns, log: log}, nil
}

// nodes returns the db.Node view of every node, without barriers.
func (c *cluster) nodes() []db.Node {
	out := make([]db.Node, len(c.names))
	for i, n := range c.names {
		out[i] = db.Node{Name: n, Nodes: c.names, Conn: c.conns[n]}
	}
	return out
}

// each runs step on every node at once, the nodes sharing one barrier, and
// names the nodes that failed. A node that fails breaks the barrier, so the
// others stop waiting for it.
func (c *cluster) each(ctx context.Context, what string, step func(ctx context.Context, n db.Node) error) error {
	b := db.NewBarrier(len(c.names))
	err := control.OnNodes(ctx, c.names, func(ctx context.Context, name string) error {
		n := db.Node{Name: name, Nodes: c.names, Conn: c.conns[name], Barrier: b.Wait}
		err := step(ctx, n)
		if err != nil {
			b.Fail(fmt.Errorf("%s failed on %s: %w", what, name, err))
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", what, rootCauses(err))
	}
	c.log.Info(what + " done")
	return nil
}

// rootCauses drops, from the per-node errors of a step, the nodes that only
// stopped because another node failed, so the error names the node at fault
// (unless every node reports a broken barrier).
func rootCauses(err error) error {
	var ne control.NodeErrors
	if !errors.As(err, &ne) {
		return err
	}
	roots := control.NodeErrors{}
	for node, e := range ne {
		var bb *db.BrokenBarrierError
		if !errors.As(e, &bb) {
			roots[node] = e
		}
	}
	if len(roots) == 0 {
		return err
	}
	return roots
}

// setupClients opens one client per node and calls Setup on it; the clients
// are kept for teardown.
func (c *cluster) setupClients(ctx context.Context, proto client.Client) ([]client.Client, error) {
	clients := make([]client.Client, len(c.names))
	err := control.OnNodes(ctx, c.names, func(ctx context.Context, name string) error {
		cl, err := proto.Open(ctx, name)
		if err != nil {
			return fmt.Errorf("opening client: %w", err)
		}
		for i, n := range c.names {
			if n == name {
				clients[i] = cl
			}
		}
		if err := cl.Setup(ctx); err != nil {
			return fmt.Errorf("client setup: %w", err)
		}
		return nil
	})
	if err != nil {
		return clients, fmt.Errorf("client setup: %w", err)
	}
	return clients, nil
}

// teardownClients tears down and closes the clients setupClients opened.
func teardownClients(ctx context.Context, clients []client.Client) error {
	var errs []error
	for _, cl := range clients {
		if cl == nil {
			continue
		}
		errs = append(errs, cl.Teardown(ctx), cl.Close(ctx))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("client teardown: %w", err)
	}
	return nil
}

// downloadLogs copies the DB's log files from every node into the node's
// folder of the run. A file that cannot be fetched is logged and skipped:
// missing logs must not lose the run.
func (c *cluster) downloadLogs(ctx context.Context, d db.DB, run *runstore.Run) {
	lf, ok := d.(db.LogFiler)
	if !ok {
		return
	}
	_ = control.OnNodes(ctx, c.names, func(ctx context.Context, name string) error {
		n := db.Node{Name: name, Nodes: c.names, Conn: c.conns[name]}
		files, err := lf.LogFiles(ctx, n)
		if err != nil {
			c.log.Warn("listing log files failed", "node", name, "err", err)
			return nil
		}
		dir, err := run.NodeDir(name)
		if err != nil {
			c.log.Warn("no folder for the node's logs", "node", name, "err", err)
			return nil
		}
		for _, f := range files {
			local := filepath.Join(dir, path.Base(f))
			if err := n.Conn.Download(ctx, f, local); err != nil {
				c.log.Warn("downloading a log file failed", "node", name, "file", f, "err", err)
			}
		}
		return nil
	})
}
