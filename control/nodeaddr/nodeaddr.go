// Package nodeaddr learns the IPv4 addresses the test's nodes know each other
// by, asking a node rather than the control machine: node names resolve on
// the nodes (/etc/hosts, the cluster's DNS) even when they do not where
// Faultline runs. A database's setup fills a Book on every node; its clients
// and its peer lists read it.
package nodeaddr

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/control/node"
)

// Book maps node names to IPv4 addresses. It is safe for concurrent use, so
// every node's setup step can fill the one book a test shares by pointer
// between its database and its clients.
type Book struct {
	mu    sync.Mutex
	addrs map[string]netip.Addr
}

// New returns an empty book.
func New() *Book { return &Book{addrs: map[string]netip.Addr{}} }

// Set records node's address.
func (b *Book) Set(node string, a netip.Addr) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.addrs == nil {
		b.addrs = map[string]netip.Addr{}
	}
	b.addrs[node] = a
}

// Lookup is node's recorded address, if any.
func (b *Book) Lookup(node string) (netip.Addr, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	a, ok := b.addrs[node]
	return a, ok
}

// Host is how the control machine reaches node: its recorded address, or
// the name itself (resolved by the control machine's DNS) when none is
// recorded.
func (b *Book) Host(node string) string {
	if a, ok := b.Lookup(node); ok {
		return a.String()
	}
	return node
}

// Resolve asks the node self (through conn) for the IPv4 addresses of the
// test's nodes and records them. A node's own address is taken from the
// others' answers, because Debian maps a machine's own name to 127.0.1.1;
// only a one-node cluster resolves itself. A name that does not resolve to
// an IPv4 address is an error naming it.
func (b *Book) Resolve(ctx context.Context, conn control.Conn, self string, nodes []string) error {
	var names []string
	for _, o := range nodes {
		if o != self || len(nodes) == 1 {
			names = append(names, o)
		}
	}
	if len(names) == 0 {
		return nil
	}
	out, err := node.Shell(ctx, conn, `for h in "$@"; do a=$(getent ahostsv4 "$h" | awk 'NR==1{print $1}'); echo "$h ${a:--}"; done`, names...)
	if err != nil {
		return fmt.Errorf("on %s: resolving the nodes' addresses: %w", self, err)
	}
	for _, line := range strings.Split(out, "\n") {
		name, addr, _ := strings.Cut(line, " ")
		a, err := netip.ParseAddr(addr)
		if err != nil || !a.Is4() {
			return fmt.Errorf("on %s: node %s does not resolve to an IPv4 address (getent ahostsv4 %s gave %q): the database's peers and clients need every node's address", self, name, name, addr)
		}
		b.Set(name, a)
	}
	return nil
}
