package ledger

import (
	"context"
	"fmt"
	"strings"

	"github.com/faultline/faultline/control/node"
	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/nemesis/clock"
)

// Kind is a kind of leftover Faultline knows how to find and undo on a node.
type Kind string

// The kinds of undo. Each but Clock and Database is one shell script on the
// node (scripts), which either lists what it finds or heals it, so that
// `cluster status` and `heal` see exactly the same things.
const (
	// Chains removes iptables chains (Undo.Chains; none: every chain named
	// faultline-*) and INPUT's jumps to them: partitions and packet loss.
	Chains Kind = "iptables-chains"
	// Netem removes root netem qdiscs from every interface but lo: packet
	// delay, corruption, duplication, reordering, rate limits.
	Netem Kind = "netem"
	// Stopped sends SIGCONT to every stopped process on the node except
	// those stopped before the fault (Undo.KeepStopped): pauses.
	Stopped Kind = "stopped-processes"
	// Lazyfs stops every lazyfsd (pid files under /run/faultline-lazyfs)
	// and lazily unmounts every FUSE mount named faultline-lazyfs.
	Lazyfs Kind = "lazyfs-mounts"
	// Clock bumps the node's clock back by its measured offset from the
	// control node's (clock faults; nodes with clocks of their own only).
	Clock Kind = "clock"
	// Database is a fault only the database undoes (a killed process,
	// corrupted or lost data, a membership change): the next run's
	// database teardown and setup, which follow healing, start afresh.
	Database Kind = "database"
)

// Undo is how to undo one fault on one node, as data.
type Undo struct {
	Kind   Kind     `json:"kind"`
	Chains []string `json:"chains,omitempty"`
	// KeepStopped lists the processes ("pid:start-time") that were already
	// stopped when the fault was recorded: not the fault's, left alone.
	KeepStopped []string `json:"keep-stopped,omitempty"`
	// Fault names what a Database undo leaves to the database.
	Fault string `json:"fault,omitempty"`
}

// scripts are the node-side halves of the kinds: $1 is "list" or "heal",
// the other arguments the kind's; each prints one line per thing found
// ("what<TAB>detail"), and in heal mode undoes it first.
var scripts = map[Kind]string{
	Chains: `mode=$1; shift
command -v iptables >/dev/null 2>&1 || exit 0
chains="$*"
[ -n "$chains" ] || chains=$(iptables -w -S 2>/dev/null | awk '$1=="-N" && $2 ~ /^faultline-/ {print $2}')
for c in $chains; do
  iptables -w -n -L "$c" >/dev/null 2>&1 || continue
  rules=$(iptables -w -S "$c" | grep -c '^-A')
  if [ "$mode" = heal ]; then
    while iptables -w -C INPUT -j "$c" 2>/dev/null; do iptables -w -D INPUT -j "$c" || exit 1; done
    iptables -w -F "$c" && iptables -w -X "$c" || exit 1
  fi
  printf 'iptables chain\t%s (%s rules)\n' "$c" "$rules"
done`,
	Netem: `mode=$1
command -v tc >/dev/null 2>&1 || exit 0
for dev in $(ls /sys/class/net); do
  [ "$dev" = lo ] && continue
  tc qdisc show dev "$dev" root 2>/dev/null | grep -q '^qdisc netem' || continue
  if [ "$mode" = heal ]; then tc qdisc del dev "$dev" root || exit 1; fi
  printf 'netem qdisc\t%s\n' "$dev"
done`,
	Stopped: `mode=$1; shift; keep=" $* "
for f in /proc/[0-9]*/stat; do
  s=$(cat "$f" 2>/dev/null) || continue
  comm=${s#*(}; comm=${comm%)*}
  set -- ${s##*) }
  [ "$1" = T ] || continue
  p=${f#/proc/}; p=${p%/stat}
  case "$keep" in *" $p:${20} "*) continue ;; esac
  if [ "$mode" = heal ]; then kill -CONT "$p" 2>/dev/null || continue; fi
  printf 'stopped process\t%s:%s (%s)\n' "$p" "${20}" "$comm"
done`,
	Lazyfs: `mode=$1
for pf in /run/faultline-lazyfs/*.pid; do
  [ -e "$pf" ] || continue
  p=$(cat "$pf")
  if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
    if [ "$mode" = heal ]; then kill -TERM "$p"; fi
    printf 'lazyfsd\t%s\n' "$p"
  fi
done
[ "$mode" = heal ] && sleep 0.2
for m in $(awk '$1=="faultline-lazyfs" {print $2}' /proc/mounts); do
  if [ "$mode" = heal ]; then
    umount -l "$m" 2>/dev/null || ! awk -v d="$m" '$2==d {f=1} END {exit !f}' /proc/mounts || exit 1
  fi
  printf 'FUSE mount\t%s\n' "$m"
done`,
}

