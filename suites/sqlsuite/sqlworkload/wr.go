package sqlworkload

import (
	"context"
	"database/sql"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/suites/sqlsuite/sqlclient"
	"github.com/faultline/faultline/workload/txn"
)

// wrTables prefixes the wr workload's tables: wr0, wr1, ...
const wrTables = "wr"

// wrWorkload is Elle's rw-register: a write upserts the key's row with the
// value, a read returns it (nil for a missing row).
func wrWorkload(o Options) (Workload, error) {
	to := o.txnOptions(txn.Write)
	main, final := txn.Generators(to)
	tables := max(o.TableCount, 1)
	return Workload{
		Client: NewClient(o.Env, Spec{
			Schema: func(sqlclient.Dialect) []string { return tableSchema(wrTables, tables, "BIGINT") },
			Invoke: wrInvoke(tables),
		}),
		Generator: main, Final: final, Checker: txn.Checker(to),
		Config: map[string]any{"table-count": tables},
	}, nil
}

func wrInvoke(tables int) func(ctx context.Context, conn *sqlclient.Conn, op history.Op) (history.Op, error) {
	return func(ctx context.Context, conn *sqlclient.Conn, op history.Op) (history.Op, error) {
		mops, err := parseMops(op, txn.Write)
		if err != nil {
			return op, err
		}
		d := conn.Dialect()
		done := make([]any, len(mops))
		res := conn.Txn(ctx, func(ctx context.Context, tx *sqlclient.Tx) error {
			for i, m := range mops {
				t := table(wrTables, m.key, tables)
				if m.f == txn.Write {
					if _, err := tx.Exec(ctx, d.Upsert(t, "id", "val"), m.key, m.val); err != nil {
						return err
					}
					done[i] = []any{m.f, m.key, m.val}
					continue
				}
				var v sql.NullInt64
				err := tx.Query(ctx, "SELECT val FROM "+t+" WHERE id = ?", []any{m.key}, func(scan func(...any) error) error {
					return scan(&v)
				})
				if err != nil {
					return err
				}
				var read any
				if v.Valid {
					read = v.Int64
				}
				done[i] = []any{m.f, m.key, read}
			}
			return nil
		})
		op = res.Complete(op)
		if op.Type == history.OK {
			op.Value = done
		}
		return op, nil
	}
}
