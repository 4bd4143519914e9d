// Package unsynced runs lazyfs (nemesis/lazyfs) on nodes and loses the
// writes a database did not fsync: a power loss for one process tree. A DB
// that wants the fault mounts lazyfs over its data directory in Setup
// (Install, then Mount) and unmounts it in Teardown (Unmount); the
// lose-unfsynced-writes nemesis then, on each target node, kills the DB (if
// it is a db.Killer), drops lazyfs's unsynced data, and starts the DB again,
// so the database recovers from exactly what it made durable.
//
// Ops: lose-unfsynced-writes with a target spec as value (nil: the
// nemesis's Targets, default one random node), completed with
// {:nodes [..], :lost [{:node n :files f :changes c :bytes b}]}.
package unsynced

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/faultline/faultline/control/node"
	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/nemesis"
	"github.com/faultline/faultline/nemesis/internal/helperbin"
	"github.com/faultline/faultline/nemesis/target"
)

// Lose is the f of the fault, as the report's band table knows it.
const Lose = "lose-unfsynced-writes"

// BinaryPath is where Install puts lazyfsd on a node.
const BinaryPath = "/opt/faultline/bin/lazyfsd"

// DaemonPackage is lazyfsd's Go package, for Build.
const DaemonPackage = "github.com/faultline/faultline/nemesis/lazyfs/lazyfsd"

// Mount is one lazyfs mount on a node: Dir shows Backing's files, with
// data held in memory until fsync.
type Mount struct {
	Backing string // the real directory
	Dir     string // the mount point the DB uses as its data directory
	PidFile string // lazyfsd's pid file; default /run/faultline-lazyfs/<base of Dir>.pid
	LogFile string // lazyfsd's log; default beside the pid file, .log
}

func (m Mount) withDefaults() Mount {
	base := filepath.Base(m.Dir)
	if m.PidFile == "" {
		m.PidFile = "/run/faultline-lazyfs/" + base + ".pid"
	}
	if m.LogFile == "" {
		m.LogFile = strings.TrimSuffix(m.PidFile, ".pid") + ".log"
	}
	return m
}

// Build builds lazyfsd into dir (see helperbin.Build) for Install.
func Build(ctx context.Context, dir string) (string, error) {
	return helperbin.Build(ctx, dir, DaemonPackage, "lazyfsd")
}

// Install uploads a lazyfsd built by Build to the node.
func Install(ctx context.Context, n db.Node, localBinary string) error {
	if _, err := node.Output(ctx, n.Conn, "mkdir", "-p", filepath.Dir(BinaryPath)); err != nil {
		return fmt.Errorf("on %s: %w", n.Name, err)
	}
	if err := n.Conn.Upload(ctx, localBinary, BinaryPath); err != nil {
		return fmt.Errorf("on %s: uploading lazyfsd: %w", n.Name, err)
	}
	if _, err := node.Output(ctx, n.Conn, "chmod", "755", BinaryPath); err != nil {
		return fmt.Errorf("on %s: %w", n.Name, err)
	}
	return nil
}

// MountOn starts lazyfsd for m on the node and waits until the mount is up.
func MountOn(ctx context.Context, n db.Node, m Mount) error {
	m = m.withDefaults()
	if _, err := node.Output(ctx, n.Conn, "mkdir", "-p", m.Backing, m.Dir); err != nil {
		return fmt.Errorf("on %s: %w", n.Name, err)
	}
	if _, err := node.Start(ctx, n.Conn, node.Daemon{Bin: BinaryPath, Args: []string{m.Backing, m.Dir}, PidFile: m.PidFile, LogFile: m.LogFile}); err != nil {
		return fmt.Errorf("on %s: starting lazyfsd: %w", n.Name, err)
	}
	_, err := node.Shell(ctx, n.Conn, `i=0; until awk -v d="$1" '$2==d && $3 ~ /fuse/ {f=1} END {exit !f}' /proc/mounts; do
  i=$((i+1)); [ $i -lt 50 ] || { echo "lazyfs did not appear at $1; log:" >&2; tail -n 5 "$2" >&2; exit 1; }; sleep 0.1; done`, m.Dir, m.LogFile)
	if err != nil {
		return fmt.Errorf("on %s: mounting lazyfs at %s: %w", n.Name, m.Dir, err)
	}
	return nil
}

