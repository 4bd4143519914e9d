package sqldb

import (
	"context"
	"fmt"
	"sync"

	"github.com/faultline/faultline/control/nodeaddr"
	"github.com/faultline/faultline/db"
)

// placement is where a server runs: the nodes' addresses, learnt during
// Setup, and the test's first node (the one-node databases' server, Galera's
// bootstrap node). Every server embeds one.
type placement struct {
	book  nodeaddr.Book
	mu    sync.Mutex
	first string
}

// learn resolves every node's address on n and waits at the barrier until
// every node has (a node's own address comes from the others' answers).
func (p *placement) learn(ctx context.Context, n db.Node, server string) error {
	if len(n.Nodes) == 0 {
		return fmt.Errorf("on %s: %s needs the test's node list", n.Name, server)
	}
	if err := p.book.Resolve(ctx, n.Conn, n.Name, n.Nodes); err != nil {
		return err
	}
	p.mu.Lock()
	p.first = n.Nodes[0]
	p.mu.Unlock()
	return n.Sync(ctx)
}

// firstNode is the test's first node, once Setup has run.
func (p *placement) firstNode() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.first
}

// isFirst reports whether n is the test's first node.
func isFirst(n db.Node) bool { return len(n.Nodes) > 0 && n.Name == n.Nodes[0] }
