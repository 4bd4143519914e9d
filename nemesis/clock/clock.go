// Package clock moves nodes' wall clocks, the way Jepsen's clock nemesis
// does: bump-clock jumps a node's clock by up to MaxBump either way,
// strobe-clock flips it back and forth every period for a while, and
// reset-clock puts it back in line with the control node's clock. Every
// clock op's completion carries :clock-offsets (node -> seconds, node clock
// minus control clock), and check-clock-offsets measures them alone, so the
// report's clock plot shows what the faults did.
//
// The clock is moved by a small static helper (nemesis/clock/clockhelper,
// built with CGO_ENABLED=0) that Setup uploads to every node, so nodes need
// no compiler. Moving a clock is only a fault if the node owns its clock:
// Setup refuses when two nodes, or a node and the control node, run on the
// same kernel (same /proc/sys/kernel/random/boot_id), as on the local
// cluster, where a bump would move every node's clock and the control
// node's too. CheckOnly measures offsets without moving anything, which is
// fine everywhere.
package clock

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
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

// Fs of the clock nemesis.
const (
	Bump   = "bump-clock"
	Strobe = "strobe-clock"
	Reset  = "reset-clock"
	Check  = "check-clock-offsets"
)

// HelperPath is where the helper is put on each node.
const HelperPath = "/opt/faultline/bin/faultline-clock"

// HelperPackage is the Go package of the helper, for BuildHelper.
const HelperPackage = "github.com/faultline/faultline/nemesis/clock/clockhelper"

// ErrSharedClock is returned (wrapped, naming the nodes) by Setup when the
// nodes do not own their clocks.
var ErrSharedClock = errors.New("clock faults need nodes that own their clocks")

// Nemesis is the factory of these faults; Setup returns the active fault.
type Nemesis struct {
	Targets   target.Spec   // zero: a random subset
	MaxBump   time.Duration // zero: 262 s, as Jepsen
	Period    time.Duration // strobe period; zero: 10 ms
	Duration  time.Duration // strobe duration; zero: 2 s
	CheckOnly bool          // only check-clock-offsets: no helper, no refusal
	// Helper is a prebuilt helper binary on the control node; empty builds
	// one with BuildHelper.
	Helper string
	Seed   uint64
}

// Fs lists the clock fs (only check-clock-offsets with CheckOnly).
func (c Nemesis) Fs() []string {
	if c.CheckOnly {
		return []string{Check}
	}
	return []string{Bump, Strobe, Reset, Check}
}

// running is the active fault Nemesis.Setup returns.
type running struct {
	cfg     Nemesis // the factory, defaults filled in
	pick    *target.Picker
	def     target.Spec
	mu      sync.Mutex
	touched map[string]bool
}