// Unmount stops lazyfsd (which unmounts), and lazily unmounts whatever is
// left if it died; unmounting what is not mounted is not an error.
func Unmount(ctx context.Context, n db.Node, m Mount) error {
	m = m.withDefaults()
	if err := node.Stop(ctx, n.Conn, m.PidFile, 5*time.Second); err != nil {
		return fmt.Errorf("on %s: %w", n.Name, err)
	}
	_, err := node.Shell(ctx, n.Conn, `if awk -v d="$1" '$2==d {f=1} END {exit !f}' /proc/mounts; then umount -l "$1"; fi`, m.Dir)
	if err != nil {
		return fmt.Errorf("on %s: unmounting %s: %w", n.Name, m.Dir, err)
	}
	return nil
}

// Nemesis is the factory of these faults; Setup returns the active fault.
type Nemesis struct {
	Mount   Mount
	Targets target.Spec // zero: one random node
	Seed    uint64
}

// Fs returns lose-unfsynced-writes.
func (Nemesis) Fs() []string { return []string{Lose} }

// running is the active fault Nemesis.Setup returns.
type running struct {
	mount  Mount
	pick   *target.Picker
	def    target.Spec
	killer db.Killer
}

// Setup checks the mount is configured.
func (p Nemesis) Setup(ctx context.Context, env nemesis.Env) (nemesis.Active, error) {
	if p.Mount.Dir == "" {
		return nil, fmt.Errorf("lose-unfsynced-writes needs the lazyfs Mount the database uses (its Dir at least)")
	}
	r := &running{mount: p.Mount.withDefaults(), pick: target.NewPicker(env, p.Seed), def: p.Targets}
	if r.def.Kind == "" {
		r.def = target.Spec{Kind: target.One}
	}
	r.killer, _ = env.DB.(db.Killer)
	return r, nil
}

// Teardown has nothing to heal: lost writes stay lost, and the mount
// belongs to the database, which unmounts it in its own teardown.
func (r *running) Teardown(context.Context) error { return nil }

// Invoke loses the unsynced writes on the target nodes.
func (r *running) Invoke(ctx context.Context, op history.Op) (history.Op, error) {
	if op.F != Lose {
		return op, fmt.Errorf("this nemesis handles %s, not %q", Lose, op.F)
	}
	nodes, err := r.pick.PickValue(ctx, op.Value, r.def)
	if err != nil {
		return op, err
	}
	lost := make([]any, len(nodes))
	var mu sync.Mutex
	err = target.Each(ctx, nodes, func(ctx context.Context, n db.Node) error {
		l, err := r.lose(ctx, n)
		mu.Lock()
		for i, m := range nodes {
			if m.Name == n.Name {
				lost[i] = l
			}
		}
		mu.Unlock()
		return err
	})
	op.Value = history.Map{{Key: history.Keyword("nodes"), Value: target.Names(nodes)}, {Key: history.Keyword("lost"), Value: lost}}
	return op, err
}

// lose kills the DB (when it can), drops lazyfs's unsynced data, reads what
// was lost from lazyfsd's log, and starts the DB again.
func (r *running) lose(ctx context.Context, n db.Node) (history.Map, error) {
	out := history.Map{{Key: history.Keyword("node"), Value: n.Name}}
	if r.killer != nil {
		if err := r.killer.Kill(ctx, n); err != nil {
			return out, fmt.Errorf("on %s: killing the database before losing its writes: %w", n.Name, err)
		}
	}
	line, err := node.Shell(ctx, n.Conn, `pidfile=$1 log=$2
[ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null || { echo "lazyfsd is not running (no live process in $pidfile)" >&2; exit 1; }
before=$(grep -c '^lost ' "$log")
kill -USR1 "$(cat "$pidfile")"
i=0; while [ "$(grep -c '^lost ' "$log")" = "$before" ]; do i=$((i+1)); [ $i -lt 100 ] || { echo "lazyfsd did not report the drop" >&2; exit 1; }; sleep 0.05; done
grep '^lost ' "$log" | tail -n 1`, r.mount.PidFile, r.mount.LogFile)
	if err != nil {
		return out, fmt.Errorf("on %s: dropping unsynced writes: %w", n.Name, err)
	}
	for _, kv := range strings.Fields(strings.TrimPrefix(line, "lost ")) {
		k, v, _ := strings.Cut(kv, "=")
		var x int64
		fmt.Sscan(v, &x)
		out = append(out, history.MapEntry{Key: history.Keyword(k), Value: x})
	}
	if r.killer != nil {
		if err := r.killer.Start(ctx, n); err != nil {
			return out, fmt.Errorf("on %s: starting the database after losing its writes: %w", n.Name, err)
		}
	}
	return out, nil
}
