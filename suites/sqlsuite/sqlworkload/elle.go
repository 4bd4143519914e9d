package sqlworkload

import (
	"context"
	"fmt"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/suites/sqlsuite/sqlclient"
	"github.com/faultline/faultline/workload/txn"
)

// mop is one micro-op of an Elle transaction: [f key value].
type mop struct {
	f   history.Keyword
	key int64
	val int64
}

// parseMops reads a txn op's micro-ops, whose writes must be write.
func parseMops(op history.Op, write history.Keyword) ([]mop, error) {
	if op.F != txn.F {
		return nil, fmt.Errorf("op %d: f %q, expected %s", op.Index, op.F, txn.F)
	}
	xs, ok := history.AsSlice(op.Value)
	if !ok {
		return nil, fmt.Errorf("op %d: txn value %s, expected a list of micro-ops", op.Index, history.FormatEDN(op.Value))
	}
	out := make([]mop, len(xs))
	for i, x := range xs {
		m, ok := history.AsSlice(x)
		if !ok || len(m) != 3 {
			return nil, fmt.Errorf("op %d: micro-op %d %s, expected [f key value]", op.Index, i, history.FormatEDN(x))
		}
		f, okF := history.AsString(m[0])
		k, okK := history.AsInt(m[1])
		out[i] = mop{f: history.Keyword(f), key: k}
		switch {
		case !okF || !okK:
			return nil, fmt.Errorf("op %d: micro-op %d %s, expected [f integer-key value]", op.Index, i, history.FormatEDN(x))
		case out[i].f == txn.Read:
		case out[i].f == write:
			if out[i].val, ok = history.AsInt(m[2]); !ok {
				return nil, fmt.Errorf("op %d: micro-op %d %s, expected an integer value", op.Index, i, history.FormatEDN(x))
			}
		default:
			return nil, fmt.Errorf("op %d: micro-op %d %s, expected :r or :%s", op.Index, i, history.FormatEDN(x), write)
		}
	}
	return out, nil
}

// table is the table holding key: keys are striped over count tables
// named prefix0, prefix1, ...
func table(prefix string, key int64, count int) string {
	return fmt.Sprintf("%s%d", prefix, key%int64(max(count, 1)))
}

// tableSchema drops and creates count tables prefix0.. with an integer
// key id and a value column of type valType.
func tableSchema(prefix string, count int, valType string) []string {
	var out []string
	for i := range max(count, 1) {
		name := fmt.Sprintf("%s%d", prefix, i)
		out = append(out, "DROP TABLE IF EXISTS "+name,
			fmt.Sprintf("CREATE TABLE %s (id BIGINT NOT NULL PRIMARY KEY, val %s)", name, valType))
	}
	return out
}

// elleTables is how an Elle workload keeps its keys: one row per key in
// tables prefix0.., a value column of valType, and the statements of one
// write and one read micro-op. append and wr are each one of these.
type elleTables struct {
	write   history.Keyword // the write micro-op: txn.Append or txn.Write
	prefix  string
	valType func(d sqlclient.Dialect) string
	// writeMop performs [write key val] in table.
	writeMop func(ctx context.Context, tx *sqlclient.Tx, d sqlclient.Dialect, table string, key, val int64) error
	// readMop performs [:r key] in table and returns the value read.
	readMop func(ctx context.Context, tx *sqlclient.Tx, table string, key int64) (any, error)
}

// workload is the Elle workload over these tables: workload/txn's
// generators, final reads and checker, keys striped over o.TableCount
// tables.
func (e elleTables) workload(o Options) (Workload, error) {
	to := o.txnOptions(e.write)
	main, final := txn.Generators(to)
	tables := max(o.TableCount, 1)
	return Workload{
		Client: NewClient(o.Env, Spec{
			Schema: func(d sqlclient.Dialect) []string { return tableSchema(e.prefix, tables, e.valType(d)) },
			Invoke: e.invoke(tables),
		}),
		Generator: main, Final: final, Checker: txn.Checker(to),
		Config: map[string]any{"table-count": tables},
	}, nil
}

// invoke performs one transaction: its micro-ops in order, in one SQL
// transaction; an ok completion carries the values read.
func (e elleTables) invoke(tables int) func(ctx context.Context, conn *sqlclient.Conn, op history.Op) (history.Op, error) {
	return func(ctx context.Context, conn *sqlclient.Conn, op history.Op) (history.Op, error) {
		mops, err := parseMops(op, e.write)
		if err != nil {
			return op, err
		}
		d := conn.Dialect()
		done := make([]any, len(mops))
		res := conn.Txn(ctx, func(ctx context.Context, tx *sqlclient.Tx) error {
			for i, m := range mops {
				t := table(e.prefix, m.key, tables)
				if m.f == e.write {
					if err := e.writeMop(ctx, tx, d, t, m.key, m.val); err != nil {
						return err
					}
					done[i] = []any{m.f, m.key, m.val}
					continue
				}
				v, err := e.readMop(ctx, tx, t, m.key)
				if err != nil {
					return err
				}
				done[i] = []any{m.f, m.key, v}
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
