package node

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/faultline/faultline/control"
)

// MissingPackages lists which of pkgs dpkg does not have installed.
func MissingPackages(ctx context.Context, c control.Conn, pkgs ...string) ([]string, error) {
	out, err := Shell(ctx, c, `for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"; done`, pkgs...)
	if err != nil {
		return nil, err
	}
	return strings.Fields(out), nil
}

// AptInstall installs those of pkgs that are missing and returns them; when
// none is missing it runs nothing else. apt-get update runs only if the
// first install attempt fails (stale or empty package lists).
func AptInstall(ctx context.Context, c control.Conn, pkgs ...string) ([]string, error) {
	missing, err := MissingPackages(ctx, c, pkgs...)
	if err != nil || len(missing) == 0 {
		return nil, err
	}
	install := append([]string{"apt-get", "install", "-y", "-q", "--no-install-recommends"}, missing...)
	cmd := control.Cmd{Argv: install, Env: []string{"DEBIAN_FRONTEND=noninteractive"}}
	if _, err := c.Run(ctx, cmd); err != nil {
		update := control.Cmd{Argv: []string{"apt-get", "update", "-q"}, Env: cmd.Env}
		if _, uerr := c.Run(ctx, update); uerr != nil {
			return missing, fmt.Errorf("installing %s: %w (and apt-get update failed too: %v)", strings.Join(missing, " "), err, uerr)
		}
		if _, err := c.Run(ctx, cmd); err != nil {
			return missing, fmt.Errorf("installing %s: %w", strings.Join(missing, " "), err)
		}
	}
	return missing, nil
}

const hostsBegin, hostsEnd = "# BEGIN faultline cluster", "# END faultline cluster"

// SetHosts makes /etc/hosts map each node name to its address, in a block
// of its own that is replaced on every call; the rest of the file is kept.
func SetHosts(ctx context.Context, c control.Conn, addrs map[string]string) error {
	names := make([]string, 0, len(addrs))
	for n := range addrs {
		names = append(names, n)
	}
	sort.Strings(names)
	var block strings.Builder
	block.WriteString(hostsBegin + "\n")
	for _, n := range names {
		fmt.Fprintf(&block, "%s %s\n", addrs[n], n)
	}
	block.WriteString(hostsEnd + "\n")
	// Rewritten in place (cat >) rather than renamed: /etc/hosts may be a
	// bind mount (Docker), which a rename cannot replace.
	_, err := c.Run(ctx, control.Cmd{
		Argv: []string{"sh", "-c", `awk -v b="$1" -v e="$2" '$0==b{skip=1} !skip{print} $0==e{skip=0}' /etc/hosts > /etc/hosts.faultline-tmp &&
cat - >> /etc/hosts.faultline-tmp && cat /etc/hosts.faultline-tmp > /etc/hosts && rm -f /etc/hosts.faultline-tmp`, "sh", hostsBegin, hostsEnd},
		Stdin: strings.NewReader(block.String()),
	})
	if err != nil {
		return fmt.Errorf("writing /etc/hosts: %w", err)
	}
	return nil
}

// HealNetwork undoes network faults on the node: it flushes and deletes
// iptables rules and chains, sets the default policies back to ACCEPT, and
// removes traffic shaping (tc qdiscs) from every interface.
func HealNetwork(ctx context.Context, c control.Conn) error {
	_, err := Shell(ctx, c, `iptables -w -F && iptables -w -X && iptables -w -t nat -F &&
for ch in INPUT FORWARD OUTPUT; do iptables -w -P $ch ACCEPT; done &&
for dev in $(ls /sys/class/net); do tc qdisc del dev "$dev" root 2>/dev/null || true; done`)
	if err != nil {
		return fmt.Errorf("healing the network: %w", err)
	}
	return nil
}
