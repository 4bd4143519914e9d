package etcd

import (
	"context"
	"fmt"
	"strconv"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/faultline/faultline/client"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/workload/register"
)

// registerClient performs the register workload (workload/register): key k
// is the etcd key "r/<k>" holding a decimal integer. A read is a Get
// (linearizable, or serializable with --serializable-reads); a write is a
// Put; a cas is a transaction comparing the key's value with old and
// putting new only if it matches, so a compare that fails is a definite
// fail.
type registerClient struct{ conn }

// Open connects a register client to node.
func (c registerClient) Open(_ context.Context, node string) (client.Client, error) {
	cn, err := c.dial(node)
	return registerClient{cn}, err
}

func registerKey(k any) string { return "r/" + history.FormatEDN(k) }

// Invoke performs one register op.
func (c registerClient) Invoke(ctx context.Context, op history.Op) (history.Op, error) {
	k, v, ok := history.TupleKey(op)
	if !ok {
		return op, fmt.Errorf("register op %s: value %s: expected a [key value] tuple", op.F, history.FormatEDN(op.Value))
	}
	key := registerKey(k)
	switch op.F {
	case register.Read:
		ctx, cancel := c.withTimeout(ctx, false)
		defer cancel()
		resp, err := c.kv.Get(ctx, key, c.readOpts()...)
		if err != nil {
			return c.complete(ctx, op, err, true), nil
		}
		var got any
		if len(resp.Kvs) > 0 {
			n, err := strconv.ParseInt(string(resp.Kvs[0].Value), 10, 64)
			if err != nil {
				return op, fmt.Errorf("read %s: etcd holds %q, expected an integer", key, resp.Kvs[0].Value)
			}
			got = n
		}
		op.Type, op.Value = history.OK, []any{k, got}
		return op, nil
	case register.Write:
		n, ok := history.AsInt(v)
		if !ok {
			return op, fmt.Errorf("write %s: value %s: expected an integer", key, history.FormatEDN(v))
		}
		ctx, cancel := c.withTimeout(ctx, true)
		defer cancel()
		_, err := c.kv.Put(ctx, key, strconv.FormatInt(n, 10))
		return c.complete(ctx, op, err, false), nil
	case register.CAS:
		pair, ok := history.AsSlice(v)
		if !ok || len(pair) != 2 {
			return op, fmt.Errorf("cas %s: value %s: expected [old new]", key, history.FormatEDN(v))
		}
		old, ok1 := history.AsInt(pair[0])
		nu, ok2 := history.AsInt(pair[1])
		if !ok1 || !ok2 {
			return op, fmt.Errorf("cas %s: value %s: expected two integers", key, history.FormatEDN(v))
		}
		ctx, cancel := c.withTimeout(ctx, true)
		defer cancel()
		resp, err := c.kv.Txn(ctx).
			If(clientv3.Compare(clientv3.Value(key), "=", strconv.FormatInt(old, 10))).
			Then(clientv3.OpPut(key, strconv.FormatInt(nu, 10))).
			Commit()
		if err != nil {
			return c.complete(ctx, op, err, false), nil
		}
		if !resp.Succeeded {
			op.Type, op.Error = history.Fail, "compare failed: the register did not hold "+strconv.FormatInt(old, 10)
			return op, nil
		}
		op.Type = history.OK
		return op, nil
	}
	return op, fmt.Errorf("register client: unknown f %q (expected read, write or cas)", op.F)
}
