package sqlworkload

import (
	"context"
	"database/sql"

	"github.com/faultline/faultline/suites/sqlsuite/sqlclient"
	"github.com/faultline/faultline/workload/txn"
)

// wrWorkload is Elle's rw-register: each key is a row of wr0..N; a write
// upserts the value, a read returns it (nil for a missing row).
func wrWorkload(o Options) (Workload, error) {
	return elleTables{
		write: txn.Write, prefix: "wr",
		valType: func(sqlclient.Dialect) string { return "BIGINT" },
		writeMop: func(ctx context.Context, tx *sqlclient.Tx, d sqlclient.Dialect, table string, key, val int64) error {
			_, err := tx.Exec(ctx, d.Upsert(table, "id", "val"), key, val)
			return err
		},
		readMop: func(ctx context.Context, tx *sqlclient.Tx, table string, key int64) (any, error) {
			var v sql.NullInt64
			err := tx.Query(ctx, "SELECT val FROM "+table+" WHERE id = ?", []any{key}, func(scan func(...any) error) error {
				return scan(&v)
			})
			if err != nil || !v.Valid {
				return nil, err
			}
			return v.Int64, nil
		},
	}.workload(o)
}
