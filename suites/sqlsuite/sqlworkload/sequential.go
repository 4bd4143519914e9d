package sqlworkload

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/faultline/faultline/checker/sequential"
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/suites/sqlsuite/sqlclient"
)

// Sequential's settings, as the TiDB suite has them.
const (
	sequentialSubkeys = 5 // subkeys per key, written in order
	sequentialTables  = "seq"
)

// sequentialWorkload is the TiDB suite's sequential: a write of key k
// inserts its subkeys "k_0" ... "k_4" one after another, each in a
// transaction of its own, into tables chosen by subkey; a read of k looks
// them up in reverse order, each in its own transaction. Having seen a
// subkey, a reader must see every one written before it
// (checker/sequential). Half the threads write fresh keys; the others read
// keys among the latest written.
func sequentialWorkload(o Options) (Workload, error) {
	tables := max(o.TableCount, 1)
	writers := max(1, o.Concurrency/2)
	recent := &recentKeys{max: 2 * writers}
	writes := generator.OnUpdate(func(g generator.Generator, ctx *generator.Context, event history.Op) generator.Generator {
		if k, ok := history.AsInt(event.Value); ok && event.Type == history.Invoke {
			recent.add(k)
		}
		return g.Update(ctx, event)
	}, counter{f: "write"})
	reads := generator.Func(func(ctx *generator.Context) generator.Generator {
		return generator.Invoke("read", recent.pick(ctx))
	})
	return Workload{
		Checks: "sequential: a read that sees a later write sees the earlier ones (checker/sequential)",
		Client: NewClient(o.Env, Spec{
			Schema: stripedSchema(sequentialTables, tables, "tkey VARCHAR(255) NOT NULL PRIMARY KEY"),
			Invoke: func(ctx context.Context, conn *sqlclient.Conn, op history.Op) (history.Op, error) {
				return sequentialInvoke(ctx, conn, op, tables)
			},
		}),
		Generator: generator.Reserve([]generator.Reservation{{Threads: writers, Gen: writes}}, reads),
		Checker:   sequential.Checker(),
		Config:    map[string]any{"subkeys": sequentialSubkeys, "table-count": tables, "writers": writers},
	}, nil
}

// recentKeys are the keys whose writes began last, for reads to choose
// from. The generator's loop is its only user.
type recentKeys struct {
	keys []int64
	max  int
}

func (r *recentKeys) add(k int64) {
	r.keys = append(r.keys, k)
	if len(r.keys) > r.max {
		r.keys = r.keys[1:]
	}
}

// pick is a random recent key (0 before any write began).
func (r *recentKeys) pick(ctx *generator.Context) int64 {
	if len(r.keys) == 0 {
		return 0
	}
	return r.keys[ctx.Rand.IntN(len(r.keys))]
}

// subkey i of key k, and the table it lives in.
func subkey(k int64, i int) string { return fmt.Sprintf("%d_%d", k, i) }
func subkeyTable(k int64, i, tables int) string {
	return fmt.Sprintf("%s%d", sequentialTables, (k*sequentialSubkeys+int64(i))%int64(tables))
}

func sequentialInvoke(ctx context.Context, conn *sqlclient.Conn, op history.Op, tables int) (history.Op, error) {
	k, ok := history.AsInt(op.Value)
	if !ok {
		return op, fmt.Errorf("sequential: op %d value %s, expected an integer key", op.Index, history.FormatEDN(op.Value))
	}
	switch op.F {
	case "write":
		for i := range sequentialSubkeys {
			res := conn.Txn(ctx, func(ctx context.Context, tx *sqlclient.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO "+subkeyTable(k, i, tables)+" (tkey) VALUES (?)", subkey(k, i))
				return err
			})
			if res.Type == history.OK {
				continue
			}
			op = res.Complete(op)
			if i > 0 {
				// The subkeys before it are in: the write happened in part.
				op.Type = history.Info
				op.Error = fmt.Sprintf("subkey %d of %d: %v", i, sequentialSubkeys, op.Error)
			}
			return op, nil
		}
		op.Type = history.OK
		return op, nil
	case "read":
		vals := make([]any, sequentialSubkeys)
		for j := range sequentialSubkeys {
			i := sequentialSubkeys - 1 - j
			var got sql.NullString
			res := conn.Txn(ctx, func(ctx context.Context, tx *sqlclient.Tx) error {
				return tx.Query(ctx, "SELECT tkey FROM "+subkeyTable(k, i, tables)+" WHERE tkey = ?", []any{subkey(k, i)}, func(scan func(...any) error) error {
					return scan(&got)
				})
			})
			if res.Type != history.OK {
				return res.Complete(op), nil
			}
			if got.Valid {
				vals[j] = got.String
			}
		}
		op.Type, op.Value = history.OK, []any{k, vals}
		return op, nil
	}
	return op, fmt.Errorf("sequential: op %d has f %q, expected write or read", op.Index, op.F)
}