// Setup checks that the nodes own their clocks, then uploads the helper.
func (c Nemesis) Setup(ctx context.Context, env nemesis.Env) (nemesis.Active, error) {
	r := &running{cfg: c, pick: target.NewPicker(env, c.Seed), def: c.Targets, touched: map[string]bool{}}
	if r.def.Kind == "" {
		r.def = target.Spec{Kind: target.Random}
	}
	if r.cfg.MaxBump <= 0 {
		r.cfg.MaxBump = 262 * time.Second
	}
	if r.cfg.Period <= 0 {
		r.cfg.Period = 10 * time.Millisecond
	}
	if r.cfg.Duration <= 0 {
		r.cfg.Duration = 2 * time.Second
	}
	if c.CheckOnly {
		return r, nil
	}
	if err := ownClocks(ctx, env.Nodes); err != nil {
		return nil, err
	}
	helper := c.Helper
	if helper == "" {
		dir, err := os.MkdirTemp("", "faultline-clock")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		if helper, err = BuildHelper(ctx, dir); err != nil {
			return nil, err
		}
	}
	err := target.Each(ctx, env.Nodes, func(ctx context.Context, n db.Node) error {
		if _, err := node.Output(ctx, n.Conn, "mkdir", "-p", filepath.Dir(HelperPath)); err != nil {
			return err
		}
		if err := n.Conn.Upload(ctx, helper, HelperPath); err != nil {
			return fmt.Errorf("uploading the clock helper: %w", err)
		}
		_, err := node.Shell(ctx, n.Conn, `chmod 755 "$1" && "$1" now >/dev/null`, HelperPath)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("clock setup: %w", err)
	}
	return r, nil
}

// BuildHelper builds the helper into dir and returns its path. It needs
// the Go toolchain and this module's source (it runs from the repository);
// otherwise set Nemesis.Helper to a prebuilt binary
// (CGO_ENABLED=0 go build -o faultline-clock ./nemesis/clock/clockhelper).
func BuildHelper(ctx context.Context, dir string) (string, error) {
	return helperbin.Build(ctx, dir, HelperPackage, "faultline-clock")
}

// ownClocks refuses nodes that share a kernel with each other or with the
// control node.
func ownClocks(ctx context.Context, nodes []db.Node) error {
	mine, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return fmt.Errorf("reading the control node's boot_id: %w", err)
	}
	byBoot := map[string][]string{strings.TrimSpace(string(mine)): {"the control node"}}
	var mu sync.Mutex
	err = target.Each(ctx, nodes, func(ctx context.Context, n db.Node) error {
		id, err := node.Output(ctx, n.Conn, "cat", "/proc/sys/kernel/random/boot_id")
		if err != nil {
			return fmt.Errorf("reading boot_id: %w", err)
		}
		mu.Lock()
		byBoot[strings.TrimSpace(id)] = append(byBoot[strings.TrimSpace(id)], n.Name)
		mu.Unlock()
		return nil
	})
	if err != nil {
		return err
	}
	var shared []string
	for id, who := range byBoot {
		if len(who) > 1 {
			sort.Strings(who)
			shared = append(shared, fmt.Sprintf("%s share boot_id %s", strings.Join(who, ", "), id))
		}
	}
	if len(shared) > 0 {
		sort.Strings(shared)
		return fmt.Errorf("%w, but %s: they run on one kernel with one clock (as on the local cluster), so moving one node's clock would move them all; use real machines or VMs, or CheckOnly to measure offsets", ErrSharedClock, strings.Join(shared, "; "))
	}
	return nil
}

// Invoke performs a clock op.
func (r *running) Invoke(ctx context.Context, op history.Op) (history.Op, error) {
	if op.F == Check {
		offs, err := r.offsets(ctx, r.pick.Nodes())
		op.Value = offs
		return op, err
	}
	if r.cfg.CheckOnly || (op.F != Bump && op.F != Strobe && op.F != Reset) {
		return op, fmt.Errorf("this clock nemesis handles %s, not %q", strings.Join(r.cfg.Fs(), ", "), op.F)
	}
	var nodes []db.Node
	var err error
	if op.F == Reset && op.Value == nil {
		nodes = r.pick.Nodes()
	} else {
		if nodes, err = r.pick.PickValue(ctx, op.Value, r.def); err != nil {
			return op, err
		}
	}
	value := history.Map{{Key: history.Keyword("nodes"), Value: target.Names(nodes)}}
	switch op.F {
	case Bump:
		delta := time.Duration((2*r.pick.Float64() - 1) * float64(r.cfg.MaxBump)).Truncate(time.Millisecond)
		value = append(value, history.MapEntry{Key: history.Keyword("delta-ms"), Value: delta.Milliseconds()})
		r.mark(nodes, true)
		err = r.helper(ctx, nodes, "bump", delta.Milliseconds())
	case Strobe:
		delta := time.Duration(r.pick.Float64() * float64(r.cfg.MaxBump)).Truncate(time.Millisecond)
		value = append(value, history.MapEntry{Key: history.Keyword("delta-ms"), Value: delta.Milliseconds()},
			history.MapEntry{Key: history.Keyword("period-ms"), Value: r.cfg.Period.Milliseconds()},
			history.MapEntry{Key: history.Keyword("duration-ms"), Value: r.cfg.Duration.Milliseconds()})
		r.mark(nodes, true)
		err = r.helper(ctx, nodes, "strobe", delta.Milliseconds(), r.cfg.Period.Milliseconds(), r.cfg.Duration.Milliseconds())
	case Reset:
		err = r.reset(ctx, nodes)
	}
	offs, oerr := r.offsets(ctx, r.pick.Nodes())
	op.Value = append(value, history.MapEntry{Key: history.Keyword("clock-offsets"), Value: offs})
	return op, errors.Join(err, oerr)
}

