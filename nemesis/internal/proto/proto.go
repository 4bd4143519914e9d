// Package proto gives nemesis prototypes the two methods they have only
// because a prototype must be a nemesis.Nemesis (runner.Test holds one
// before Setup): Invoke, which refuses, and Teardown, which has nothing to
// heal. Embed NotSetUp in a prototype struct.
package proto

import (
	"context"
	"fmt"

	"github.com/faultline/faultline/history"
)

// NotSetUp is embedded in nemesis prototypes.
type NotSetUp struct{}

// Invoke refuses: a prototype must be set up first.
func (NotSetUp) Invoke(_ context.Context, op history.Op) (history.Op, error) {
	return op, fmt.Errorf("nemesis for %q used before Setup: call Setup and use the nemesis it returns", op.F)
}

// Teardown has nothing to heal: a prototype never did anything.
func (NotSetUp) Teardown(context.Context) error { return nil }
