// Package fw manages the iptables chains the network nemeses own on a node.
// Each nemesis keeps its rules in a chain of its own (faultline-partition,
// faultline-packet) jumped to from INPUT, so healing one fault flushes only
// that chain and never touches another fault's rules or the node's own
// firewall. Rules only ever match traffic from other test nodes' addresses,
// so the control node's traffic (SSH) always gets through.
package fw

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/faultline/faultline/control/node"
	"github.com/faultline/faultline/db"
)

// Ensure creates chain (if missing) and makes INPUT jump to it (once). It
// also checks that iptables works on the node at all, so a node without it
// fails at setup, not at the first fault.
func Ensure(ctx context.Context, n db.Node, chain string) error {
	_, err := node.Shell(ctx, n.Conn, `command -v iptables >/dev/null || { echo "iptables is not installed" >&2; exit 1; }
iptables -w -n -L "$1" >/dev/null 2>&1 || iptables -w -N "$1" || exit 1
iptables -w -C INPUT -j "$1" 2>/dev/null || iptables -w -I INPUT -j "$1"`, chain)
	if err != nil {
		return fmt.Errorf("on %s: preparing iptables chain %s: %w", n.Name, chain, err)
	}
	return nil
}

// Apply replaces the chain's rules with one rule per source address:
// iptables -A <chain> -s <ip> <match...> -j DROP. No addresses just flushes.
func Apply(ctx context.Context, n db.Node, chain string, from []netip.Addr, match []string) error {
	args := []string{chain, strings.Join(match, " ")}
	for _, a := range from {
		args = append(args, a.String())
	}
	// $2 is split on purpose: the match words are ours, never user input.
	_, err := node.Shell(ctx, n.Conn, `chain=$1 match=$2; shift 2
iptables -w -F "$chain" || exit 1
for ip in "$@"; do iptables -w -A "$chain" -s "$ip" $match -j DROP || exit 1; done`, args...)
	if err != nil {
		return fmt.Errorf("on %s: adding DROP rules to %s: %w", n.Name, chain, err)
	}
	return nil
}

// Flush removes every rule from the chain (a chain that is gone is fine).
func Flush(ctx context.Context, n db.Node, chain string) error {
	_, err := node.Shell(ctx, n.Conn, `iptables -w -n -L "$1" >/dev/null 2>&1 || exit 0; iptables -w -F "$1"`, chain)
	if err != nil {
		return fmt.Errorf("on %s: flushing iptables chain %s: %w", n.Name, chain, err)
	}
	return nil
}

// Remove flushes the chain, removes INPUT's jump to it and deletes it.
func Remove(ctx context.Context, n db.Node, chain string) error {
	_, err := node.Shell(ctx, n.Conn, `iptables -w -n -L "$1" >/dev/null 2>&1 || exit 0
while iptables -w -C INPUT -j "$1" 2>/dev/null; do iptables -w -D INPUT -j "$1" || exit 1; done
iptables -w -F "$1" && iptables -w -X "$1"`, chain)
	if err != nil {
		return fmt.Errorf("on %s: removing iptables chain %s: %w", n.Name, chain, err)
	}
	return nil
}

// Rules lists the chain's rules as iptables -S prints them (empty if the
// chain does not exist), for tests and diagnostics.
func Rules(ctx context.Context, n db.Node, chain string) ([]string, error) {
	out, err := node.Shell(ctx, n.Conn, `iptables -w -n -L "$1" >/dev/null 2>&1 || exit 0; iptables -w -S "$1" | { grep -v '^-N' || true; }`, chain)
	if err != nil {
		return nil, fmt.Errorf("on %s: listing iptables chain %s: %w", n.Name, chain, err)
	}
	if out == "" {
		return nil, nil
	}
	return strings.Split(out, "\n"), nil
}

// Addrs resolves, on node n, the address of every other node, the way n's
// own resolver (its /etc/hosts) sees them: those are the source addresses
// their packets carry when they reach n. A name that does not resolve to an
// IPv4 address is an error naming both nodes.
func Addrs(ctx context.Context, n db.Node) (map[string]netip.Addr, error) {
	var others []string
	for _, o := range n.Nodes {
		if o != n.Name {
			others = append(others, o)
		}
	}
	out := make(map[string]netip.Addr, len(others))
	if len(others) == 0 {
		return out, nil
	}
	res, err := node.Shell(ctx, n.Conn, `for h in "$@"; do a=$(getent ahostsv4 "$h" | awk 'NR==1{print $1}'); echo "$h ${a:--}"; done`, others...)
	if err != nil {
		return nil, fmt.Errorf("on %s: resolving the other nodes' addresses: %w", n.Name, err)
	}
	for _, line := range strings.Split(res, "\n") {
		name, addr, _ := strings.Cut(line, " ")
		a, err := netip.ParseAddr(addr)
		if err != nil {
			return nil, fmt.Errorf("on %s: node %s does not resolve to an IPv4 address (getent ahostsv4 %s gave %q): partitions need every node's address", n.Name, name, name, addr)
		}
		out[name] = a
	}
	return out, nil
}
