package etcd

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"

	"github.com/faultline/faultline/control/node"
	"github.com/faultline/faultline/db"
)

// Ports etcd listens on, on every node.
const (
	ClientPort = 2379
	PeerPort   = 2380
)

// AddrBook maps node names to the IPv4 addresses the nodes know each other
// by. DB setup fills it; clients and the primaries lookup read it. It is
// shared by pointer between the DB and the client of one test.
type AddrBook struct {
	mu    sync.Mutex
	addrs map[string]netip.Addr
}

// NewAddrBook returns an empty book.
func NewAddrBook() *AddrBook { return &AddrBook{addrs: map[string]netip.Addr{}} }

// Set records node's address.
func (b *AddrBook) Set(node string, a netip.Addr) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.addrs[node] = a
}

// Host is how the control machine reaches node: its recorded address, or
// the name itself (resolved by the control machine's DNS) when none is
// recorded.
func (b *AddrBook) Host(node string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if a, ok := b.addrs[node]; ok {
		return a.String()
	}
	return node
}

// ClientEndpoint is node's client address, host:2379.
func (b *AddrBook) ClientEndpoint(node string) string {
	return net.JoinHostPort(b.Host(node), strconv.Itoa(ClientPort))
}

// peerURL is node's peer URL, http://host:2380.
func (b *AddrBook) peerURL(node string) string {
	return "http://" + net.JoinHostPort(b.Host(node), strconv.Itoa(PeerPort))
}

// resolve asks node n for the IPv4 addresses of the other test nodes and
// records them: node names resolve on the nodes (/etc/hosts, DNS) even when
// they do not on the control machine. A node's own address is taken from
// the others, because Debian maps a machine's own name to 127.0.1.1; only a
// one-node cluster resolves itself.
func (b *AddrBook) resolve(ctx context.Context, n db.Node) error {
	var names []string
	for _, o := range n.Nodes {
		if o != n.Name || len(n.Nodes) == 1 {
			names = append(names, o)
		}
	}
	out, err := node.Shell(ctx, n.Conn, `for h in "$@"; do a=$(getent ahostsv4 "$h" | awk 'NR==1{print $1}'); echo "$h ${a:--}"; done`, names...)
	if err != nil {
		return fmt.Errorf("on %s: resolving the nodes' addresses: %w", n.Name, err)
	}
	for _, line := range strings.Split(out, "\n") {
		name, addr, _ := strings.Cut(line, " ")
		a, err := netip.ParseAddr(addr)
		if err != nil {
			return fmt.Errorf("on %s: node %s does not resolve to an IPv4 address (getent ahostsv4 %s gave %q): etcd's peers need every node's address", n.Name, name, name, addr)
		}
		b.Set(name, a)
	}
	return nil
}
