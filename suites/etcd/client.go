package etcd

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"

	"github.com/faultline/faultline/client"
	"github.com/faultline/faultline/client/quietconn"
	"github.com/faultline/faultline/history"
)

// ClientOptions are what every workload's client shares.
type ClientOptions struct {
	// Book says where each node's client port is (filled by DB setup).
	Book *AddrBook
	// Timeout bounds every request (default 1 s): long enough for an
	// election to finish, short enough that a partitioned client does not
	// stall its thread for long.
	Timeout time.Duration
	// SerializableReads makes reads serializable: served by the node from
	// its own state without asking the leader, so they may be stale.
	SerializableReads bool
}

func (o ClientOptions) timeout() time.Duration {
	if o.Timeout <= 0 {
		return time.Second
	}
	return o.Timeout
}

// readOpts are the options of every read, serializable when asked.
func (o ClientOptions) readOpts(more ...clientv3.OpOption) []clientv3.OpOption {
	if o.SerializableReads {
		more = append(more, clientv3.WithSerializable())
	}
	return more
}

// conn is one worker's connection to one node. Each client talks only to
// its own node (no failover to other endpoints), so that a fault on that
// node shows in that client's ops, as Jepsen's clients do.
type conn struct {
	ClientOptions
	node string
	kv   *clientv3.Client
}

// dial connects to node's client port. grpc connects lazily, so this does
// no I/O: a node that is down makes the first request fail, not Open.
func (o ClientOptions) dial(node string) (conn, error) {
	if o.Book == nil {
		return conn{}, fmt.Errorf("etcd client for %s: no address book (share the DB's Book with the client)", node)
	}
	c, err := clientv3.New(clientv3.Config{
		Endpoints:            []string{o.Book.ClientEndpoint(node)},
		Logger:               zap.NewNop(),
		DialKeepAliveTime:    5 * time.Second,
		DialKeepAliveTimeout: o.timeout(),
		DialOptions: []grpc.DialOption{
			// Fixed HTTP/2 windows turn off gRPC's bandwidth probing,
			// which sends a ping after every reply: one more wake-up per
			// op for replies of a few hundred bytes.
			grpc.WithInitialWindowSize(1 << 20),
			grpc.WithInitialConnWindowSize(1 << 20),
			// Reads and writes that do not wake the runtime's monitor
			// thread: most of the harness's CPU at a paced rate.
			grpc.WithContextDialer(quietconn.DialTCP),
		},
	})
	if err != nil {
		return conn{}, fmt.Errorf("etcd client for %s (%s): %w", node, o.Book.ClientEndpoint(node), err)
	}
	return conn{ClientOptions: o, node: node, kv: c}, nil
}

// Close closes the connection.
func (c conn) Close(context.Context) error {
	if c.kv == nil {
		return nil
	}
	return c.kv.Close()
}

// Setup does nothing: etcd needs no schema.
func (c conn) Setup(context.Context) error { return nil }

// Teardown does nothing: DB teardown wipes the data.
func (c conn) Teardown(context.Context) error { return nil }

// withTimeout bounds one request; writes also require a leader, so that a
// node that knows it has none rejects them at once (a definite failure)
// instead of letting them time out.
func (c conn) withTimeout(ctx context.Context, write bool) (context.Context, context.CancelFunc) {
	if write {
		ctx = clientv3.WithRequireLeader(ctx)
	}
	return context.WithTimeout(ctx, c.timeout())
}

// noLeaderBackoff is how long a client waits after its node said it has
// no leader before reporting the failure. The rejection is instant, so
// without a pause the threads on a cut-off node would spin through the
// workload (thousands of failed ops a second), crowding the history and
// moving register keys on before the rest of the cluster has touched them.
// A real client backs off too.
const noLeaderBackoff = 100 * time.Millisecond

// complete ends op with err's classification (or ok when err is nil).
// ctx is the op's context (not a request's), for the back-off.
func (c conn) complete(ctx context.Context, op history.Op, err error, readOnly bool) history.Op {
	typ, msg := classify(err, readOnly)
	op.Type = typ
	if msg != "" {
		op.Error = msg
	}
	if errors.Is(rpctypes.Error(err), rpctypes.ErrNoLeader) {
		t := time.NewTimer(noLeaderBackoff)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	return op
}

var _ client.Client = registerClient{}
