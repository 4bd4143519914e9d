package sqlworkload

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/faultline/faultline/suites/sqlsuite/sqlclient"
	"github.com/faultline/faultline/workload/txn"
)

// appendWorkload is Elle's list-append: each key is a row of append0..N
// whose text column holds the key's list as comma-separated values
// ("1,2,3"); an append concatenates in one upsert, a read of a missing row
// is the empty list.
func appendWorkload(o Options) (Workload, error) {
	return elleTables{
		write: txn.Append, prefix: "append",
		valType: func(d sqlclient.Dialect) string { return d.TextType() },
		writeMop: func(ctx context.Context, tx *sqlclient.Tx, d sqlclient.Dialect, table string, key, val int64) error {
			_, err := tx.Exec(ctx, d.AppendUpsert(table, "id", "val"), key, strconv.FormatInt(val, 10))
			return err
		},
		readMop: func(ctx context.Context, tx *sqlclient.Tx, table string, key int64) (any, error) {
			var text sql.NullString
			err := tx.Query(ctx, "SELECT val FROM "+table+" WHERE id = ?", []any{key}, func(scan func(...any) error) error {
				return scan(&text)
			})
			if err != nil {
				return nil, err
			}
			list, err := parseList(text.String)
			if err != nil {
				return nil, fmt.Errorf("key %d in %s: %w", key, table, err)
			}
			return list, nil
		},
	}.workload(o)
}

// parseList reads a comma-separated list of integers; "" is empty.
func parseList(s string) ([]any, error) {
	if s == "" {
		return []any{}, nil
	}
	parts := strings.Split(s, ",")
	out := make([]any, len(parts))
	for i, p := range parts {
		v, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("list %q: element %d is not an integer", s, i)
		}
		out[i] = v
	}
	return out, nil
}
