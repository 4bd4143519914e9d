// Package proto holds the methods every nemesis package would otherwise
// write again: a prototype's Invoke (which refuses: set it up first) and
// Teardown (nothing to heal), which it has only because runner.Test holds a
// prototype as a nemesis.Nemesis (embed NotSetUp); and a set-up nemesis's
// Setup and Fs, taken from its prototype (embed SetUp).
package proto

import (
	"context"
	"fmt"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/nemesis"
)

// NotSetUp is embedded in nemesis prototypes.
type NotSetUp struct{}

// Invoke refuses: a prototype must be set up first.
func (NotSetUp) Invoke(_ context.Context, op history.Op) (history.Op, error) {
	return op, fmt.Errorf("nemesis for %q used before Setup: call Setup and use the nemesis it returns", op.F)
}

// Teardown has nothing to heal: a prototype never did anything.
func (NotSetUp) Teardown(context.Context) error { return nil }

// SetUp is embedded in a set-up nemesis to give it the Setup and Fs of its
// prototype: setting a set-up nemesis up again starts afresh from the
// prototype, and it handles the prototype's fs.
type SetUp struct{ Proto nemesis.Nemesis }

// Setup sets a fresh copy up from the prototype.
func (s SetUp) Setup(ctx context.Context, env nemesis.Env) (nemesis.Nemesis, error) {
	return s.Proto.Setup(ctx, env)
}

// Fs returns the prototype's fs.
func (s SetUp) Fs() []string { return s.Proto.Fs() }
