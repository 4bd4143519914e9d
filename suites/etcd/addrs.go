package etcd

import (
	"context"
	"net"
	"strconv"

	"github.com/faultline/faultline/control/nodeaddr"
	"github.com/faultline/faultline/db"
)

// Ports etcd listens on, on every node.
const (
	ClientPort = 2379
	PeerPort   = 2380
)

// AddrBook maps node names to the IPv4 addresses the nodes know each other
// by (a nodeaddr.Book, with etcd's ports). DB setup fills it; clients and
// the primaries lookup read it. It is shared by pointer between the DB and
// the client of one test.
type AddrBook struct {
	nodeaddr.Book
}

// NewAddrBook returns an empty book.
func NewAddrBook() *AddrBook { return &AddrBook{} }

// ClientEndpoint is node's client address, host:2379.
func (b *AddrBook) ClientEndpoint(node string) string {
	return net.JoinHostPort(b.Host(node), strconv.Itoa(ClientPort))
}

// peerURL is node's peer URL, http://host:2380.
func (b *AddrBook) peerURL(node string) string {
	return "http://" + net.JoinHostPort(b.Host(node), strconv.Itoa(PeerPort))
}

// resolve asks node n for every test node's address (nodeaddr.Book.Resolve).
func (b *AddrBook) resolve(ctx context.Context, n db.Node) error {
	return b.Resolve(ctx, n.Conn, n.Name, n.Nodes)
}
