package etcd

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/faultline/faultline/client"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/workload/txn"
)

// txnClient performs Elle transactions (workload/txn) on keys "t/<k>".
// etcd transactions cannot read a value and compute a write from it, so a
// transaction runs optimistically in two round trips:
//
//  1. one read-only etcd transaction gets every key the Elle transaction
//     touches, at one revision (a snapshot), with each key's mod revision;
//  2. the micro-ops are played against that snapshot (reads see earlier
//     writes of the same transaction), and if there were writes, one etcd
//     transaction puts every written key's final value, guarded by a
//     compare of every touched key's mod revision with the snapshot's.
//
// A failed guard means another transaction wrote a key in between: nothing
// was written, a definite fail. A transaction without writes is just the
// snapshot. Under list-append a key holds its list as "1,2,3"; under
// rw-register a decimal integer.
type txnClient struct {
	conn
	write history.Keyword // txn.Append or txn.Write
}

// Open connects a transaction client to node.
func (c txnClient) Open(_ context.Context, node string) (client.Client, error) {
	cn, err := c.dial(node)
	return txnClient{conn: cn, write: c.write}, err
}

var _ client.Client = txnClient{}

// mop is one micro-op: [f k v].
type mop struct {
	f   history.Keyword
	key int64
	val int64
}

func parseTxn(op history.Op, write history.Keyword) ([]mop, error) {
	xs, ok := history.AsSlice(op.Value)
	if !ok {
		return nil, fmt.Errorf("txn value %s: expected a list of micro-ops", history.FormatEDN(op.Value))
	}
	out := make([]mop, len(xs))
	for i, x := range xs {
		m, ok := history.AsSlice(x)
		var f string
		if ok && len(m) == 3 {
			f, ok = history.AsString(m[0])
		}
		if !ok || len(m) != 3 {
			return nil, fmt.Errorf("txn micro-op %d %s: expected [f key value]", i, history.FormatEDN(x))
		}
		k, ok := history.AsInt(m[1])
		if !ok {
			return nil, fmt.Errorf("txn micro-op %d %s: expected an integer key", i, history.FormatEDN(x))
		}
		out[i] = mop{f: history.Keyword(f), key: k}
		switch out[i].f {
		case txn.Read:
		case write:
			if out[i].val, ok = history.AsInt(m[2]); !ok {
				return nil, fmt.Errorf("txn micro-op %d %s: expected an integer value", i, history.FormatEDN(x))
			}
		default:
			return nil, fmt.Errorf("txn micro-op %d %s: expected :r or :%s", i, history.FormatEDN(x), write)
		}
	}
	return out, nil
}

func txnKey(k int64) string { return "t/" + strconv.FormatInt(k, 10) }

// Invoke performs one transaction.
func (c txnClient) Invoke(ctx context.Context, op history.Op) (history.Op, error) {
	if op.F != txn.F {
		return op, fmt.Errorf("txn client: unknown f %q (expected txn)", op.F)
	}
	mops, err := parseTxn(op, c.write)
	if err != nil {
		return op, err
	}
	var keys []int64
	for _, m := range mops {
		if !slices.Contains(keys, m.key) {
			keys = append(keys, m.key)
		}
	}
	// 1. The snapshot.
	gets := make([]clientv3.Op, len(keys))
	for i, k := range keys {
		gets[i] = clientv3.OpGet(txnKey(k), c.readOpts()...)
	}
	rctx, cancel := c.withTimeout(ctx, false)
	snap, err := c.kv.Txn(rctx).Then(gets...).Commit()
	cancel()
	if err != nil {
		return c.complete(ctx, op, err, true), nil
	}
	state := make(map[int64][]int64, len(keys))
	revs := make(map[int64]int64, len(keys))
	for i, k := range keys {
		kvs := snap.Responses[i].GetResponseRange().GetKvs()
		if len(kvs) == 0 {
			continue
		}
		revs[k] = kvs[0].ModRevision
		if state[k], err = decodeInts(string(kvs[0].Value)); err != nil {
			return op, fmt.Errorf("txn: key %s holds %q: %w", txnKey(k), kvs[0].Value, err)
		}
	}
	// 2. Play the micro-ops against it.
	done := make([]any, len(mops))
	var written []int64
	for i, m := range mops {
		switch m.f {
		case txn.Read:
			done[i] = []any{txn.Read, m.key, c.readValue(state[m.key])}
		case txn.Append:
			state[m.key] = append(slices.Clone(state[m.key]), m.val)
			done[i] = []any{m.f, m.key, m.val}
		default:
			state[m.key] = []int64{m.val}
			done[i] = []any{m.f, m.key, m.val}
		}
		if m.f != txn.Read && !slices.Contains(written, m.key) {
			written = append(written, m.key)
		}
	}
	if len(written) > 0 {
		guards := make([]clientv3.Cmp, len(keys))
		for i, k := range keys {
			guards[i] = clientv3.Compare(clientv3.ModRevision(txnKey(k)), "=", revs[k])
		}
		puts := make([]clientv3.Op, len(written))
		for i, k := range written {
			puts[i] = clientv3.OpPut(txnKey(k), encodeInts(state[k]))
		}
		wctx, cancel := c.withTimeout(ctx, true)
		resp, err := c.kv.Txn(wctx).If(guards...).Then(puts...).Commit()
		cancel()
		if err != nil {
			return c.complete(ctx, op, err, false), nil
		}
		if !resp.Succeeded {
			op.Type, op.Error = history.Fail, "conflict: a key changed since the snapshot"
			return op, nil
		}
	}
	op.Type, op.Value = history.OK, done
	return op, nil
}

// readValue is what a read returns: the list (empty when the key is unset)
// under list-append, the value (nil when unset) under rw-register.
func (c txnClient) readValue(vs []int64) any {
	if c.write == txn.Append {
		out := make([]any, len(vs))
		for i, v := range vs {
			out[i] = v
		}
		return out
	}
	if len(vs) == 0 {
		return nil
	}
	return vs[len(vs)-1]
}

func encodeInts(vs []int64) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = strconv.FormatInt(v, 10)
	}
	return strings.Join(parts, ",")
}

func decodeInts(s string) ([]int64, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	out := make([]int64, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("element %d: expected an integer, found %q", i, p)
		}
		out[i] = n
	}
	return out, nil
}