// SweepKinds are the kinds a sweep looks for on every node whatever the
// ledger says: what Faultline's faults leave in the node itself. Clock
// offsets are left to ledger entries (Faultline cannot tell an offset it
// set from the node's own drift) and Database faults to the database.
var SweepKinds = []Kind{Chains, Netem, Stopped, Lazyfs}

// Found is one leftover on one node.
type Found struct {
	Node   string
	What   string // "iptables chain", "stopped process", ...
	Detail string
}

func (f Found) String() string { return f.Node + ": " + f.What + " " + f.Detail }

// run runs u's script on n in mode "list" or "heal" and returns what it
// found (and, healing, undid).
func (u Undo) run(ctx context.Context, n db.Node, heal bool) ([]Found, error) {
	mode := "list"
	if heal {
		mode = "heal"
	}
	switch u.Kind {
	case Clock:
		if !heal {
			return nil, nil
		}
		if err := clock.ResetNode(ctx, n); err != nil {
			return nil, err
		}
		return []Found{{Node: n.Name, What: "clock offset", Detail: "reset"}}, nil
	case Database:
		return []Found{{Node: n.Name, What: "left to the database's teardown and setup:", Detail: u.Fault}}, nil
	}
	script, ok := scripts[u.Kind]
	if !ok {
		return nil, fmt.Errorf("on %s: unknown kind of undo %q (a ledger written by a newer Faultline?)", n.Name, u.Kind)
	}
	args := append([]string{mode}, u.Chains...)
	args = append(args, u.KeepStopped...)
	out, err := node.Shell(ctx, n.Conn, script, args...)
	if err != nil {
		return nil, fmt.Errorf("on %s: %s %s: %w", n.Name, mode, u.Kind, err)
	}
	var found []Found
	for _, line := range strings.Split(out, "\n") {
		if what, detail, ok := strings.Cut(line, "\t"); ok {
			found = append(found, Found{Node: n.Name, What: what, Detail: detail})
		}
	}
	return found, nil
}

// Identify asks a node what it is: its kernel's boot id and its network
// namespace. Machines differ by boot id; nodes of a local cluster (which
// share the host's kernel) and containers differ by network namespace;
// a node rebuilt or rebooted since is another node, whose faults died with
// the old one.
func Identify(ctx context.Context, n db.Node) (Node, error) {
	out, err := node.Shell(ctx, n.Conn, `cat /proc/sys/kernel/random/boot_id && readlink /proc/self/ns/net`)
	if err != nil {
		return Node{}, fmt.Errorf("on %s: asking the node who it is: %w", n.Name, err)
	}
	lines := strings.Fields(out)
	if len(lines) != 2 || !strings.HasPrefix(lines[1], "net:[") {
		return Node{}, fmt.Errorf("on %s: asking the node who it is: expected its boot id and net:[inode], got %q", n.Name, out)
	}
	return Node{Name: n.Name, ID: lines[0] + "/" + lines[1]}, nil
}

// stoppedNow lists the processes stopped on n now ("pid:start"), for
// KeepStopped.
func stoppedNow(ctx context.Context, n db.Node) ([]string, error) {
	found, err := Undo{Kind: Stopped}.run(ctx, n, false)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(found))
	for i, f := range found {
		out[i], _, _ = strings.Cut(f.Detail, " ")
	}
	return out, nil
}
