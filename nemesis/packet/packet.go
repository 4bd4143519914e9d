// Package packet makes links between test nodes lossy, slow or worse. Loss drops
// each packet a target node receives from another test node with a
// probability, with iptables' statistic match (-m statistic --mode random
// --probability p) in a chain of its own (faultline-packet), so the control
// node's traffic is never dropped. Delay, jitter, corruption, duplication,
// reordering and rate limits need the kernel's netem qdisc (on the
// target's egress, all traffic); on a kernel without it (this project's CI kernel has none) Setup
// fails and says so, rather than running a test that silently injects
// nothing.
//
// Ops: start-packet with a target spec as value (nil: the nemesis's
// Targets, default "all"), completed with {:nodes [..], :loss p, :delay-ms d,
// :jitter-ms j, :netem "tc netem arguments"}; stop-packet heals every node, completed with {:healed [..]}.
package packet

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/control/node"
	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/nemesis"
	"github.com/faultline/faultline/nemesis/internal/fw"
	"github.com/faultline/faultline/nemesis/target"
)

// Chain is the iptables chain holding the loss rules on each node.
const Chain = "faultline-packet"

// Fs the packet nemesis handles.
const (
	Start = "start-packet"
	Stop  = "stop-packet"
)

// Behaviour is what a faulty link does. Jepsen's "flaky" is Loss 0.2, its
// "slow" Delay 50 ms with Jitter 10 ms.
type Behaviour struct {
	Loss   float64       // probability of dropping each packet, in (0, 1]
	Delay  time.Duration // added to every packet the target sends (netem)
	Jitter time.Duration // spread of the delay (netem)
	// The other netem faults, as probabilities in [0, 1] (Reorder needs a
	// Delay: reordered packets are the ones sent without it), and a rate
	// limit in bits per second.
	Corrupt, Duplicate, Reorder float64
	Rate                        int64
}

// netem reports whether the behaviour needs the netem qdisc.
func (b Behaviour) netem() bool {
	return b.Delay > 0 || b.Corrupt > 0 || b.Duplicate > 0 || b.Reorder > 0 || b.Rate > 0
}

// NetemArgs is the tc netem argument list of the behaviour (empty when it
// needs no netem): delay D [J], corrupt P%, duplicate P%, reorder P%, rate R.
func (b Behaviour) NetemArgs() []string {
	var a []string
	pct := func(p float64) string { return strconv.FormatFloat(p*100, 'f', -1, 64) + "%" }
	if b.Delay > 0 {
		a = append(a, "delay", fmt.Sprintf("%dus", b.Delay.Microseconds()))
		if b.Jitter > 0 {
			a = append(a, fmt.Sprintf("%dus", b.Jitter.Microseconds()))
		}
	}
	if b.Corrupt > 0 {
		a = append(a, "corrupt", pct(b.Corrupt))
	}
	if b.Duplicate > 0 {
		a = append(a, "duplicate", pct(b.Duplicate))
	}
	if b.Reorder > 0 {
		a = append(a, "reorder", pct(b.Reorder))
	}
	if b.Rate > 0 {
		a = append(a, "rate", strconv.FormatInt(b.Rate, 10)+"bit")
	}
	return a
}

// Flaky and Slow are Jepsen's standard behaviours.
var (
	Flaky = Behaviour{Loss: 0.2}
	Slow  = Behaviour{Delay: 50 * time.Millisecond, Jitter: 10 * time.Millisecond}
)

// Validate says what is wrong with a behaviour.
func (b Behaviour) Validate() error {
	if b.Loss < 0 || b.Loss > 1 {
		return fmt.Errorf("packet loss %v: expected a probability between 0 and 1", b.Loss)
	}
	if b.Delay < 0 || b.Jitter < 0 {
		return fmt.Errorf("packet delay %v and jitter %v: expected durations of zero or more", b.Delay, b.Jitter)
	}
	if b.Jitter > 0 && b.Delay == 0 {
		return fmt.Errorf("packet jitter %v without a delay: netem jitter spreads a delay", b.Jitter)
	}
	for name, p := range map[string]float64{"corrupt": b.Corrupt, "duplicate": b.Duplicate, "reorder": b.Reorder} {
		if p < 0 || p > 1 {
			return fmt.Errorf("packet %s %v: expected a probability between 0 and 1", name, p)
		}
	}
	if b.Reorder > 0 && b.Delay == 0 {
		return fmt.Errorf("packet reorder %v without a delay: netem reorders by sending some packets without the delay", b.Reorder)
	}
	if b.Rate < 0 {
		return fmt.Errorf("packet rate %d: expected bits per second, zero for no limit", b.Rate)
	}
	if b.Loss == 0 && !b.netem() {
		return errors.New("packet behaviour does nothing: expected a loss, delay, corruption, duplication, reordering or rate limit")
	}
	return nil
}

// Nemesis is the factory of these faults; Setup returns the active fault.
type Nemesis struct {
	Behaviour Behaviour
	Targets   target.Spec // nodes start-packet hits when its value is nil; zero means all
	Seed      uint64
}

// Fs returns start-packet and stop-packet.
func (Nemesis) Fs() []string { return []string{Start, Stop} }

// ErrNoNetem is returned (wrapped, naming the node and tc's message) by Setup
// when a netem fault (delay, corruption, duplication, reordering, rate) is
// asked for and the node's kernel has no netem qdisc.
var ErrNoNetem = errors.New("delay, corruption, duplication, reordering and rate limits need the netem qdisc, which this kernel does not have (unsupported on this kernel; packet loss works without it)")

