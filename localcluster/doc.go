// Package localcluster builds the embedded default cluster: N nodes (n1..n5
// unless told otherwise) on this machine, each a set of Linux namespaces
// running its own sshd, so that Faultline tests need no other machines.
//
// Each node has:
//   - a network namespace, named <name>-nI (see `ip netns list`), holding a
//     veth whose other end is on a bridge <name>-br that Faultline creates;
//     the node's address is .10+I in the cluster's /24 (default
//     10.251.73.0/24) and the bridge holds .1. There is no default route:
//     nodes reach each other and the host, nothing else. Partitioning with
//     iptables inside a node's namespace never touches the host's rules.
//   - its own hostname (UTS namespace) and PID namespace, whose first
//     process is the node's sshd;
//   - a mount namespace in which /etc, /var/lib, /var/log, /opt, /root and
//     /tmp are overlayfs mounts: the host's files show through, and writes go
//     to the node's own upper directory under DiskDir (default
//     /var/cache/faultline/<name>/<node>). /run is a fresh tmpfs, so pid files
//     do not collide. root's login shell in the node's /etc/passwd is
//     /bin/sh: SSH commands then start in milliseconds and do not run the
//     host root's ~/.bashrc (run bash yourself for an interactive shell).
//
// Files in StateDir (default /var/lib/faultline/cluster):
//
//	cluster.json   the Cluster below, as JSON: load it with Load
//	nodes          one node name per line (a Jepsen-style nodes file)
//	id_ed25519     the private key root logs in with (plus .pub)
//	known_hosts    every node's host key under its name and address
//	ssh_config     for the ssh command: ssh -F <StateDir>/ssh_config n1
//	nodes.d/<node>/ the node's host key, sshd_config, init script and log
//
// Down removes every namespace, link, process and file that Up made; the
// mounts live only in the nodes' mount namespaces and vanish with them. Up
// and Down are idempotent: Up on a healthy cluster does nothing, and Up on a
// half-built one tears the remains down and builds afresh.
//
// Limits, honestly: the nodes share the host's kernel and clock (a clock
// fault on one node moves every node's clock), binaries installed on the host
// (/usr, /bin) are visible to every node and installing packages inside a
// node is not isolated, memory and CPU are shared, and everything needs root.
// Traffic between nodes crosses the host's bridge: on a host whose iptables
// FORWARD policy drops bridged traffic (br_netfilter with Docker's rules),
// nodes reach the host but not each other until that is allowed. The host
// should not change files under the overlaid trees while nodes run: overlayfs
// leaves what a node then sees undefined (stale entries, typically). On a host
// whose init does not reap orphans, each node leaves one zombie (its
// launcher) after Down when Up ran in a process that has exited.
// Other code can act inside a node's network namespace with
// `ip netns exec <Node.NetNS>` or `nsenter --target <Node.InitPID> --net`.
package localcluster
