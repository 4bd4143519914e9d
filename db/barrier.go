package db

import (
	"context"
	"sync"
)

// Barrier is a reusable rendezvous of n parties (the nodes of one setup
// step) that a failing party breaks for everyone. The runner gives every
// node of a step the same Barrier's Wait as Node.Barrier; a DB's own tests
// use one to run its setup the way the runner does.
type Barrier struct {
	mu      sync.Mutex
	n, here int
	release chan struct{}
	broken  error
}

// NewBarrier returns a barrier for n parties.
func NewBarrier(n int) *Barrier { return &Barrier{n: n, release: make(chan struct{})} }

// Wait blocks until all n parties have called it (then the barrier is
// ready for the next round), the barrier is broken (a *BrokenBarrierError),
// or ctx ends.
func (b *Barrier) Wait(ctx context.Context) error {
	b.mu.Lock()
	if b.broken != nil {
		defer b.mu.Unlock()
		return b.broken
	}
	b.here++
	ch := b.release
	if b.here == b.n {
		close(ch)
		b.here, b.release = 0, make(chan struct{})
		b.mu.Unlock()
		return nil
	}
	b.mu.Unlock()
	select {
	case <-ch:
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.broken
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Fail breaks the barrier: every party waiting, and every later Wait, gets
// a *BrokenBarrierError with err as its cause. Only the first Fail counts.
func (b *Barrier) Fail(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.broken == nil {
		b.broken = &BrokenBarrierError{Cause: err}
		close(b.release)
	}
}

// BrokenBarrierError is what the nodes waiting at a barrier get when another
// node failed: they did not fail themselves.
type BrokenBarrierError struct{ Cause error }

func (e *BrokenBarrierError) Error() string { return "stopped waiting: " + e.Cause.Error() }
