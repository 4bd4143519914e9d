// Package fakekv is an in-process cluster for testing the runner end to end:
// a replicated compare-and-set register whose replicas can be made to serve
// stale reads (the bug the checker must catch), a client for it, a DB and a
// remote that touch nothing but memory and a temp folder, a "slow" nemesis
// that adds latency (a fault that must not break correctness), and a small
// generator of register ops. It exists only for tests.
package fakekv

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faultline/faultline/client"
	"github.com/faultline/faultline/history"
)

// KV is one register shared by every node. With Lag > 0 the register is
// buggy: reads return the value as it was Lag writes ago, as a replica that
// never caught up would.
type KV struct {
	Lag int

	mu     sync.Mutex
	values []any // every value the register held, oldest first; starts with nil

	// latency is the time every op takes, and slow the extra time while
	// the slow nemesis is on, in ns.
	latency, slow atomic.Int64
	// Opened and Closed count client sessions, so tests can check that
	// retired processes get new clients and every client is closed.
	Opened, Closed atomic.Int64
	// SetupCalls and TeardownCalls count client Setup/Teardown calls.
	SetupCalls, TeardownCalls atomic.Int64
}

// NewKV returns a register holding nil. lag > 0 makes it serve stale reads.
func NewKV(lag int) *KV { return &KV{Lag: lag, values: []any{nil}} }

// SetLatency makes every op take d (what the slow nemesis does).
func (kv *KV) SetLatency(d time.Duration) { kv.latency.Store(int64(d)) }

// apply performs one op atomically and returns its completion.
func (kv *KV) apply(op history.Op) (history.Op, error) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	cur := kv.values[len(kv.values)-1]
	switch op.F {
	case "read":
		i := max(len(kv.values)-1-kv.Lag, 0)
		op.Type, op.Value = history.OK, kv.values[i]
	case "write":
		kv.values = append(kv.values, op.Value)
		op.Type = history.OK
	case "cas":
		xs, ok := history.AsSlice(op.Value)
		if !ok || len(xs) != 2 {
			return op, fmt.Errorf("cas value %v: expected [old new]", op.Value)
		}
		if history.Equal(cur, xs[0]) {
			kv.values = append(kv.values, xs[1])
			op.Type = history.OK
		} else {
			op.Type = history.Fail
		}
	default:
		return op, fmt.Errorf("unknown f %q: expected read, write or cas", op.F)
	}
	return op, nil
}

// Noop is a client that completes every op ok at once: the benchmark's
// client, so that what is measured is the runner alone.
type Noop struct{}

func (Noop) Open(context.Context, string) (client.Client, error) { return Noop{}, nil }
func (Noop) Setup(context.Context) error                         { return nil }
func (Noop) Invoke(_ context.Context, op history.Op) (history.Op, error) {
	op.Type = history.OK
	return op, nil
}
func (Noop) Teardown(context.Context) error { return nil }
func (Noop) Close(context.Context) error    { return nil }

// Client is a client of the KV. Every node serves the same register.
type Client struct {
	KV   *KV
	node string
}

// Open binds a client to node.
func (c *Client) Open(_ context.Context, node string) (client.Client, error) {
	c.KV.Opened.Add(1)
	return &Client{KV: c.KV, node: node}, nil
}

// Setup counts the call.
func (c *Client) Setup(context.Context) error { c.KV.SetupCalls.Add(1); return nil }

// Invoke applies op, after the slow nemesis's latency if it is on.
func (c *Client) Invoke(ctx context.Context, op history.Op) (history.Op, error) {
	if d := c.KV.latency.Load() + c.KV.slow.Load(); d > 0 {
		t := time.NewTimer(time.Duration(d))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return op, ctx.Err()
		}
	}
	done, err := c.KV.apply(op)
	done.Set("node", c.node)
	return done, err
}

// Teardown counts the call.
func (c *Client) Teardown(context.Context) error { c.KV.TeardownCalls.Add(1); return nil }

// Close counts the call.
func (c *Client) Close(context.Context) error {
	if c.node == "" {
		return errors.New("closing a client that was never opened")
	}
	c.KV.Closed.Add(1)
	return nil
}