func (r *running) mark(nodes []db.Node, on bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range nodes {
		r.touched[n.Name] = on
	}
}

func (r *running) helper(ctx context.Context, nodes []db.Node, cmd string, args ...int64) error {
	argv := []string{HelperPath, cmd}
	for _, a := range args {
		argv = append(argv, strconv.FormatInt(a, 10))
	}
	return target.Each(ctx, nodes, func(ctx context.Context, n db.Node) error {
		_, err := node.Output(ctx, n.Conn, argv...)
		return err
	})
}

// reset measures each node's offset and bumps it back by that much.
func (r *running) reset(ctx context.Context, nodes []db.Node) error {
	err := target.Each(ctx, nodes, func(ctx context.Context, n db.Node) error {
		if err := ResetNode(ctx, n); err != nil {
			return err
		}
		r.mark([]db.Node{n}, false)
		return nil
	})
	return err
}

// ResetNode bumps n's clock back by its measured offset from the control
// node's clock, with the helper an earlier Setup uploaded: what reset-clock
// does, and what the fault ledger does for a clock fault a crashed run left.
func ResetNode(ctx context.Context, n db.Node) error {
	off, err := offset(ctx, n)
	if err != nil {
		return err
	}
	if _, err := node.Output(ctx, n.Conn, HelperPath, "bump", strconv.FormatInt(-off.Milliseconds(), 10)); err != nil {
		return fmt.Errorf("on %s: resetting the clock: %w", n.Name, err)
	}
	return nil
}

// offset is the node's clock minus the control node's, estimated at the
// midpoint of the round trip that read it.
func offset(ctx context.Context, n db.Node) (time.Duration, error) {
	before := time.Now()
	out, err := node.Output(ctx, n.Conn, "sh", "-c", `if [ -x "$1" ]; then "$1" now; else date +%s%N; fi`, "sh", HelperPath)
	after := time.Now()
	if err != nil {
		return 0, fmt.Errorf("on %s: reading the clock: %w", n.Name, err)
	}
	ns, err := strconv.ParseInt(strings.TrimSpace(out), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("on %s: reading the clock: got %q, expected nanoseconds since the epoch", n.Name, out)
	}
	mid := before.Add(after.Sub(before) / 2)
	return time.Duration(ns - mid.UnixNano()), nil
}

// offsets measures every node's offset in seconds.
func (r *running) offsets(ctx context.Context, nodes []db.Node) (history.Map, error) {
	out := make(history.Map, len(nodes))
	err := target.Each(ctx, nodes, func(ctx context.Context, n db.Node) error {
		off, err := offset(ctx, n)
		secs := math.NaN()
		if err == nil {
			secs = off.Seconds()
		}
		for i, m := range nodes {
			if m.Name == n.Name {
				out[i] = history.MapEntry{Key: n.Name, Value: secs}
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Teardown resets every clock a fault moved and has not been reset since.
func (r *running) Teardown(ctx context.Context) error {
	r.mu.Lock()
	var nodes []db.Node
	for _, n := range r.pick.Nodes() {
		if r.touched[n.Name] {
			nodes = append(nodes, n)
		}
	}
	r.mu.Unlock()
	if len(nodes) == 0 {
		return nil
	}
	if err := r.reset(ctx, nodes); err != nil {
		return fmt.Errorf("resetting clocks on teardown: %w", err)
	}
	return nil
}
