// Package osetup prepares a node's operating system before the database is
// installed: packages, users, clock sync off, kernel settings. It is separate
// from db.DB because one OS setup (Debian, say) serves many databases, and it
// runs on every node before any DB setup starts.
package osetup

import (
	"context"

	"github.com/faultline/faultline/db"
)

// OS prepares and restores one node. Setup runs on every node at once, before
// DB setup; Teardown after DB teardown. Both get the same view of the node a
// DB gets (db.Node), barrier included.
type OS interface {
	Setup(ctx context.Context, n db.Node) error
	Teardown(ctx context.Context, n db.Node) error
}

// Noop leaves the operating system as it is (nodes prepared by hand, or the
// local cluster, which builds its nodes ready to use).
type Noop struct{}

// Setup does nothing.
func (Noop) Setup(context.Context, db.Node) error { return nil }

// Teardown does nothing.
func (Noop) Teardown(context.Context, db.Node) error { return nil }
