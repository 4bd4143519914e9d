package sqlworkload

import (
	"context"
	"fmt"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/suites/sqlsuite/sqlclient"
	"github.com/faultline/faultline/workload/register"
)

// registerOpsPerKey bounds each key's ops, as the TiDB suite's 100 does,
// so each key's linearizability search stays small.
const registerOpsPerKey = 100

// registerWorkload is the TiDB suite's register: independent keys, each
// a row of one table; reads, writes as upserts, and cas as a read then an
// update conditional on the value read, in one transaction (the read takes
// the row's lock with --read-lock update). --use-index finds rows through
// an indexed secondary column. Every key must be linearizable
// (workload/register's checker).
func registerWorkload(o Options) (Workload, error) {
	lock, err := readLock(o)
	if err != nil {
		return Workload{}, err
	}
	t := keyedTable{name: "register", useIndex: o.UseIndex}
	ro := register.Options{ThreadsPerKey: threadsPerKey(o.Concurrency), OpsPerKey: registerOpsPerKey}
	return Workload{
		Checks: "linearizable per key (cas-register)",
		Client: NewClient(o.Env, Spec{
			Schema: func(sqlclient.Dialect) []string { return t.schema() },
			Invoke: func(ctx context.Context, conn *sqlclient.Conn, op history.Op) (history.Op, error) {
				return registerInvoke(ctx, conn, op, t, lock(conn.Dialect()))
			},
		}),
		Generator: register.Generator(ro), Checker: register.Checker(),
		Config: map[string]any{"threads-per-key": ro.ThreadsPerKey, "ops-per-key": ro.OpsPerKey, "use-index": o.UseIndex, "read-lock": o.ReadLock},
	}, nil
}

func registerInvoke(ctx context.Context, conn *sqlclient.Conn, op history.Op, t keyedTable, lock string) (history.Op, error) {
	k, v, ok := history.TupleKey(op)
	key, okK := history.AsInt(k)
	if !ok || !okK {
		return op, fmt.Errorf("register: op %d value %s, expected [integer-key value]", op.Index, history.FormatEDN(op.Value))
	}
	switch op.F {
	case register.Read:
		var got any
		res := conn.Txn(ctx, func(ctx context.Context, tx *sqlclient.Tx) (err error) {
			got, err = t.read(ctx, tx, key, lock)
			return err
		})
		return completeWith(op, res, []any{k, got}), nil
	case register.Write:
		val, ok := history.AsInt(v)
		if !ok {
			return op, fmt.Errorf("register: op %d writes %s, expected an integer", op.Index, history.FormatEDN(v))
		}
		res := conn.Txn(ctx, func(ctx context.Context, tx *sqlclient.Tx) error {
			return t.upsert(ctx, tx, conn.Dialect(), key, val)
		})
		return res.Complete(op), nil
	case register.CAS:
		pair, _ := history.AsSlice(v)
		if len(pair) != 2 {
			return op, fmt.Errorf("register: op %d cas %s, expected [old new]", op.Index, history.FormatEDN(v))
		}
		old, ok1 := history.AsInt(pair[0])
		nu, ok2 := history.AsInt(pair[1])
		if !ok1 || !ok2 {
			return op, fmt.Errorf("register: op %d cas %s, expected two integers", op.Index, history.FormatEDN(v))
		}
		res := conn.Txn(ctx, func(ctx context.Context, tx *sqlclient.Tx) error {
			return registerCAS(ctx, tx, t, key, old, nu, lock)
		})
		return res.Complete(op), nil
	}
	return op, fmt.Errorf("register: op %d has f %q, expected read, write or cas", op.Index, op.F)
}

// registerCAS sets key from old to nu: a read, then an update conditional
// on the value still being old. A value other than old, or an update that
// matched no row, aborts (a fail).
func registerCAS(ctx context.Context, tx *sqlclient.Tx, t keyedTable, key, old, nu int64, lock string) error {
	cur, err := t.read(ctx, tx, key, lock)
	if err != nil {
		return err
	}
	if cur == nil || cur.(int64) != old {
		return sqlclient.Abort(fmt.Sprintf("cas: key %d holds %s, not %d", key, history.FormatEDN(cur), old))
	}
	if old == nu {
		// MySQL counts an update to the same value as no row changed: the
		// read above is the whole test.
		return nil
	}
	n, err := tx.Exec(ctx, "UPDATE "+t.name+" SET val = ? WHERE "+t.lookup()+" = ? AND val = ?", nu, key, old)
	if err != nil {
		return err
	}
	if n == 0 {
		return sqlclient.Abort(fmt.Sprintf("cas: key %d changed from %d between the read and the update", key, old))
	}
	return nil
}
