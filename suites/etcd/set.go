package etcd

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/faultline/faultline/client"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/workload/set"
)

// setPrefix holds the set: element e is the key "s/<e>".
const setPrefix = "s/"

// setClient performs the set workload (workload/set): an add puts the
// element's own key, and a read lists every key under the prefix, so a read
// sees the whole set at one revision.
type setClient struct{ conn }

// Open connects a set client to node.
func (c setClient) Open(_ context.Context, node string) (client.Client, error) {
	cn, err := c.dial(node)
	return setClient{cn}, err
}

var _ client.Client = setClient{}

// Invoke performs one set op.
func (c setClient) Invoke(ctx context.Context, op history.Op) (history.Op, error) {
	switch op.F {
	case set.Add:
		e, ok := history.AsInt(op.Value)
		if !ok {
			return op, fmt.Errorf("add %s: expected an integer element", history.FormatEDN(op.Value))
		}
		ctx, cancel := c.withTimeout(ctx, true)
		defer cancel()
		_, err := c.kv.Put(ctx, setPrefix+strconv.FormatInt(e, 10), "")
		return c.complete(ctx, op, err, false), nil
	case set.Read:
		ctx, cancel := c.withTimeout(ctx, false)
		defer cancel()
		resp, err := c.kv.Get(ctx, setPrefix, c.readOpts(clientv3.WithPrefix(), clientv3.WithKeysOnly())...)
		if err != nil {
			return c.complete(ctx, op, err, true), nil
		}
		elems := make([]int64, 0, len(resp.Kvs))
		for _, kv := range resp.Kvs {
			e, err := strconv.ParseInt(strings.TrimPrefix(string(kv.Key), setPrefix), 10, 64)
			if err != nil {
				return op, fmt.Errorf("read: key %q under %s: expected an integer element", kv.Key, setPrefix)
			}
			elems = append(elems, e)
		}
		sort.Slice(elems, func(i, j int) bool { return elems[i] < elems[j] })
		vs := make([]any, len(elems))
		for i, e := range elems {
			vs[i] = e
		}
		op.Type, op.Value = history.OK, vs
		return op, nil
	}
	return op, fmt.Errorf("set client: unknown f %q (expected add or read)", op.F)
}
