package sqlworkload

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/faultline/faultline/checker/monotonic"
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/suites/sqlsuite/sqlclient"
)

// monotonicKeys is how many counters there are (the TiDB suite's 8).
const monotonicKeys = 8

// monotonicWorkload is the TiDB suite's monotonic: an inc reads one
// counter and writes it back one higher in a transaction, returning {k
// new}; a read reads every counter, in random order, in one transaction,
// returning {k v ...}. No process may see a counter go down, and no op may
// see a smaller value than one that ended before it began
// (checker/monotonic). Every thread reads once more after the heal.
func monotonicWorkload(o Options) (Workload, error) {
	t := keyedTable{name: "cycle", useIndex: o.UseIndex}
	read := generator.Invoke("read", nil)
	incs := generator.Func(func(ctx *generator.Context) generator.Generator {
		return generator.Invoke("inc", ctx.Rand.Int64N(monotonicKeys))
	})
	return Workload{
		Checks: "monotonic: no counter goes back (checker/monotonic)",
		Client: NewClient(o.Env, Spec{
			Schema: func(sqlclient.Dialect) []string {
				out := t.schema()
				for k := range monotonicKeys {
					out = append(out, fmt.Sprintf("INSERT INTO %s (id, sk, val) VALUES (%d, %d, 0)", t.name, k, k))
				}
				return out
			},
			Ready: rowsReady(t.name, monotonicKeys),
			Invoke: func(ctx context.Context, conn *sqlclient.Conn, op history.Op) (history.Op, error) {
				return monotonicInvoke(ctx, conn, op, t)
			},
		}),
		Generator: generator.Mix(incs, generator.Repeat(read)),
		Final:     generator.EachThread(generator.Once(read)),
		Checker:   monotonic.Checker(monotonic.Options{Fs: []string{"inc", "read"}}),
		Config:    map[string]any{"keys": monotonicKeys, "use-index": o.UseIndex},
	}, nil
}

func monotonicInvoke(ctx context.Context, conn *sqlclient.Conn, op history.Op, t keyedTable) (history.Op, error) {
	switch op.F {
	case "inc":
		k, ok := history.AsInt(op.Value)
		if !ok {
			return op, fmt.Errorf("monotonic: op %d increments %s, expected an integer key", op.Index, history.FormatEDN(op.Value))
		}
		var now int64
		res := conn.Txn(ctx, func(ctx context.Context, tx *sqlclient.Tx) error {
			v, err := t.read(ctx, tx, k, "")
			if err != nil {
				return err
			}
			if v == nil {
				return fmt.Errorf("counter %d has no row: the schema makes every one", k)
			}
			now = v.(int64) + 1
			_, err = tx.Exec(ctx, "UPDATE "+t.name+" SET val = ? WHERE "+t.lookup()+" = ?", now, k)
			return err
		})
		return completeWith(op, res, history.Map{{Key: k, Value: now}}), nil
	case "read":
		var vals history.Map
		res := conn.Txn(ctx, func(ctx context.Context, tx *sqlclient.Tx) error {
			vals = vals[:0]
			// A random order, as the TiDB suite's, so reads do not all
			// take the rows in the same order.
			for _, k := range rand.Perm(monotonicKeys) {
				v, err := t.read(ctx, tx, int64(k), "")
				if err != nil {
					return err
				}
				vals = append(vals, history.MapEntry{Key: int64(k), Value: v})
			}
			return nil
		})
		return completeWith(op, res, vals), nil
	}
	return op, fmt.Errorf("monotonic: op %d has f %q, expected inc or read", op.Index, op.F)
}
