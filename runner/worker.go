package runner

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/faultline/faultline/client"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/nemesis"
)

// A worker performs the ops of one thread, one at a time: it receives an op
// on its own channel and sends the completion on the channel shared by all
// workers. Workers are long-lived goroutines (no goroutine per op), and each
// has at most one op in flight, so the shared channel, sized for every
// worker, never blocks them.

// perform runs the control ops (sleep, log) that any worker handles the same
// way. It reports whether op was one.
func perform(ctx context.Context, op history.Op, log *slog.Logger) bool {
	switch op.Type {
	case history.Sleep:
		d, _ := history.AsInt(op.Value)
		if d > 0 {
			t := time.NewTimer(time.Duration(d))
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
			}
		}
		return true
	case history.Log:
		log.Info(fmt.Sprint(op.Value), "process", history.ProcessString(op.Process))
		return true
	}
	return false
}

// clientWorker is the worker of one client thread, bound to one node. Its
// client is opened when the worker starts and reopened after every op that
// retires the process (an info completion, an error, a panic), since the old
// connection may still be carrying that op.
func clientWorker(ctx context.Context, node string, proto client.Client, log *slog.Logger, in <-chan history.Op, out chan<- history.Op) {
	var c client.Client
	open := func() {
		var err error
		if c, err = proto.Open(ctx, node); err != nil {
			c = nil
			log.Warn("opening client failed", "node", node, "err", err)
		}
	}
	closeClient := func() {
		if c != nil {
			if err := c.Close(context.WithoutCancel(ctx)); err != nil {
				log.Warn("closing client failed", "node", node, "err", err)
			}
			c = nil
		}
	}
	defer closeClient()
	open()
	for op := range in {
		if perform(ctx, op, log) {
			out <- op
			continue
		}
		if c == nil {
			open()
		}
		if c == nil {
			// The op never left this machine, so it certainly did not happen.
			done := op
			done.Type, done.Error = history.Fail, "no client: opening a client to "+node+" failed"
			out <- done
			continue
		}
		o := client.Call(ctx, c, op)
		if o.Violation != nil {
			log.Error("client broke the completion contract", "node", node, "err", o.Violation)
		}
		out <- o.Completion
		if o.Retire {
			closeClient()
			open()
		}
	}
}

// nemesisWorker is the worker of the nemesis thread.
func nemesisWorker(ctx context.Context, n nemesis.Active, log *slog.Logger, in <-chan history.Op, out chan<- history.Op) {
	for op := range in {
		if perform(ctx, op, log) {
			out <- op
			continue
		}
		out <- nemesis.Call(ctx, n, op)
	}
}
