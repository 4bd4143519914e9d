// Package process crashes and freezes the database's processes through the
// DB's own capabilities: Kill (kill, start) uses db.Killer and Pause (pause,
// resume) uses db.Pauser, since only the DB knows which processes are its
// own and how to bring them back. A nemesis whose DB lacks the capability
// fails at Setup, naming it.
//
// Ops: kill / pause with a target spec as value (nil: the nemesis's
// Targets, default one random node), completed with {:nodes [..]}; start /
// resume with nil (every node the fault may have touched, as Jepsen
// restarts everything) or a spec, completed with {:nodes [..]}. Teardown
// starts or resumes every node a fault touched since it was last healed,
// so an interrupted test leaves no process stopped.
package process

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/nemesis"
	"github.com/faultline/faultline/nemesis/target"
)

// Fs of the two nemeses.
const (
	KillF   = "kill"
	StartF  = "start"
	PauseF  = "pause"
	ResumeF = "resume"
)

// Kill kills and restarts the DB's processes (db.Killer).
type Kill struct {
	Targets target.Spec // zero: one random node
	Seed    uint64
}

// Pause pauses and resumes the DB's processes (db.Pauser).
type Pause struct {
	Targets target.Spec // zero: one random node
	Seed    uint64
}

// Fs returns kill and start.
func (Kill) Fs() []string { return []string{KillF, StartF} }

// Fs returns pause and resume.
func (Pause) Fs() []string { return []string{PauseF, ResumeF} }

// Setup checks that the DB is a db.Killer.
func (k Kill) Setup(ctx context.Context, env nemesis.Env) (nemesis.Active, error) {
	kl, ok := env.DB.(db.Killer)
	if !ok {
		return nil, fmt.Errorf("kill faults need a database that implements db.Killer (Kill and Start on a node); %T does not", env.DB)
	}
	return newRunning(env, k.Targets, k.Seed, KillF, StartF, kl.Kill, kl.Start), nil
}

// Setup checks that the DB is a db.Pauser.
func (p Pause) Setup(ctx context.Context, env nemesis.Env) (nemesis.Active, error) {
	pa, ok := env.DB.(db.Pauser)
	if !ok {
		return nil, fmt.Errorf("pause faults need a database that implements db.Pauser (Pause and Resume on a node); %T does not", env.DB)
	}
	return newRunning(env, p.Targets, p.Seed, PauseF, ResumeF, pa.Pause, pa.Resume), nil
}

type action func(ctx context.Context, n db.Node) error

// running is a set-up Kill or Pause: one fault, one heal.
type running struct {
	pick          *target.Picker
	def           target.Spec
	faultF, healF string
	fault, heal   action
	mu            sync.Mutex
	touched       []string // nodes a fault was sent to since their last heal
}

func newRunning(env nemesis.Env, def target.Spec, seed uint64, faultF, healF string, fault, heal action) *running {
	if def.Kind == "" {
		def = target.Spec{Kind: target.One}
	}
	return &running{pick: target.NewPicker(env, seed), def: def, faultF: faultF, healF: healF, fault: fault, heal: heal}
}

// Invoke performs the fault or the heal on the op's targets.
func (r *running) Invoke(ctx context.Context, op history.Op) (history.Op, error) {
	var nodes []db.Node
	var err error
	switch op.F {
	case r.faultF:
		if nodes, err = r.pick.PickValue(ctx, op.Value, r.def); err != nil {
			return op, err
		}
		r.mark(nodes)
		err = target.Each(ctx, nodes, r.fault)
	case r.healF:
		if op.Value == nil {
			nodes = r.pick.Nodes()
		} else if nodes, err = r.pick.PickValue(ctx, op.Value, r.def); err != nil {
			return op, err
		}
		err = r.healNodes(ctx, nodes)
	default:
		return op, fmt.Errorf("this nemesis handles %s and %s, not %q", r.faultF, r.healF, op.F)
	}
	op.Value = history.Map{{Key: history.Keyword("nodes"), Value: target.Names(nodes)}}
	return op, err
}

func (r *running) mark(nodes []db.Node) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range nodes {
		if !slices.Contains(r.touched, n.Name) {
			r.touched = append(r.touched, n.Name)
		}
	}
}

// healNodes heals nodes and forgets those that healed.
func (r *running) healNodes(ctx context.Context, nodes []db.Node) error {
	var mu sync.Mutex
	var healed []string
	err := target.Each(ctx, nodes, func(ctx context.Context, n db.Node) error {
		if err := r.heal(ctx, n); err != nil {
			return err
		}
		mu.Lock()
		healed = append(healed, n.Name)
		mu.Unlock()
		return nil
	})
	r.mu.Lock()
	r.touched = slices.DeleteFunc(r.touched, func(n string) bool { return slices.Contains(healed, n) })
	r.mu.Unlock()
	return err
}

// Teardown heals every node a fault touched and has not been healed since.
func (r *running) Teardown(ctx context.Context) error {
	r.mu.Lock()
	var nodes []db.Node
	for _, n := range r.pick.Nodes() {
		if slices.Contains(r.touched, n.Name) {
			nodes = append(nodes, n)
		}
	}
	r.mu.Unlock()
	if err := r.healNodes(ctx, nodes); err != nil {
		return fmt.Errorf("%s on teardown: %w", r.healF, err)
	}
	return nil
}
