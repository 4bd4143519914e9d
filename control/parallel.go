package control

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// NodeErrors holds the errors of the nodes on which a parallel call failed,
// by node name. Nodes that succeeded are absent.
type NodeErrors map[string]error

func (e NodeErrors) Error() string {
	nodes := make([]string, 0, len(e))
	for n := range e {
		nodes = append(nodes, n)
	}
	sort.Strings(nodes)
	lines := make([]string, 0, len(nodes))
	for _, n := range nodes {
		lines = append(lines, fmt.Sprintf("%s: %v", n, e[n]))
	}
	return fmt.Sprintf("%d of the nodes failed:\n  %s", len(e), strings.Join(lines, "\n  "))
}

// Unwrap exposes every node's error to errors.Is and errors.As.
func (e NodeErrors) Unwrap() []error {
	out := make([]error, 0, len(e))
	for _, err := range e {
		out = append(out, err)
	}
	return out
}

// OnNodes calls f for every node at once and waits for all of them. It
// returns nil when every call succeeded, and otherwise a NodeErrors naming
// each node that failed: one slow or broken node does not hide the others'
// outcome, and no call is cancelled because another failed.
func OnNodes(ctx context.Context, nodes []string, f func(ctx context.Context, node string) error) error {
	var (
		mu   sync.Mutex
		errs = NodeErrors{}
		wg   sync.WaitGroup
	)
	for _, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := f(ctx, n)
			if err != nil {
				mu.Lock()
				errs[n] = err
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// Conns is one open connection per node, keyed by node name.
type Conns map[string]Conn

// ConnectAll connects to every node in parallel. If any node fails, the
// connections that did open are closed and the per-node errors returned.
func ConnectAll(ctx context.Context, r Remote, nodes []string) (Conns, error) {
	var mu sync.Mutex
	conns := Conns{}
	err := OnNodes(ctx, nodes, func(ctx context.Context, node string) error {
		c, err := r.Connect(ctx, node)
		if err != nil {
			return err
		}
		mu.Lock()
		conns[node] = c
		mu.Unlock()
		return nil
	})
	if err != nil {
		conns.Close()
		return nil, err
	}
	return conns, nil
}

// Close closes every connection and returns the first error.
func (cs Conns) Close() error {
	var errs []error
	for _, c := range cs {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// Nodes returns the node names in sorted order.
func (cs Conns) Nodes() []string {
	out := make([]string, 0, len(cs))
	for n := range cs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