// running is the active fault Nemesis.Setup returns.
type running struct {
	cfg   Nemesis // the factory, defaults filled in
	pick  *target.Picker
	addrs map[string]map[string]netip.Addr
	def   target.Spec
}

// Setup checks the behaviour and the nodes' kernels, creates the loss
// chain, and heals what an earlier run may have left.
func (p Nemesis) Setup(ctx context.Context, env nemesis.Env) (nemesis.Active, error) {
	if err := p.Behaviour.Validate(); err != nil {
		return nil, err
	}
	r := &running{cfg: p, pick: target.NewPicker(env, p.Seed), addrs: map[string]map[string]netip.Addr{}, def: p.Targets}
	if r.def.Kind == "" {
		r.def = target.Spec{Kind: target.All}
	}
	addrs := make([]map[string]netip.Addr, len(env.Nodes))
	index := map[string]int{}
	for i, n := range env.Nodes {
		index[n.Name] = i
	}
	err := target.Each(ctx, env.Nodes, func(ctx context.Context, n db.Node) error {
		if p.Behaviour.netem() {
			if err := probeNetem(ctx, n); err != nil {
				return err
			}
		}
		if err := fw.Ensure(ctx, n, Chain); err != nil {
			return err
		}
		if err := heal(ctx, n); err != nil {
			return err
		}
		a, err := fw.Addrs(ctx, n)
		addrs[index[n.Name]] = a
		return err
	})
	for i, n := range env.Nodes {
		r.addrs[n.Name] = addrs[i]
	}
	if err != nil {
		r.Teardown(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("packet setup: %w", err)
	}
	return r, nil
}

// probeNetem adds and removes a netem qdisc on the node's loopback.
func probeNetem(ctx context.Context, n db.Node) error {
	_, err := node.Shell(ctx, n.Conn, `tc qdisc add dev lo root netem delay 1ms && tc qdisc del dev lo root`)
	if err != nil {
		return fmt.Errorf("on %s: %w: tc qdisc add dev lo root netem delay 1ms failed: %v", n.Name, ErrNoNetem, err)
	}
	return nil
}

// Invoke starts or stops the faulty links.
func (r *running) Invoke(ctx context.Context, op history.Op) (history.Op, error) {
	switch op.F {
	case Start:
		nodes, err := r.pick.PickValue(ctx, op.Value, r.def)
		if err != nil {
			return op, err
		}
		b := r.cfg.Behaviour
		if err := target.Each(ctx, nodes, func(ctx context.Context, n db.Node) error { return r.start(ctx, n) }); err != nil {
			return op, err
		}
		op.Value = history.Map{
			{Key: history.Keyword("nodes"), Value: target.Names(nodes)},
			{Key: history.Keyword("loss"), Value: b.Loss},
			{Key: history.Keyword("delay-ms"), Value: ms(b.Delay)},
			{Key: history.Keyword("jitter-ms"), Value: ms(b.Jitter)},
			{Key: history.Keyword("netem"), Value: strings.Join(b.NetemArgs(), " ")},
		}
		return op, nil
	case Stop:
		if err := target.Each(ctx, r.pick.Nodes(), heal); err != nil {
			return op, err
		}
		op.Value = history.Map{{Key: history.Keyword("healed"), Value: target.Names(r.pick.Nodes())}}
		return op, nil
	}
	return op, fmt.Errorf("the packet nemesis handles %s and %s, not %q", Start, Stop, op.F)
}

// start makes node n's links faulty: loss for packets from other test
// nodes, netem (delay, corruption, ...) on every interface but loopback.
func (r *running) start(ctx context.Context, n db.Node) error {
	b := r.cfg.Behaviour
	if b.Loss > 0 {
		var from []netip.Addr
		for _, a := range r.addrs[n.Name] {
			from = append(from, a)
		}
		match := []string{"-m", "statistic", "--mode", "random", "--probability", strconv.FormatFloat(b.Loss, 'f', -1, 64)}
		if err := fw.Apply(ctx, n, Chain, from, match); err != nil {
			return err
		}
	}
	if b.netem() {
		_, err := node.Shell(ctx, n.Conn, `for dev in $(ls /sys/class/net); do [ "$dev" = lo ] && continue
tc qdisc replace dev "$dev" root netem "$@" || exit 1; done`, b.NetemArgs()...)
		if err != nil {
			return fmt.Errorf("on %s: adding netem %s: %w", n.Name, strings.Join(b.NetemArgs(), " "), err)
		}
	}
	return nil
}

// heal flushes the loss chain and removes netem qdiscs (only netem ones:
// a node's own shaping is left alone).
func heal(ctx context.Context, n db.Node) error {
	if err := fw.Flush(ctx, n, Chain); err != nil {
		return err
	}
	_, err := node.Shell(ctx, n.Conn, `command -v tc >/dev/null || exit 0
for dev in $(ls /sys/class/net); do
  tc qdisc show dev "$dev" root 2>/dev/null | grep -q '^qdisc netem' && { tc qdisc del dev "$dev" root || exit 1; }
done; exit 0`)
	if err != nil {
		return fmt.Errorf("on %s: removing netem qdiscs: %w", n.Name, err)
	}
	return nil
}

// Teardown heals every node and removes the chain.
func (r *running) Teardown(ctx context.Context) error {
	return target.Each(ctx, r.pick.Nodes(), func(ctx context.Context, n db.Node) error {
		return errors.Join(heal(ctx, n), fw.Remove(ctx, n, Chain))
	})
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
