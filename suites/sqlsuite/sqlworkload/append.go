package sqlworkload

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/suites/sqlsuite/sqlclient"
	"github.com/faultline/faultline/workload/txn"
)

// appendTables prefixes the append workload's tables: append0, append1, ...
const appendTables = "append"

// appendWorkload is Elle's list-append: each key is a row whose text
// column holds the key's list as comma-separated values ("1,2,3"); an
// append concatenates in one upsert, a read of a missing row is the empty
// list.
func appendWorkload(o Options) (Workload, error) {
	to := o.txnOptions(txn.Append)
	main, final := txn.Generators(to)
	tables := max(o.TableCount, 1)
	return Workload{
		Client: NewClient(o.Env, Spec{
			Schema: func(d sqlclient.Dialect) []string { return tableSchema(appendTables, tables, d.TextType()) },
			Invoke: appendInvoke(tables),
		}),
		Generator: main, Final: final, Checker: txn.Checker(to),
		Config: map[string]any{"table-count": tables},
	}, nil
}

func appendInvoke(tables int) func(ctx context.Context, conn *sqlclient.Conn, op history.Op) (history.Op, error) {
	return func(ctx context.Context, conn *sqlclient.Conn, op history.Op) (history.Op, error) {
		mops, err := parseMops(op, txn.Append)
		if err != nil {
			return op, err
		}
		d := conn.Dialect()
		done := make([]any, len(mops))
		res := conn.Txn(ctx, func(ctx context.Context, tx *sqlclient.Tx) error {
			for i, m := range mops {
				t := table(appendTables, m.key, tables)
				if m.f == txn.Append {
					if _, err := tx.Exec(ctx, d.AppendUpsert(t, "id", "val"), m.key, strconv.FormatInt(m.val, 10)); err != nil {
						return err
					}
					done[i] = []any{m.f, m.key, m.val}
					continue
				}
				var text sql.NullString
				err := tx.Query(ctx, "SELECT val FROM "+t+" WHERE id = ?", []any{m.key}, func(scan func(...any) error) error {
					return scan(&text)
				})
				if err != nil {
					return err
				}
				list, err := parseList(text.String)
				if err != nil {
					return fmt.Errorf("key %d in %s: %w", m.key, t, err)
				}
				done[i] = []any{m.f, m.key, list}
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
