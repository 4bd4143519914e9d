package sqlworkload

import (
	"context"
	"fmt"

	tablecheck "github.com/faultline/faultline/checker/table"
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/suites/sqlsuite/sqlclient"
)

// tablePrefix names the table workload's tables: tbl1, tbl2, ...
const tablePrefix = "tbl"

// tableWorkload is the TiDB suite's table: clients create tables (CREATE
// TABLE IF NOT EXISTS, outside any transaction) while others insert into
// the latest table whose CREATE was acknowledged (4 ops in 5). No insert
// that began after its table's CREATE was acknowledged may be refused
// because the table does not exist (checker/table). The tables are not
// dropped first: the database's teardown removes them.
func tableWorkload(o Options) (Workload, error) {
	acked := &latestTable{}
	nextTable, nextID := int64(1), int64(0)
	gen := generator.Func(func(ctx *generator.Context) generator.Generator {
		if acked.n > 0 && ctx.Rand.IntN(5) > 0 {
			nextID++
			return generator.Invoke(tablecheck.Insert, []any{acked.n, nextID})
		}
		nextTable++
		return generator.Invoke(tablecheck.CreateTable, nextTable-1)
	})
	return Workload{
		Checks: "table: an insert begun after its CREATE was acknowledged finds the table (checker/table)",
		Client: NewClient(o.Env, Spec{Invoke: tableInvoke}),
		Generator: generator.OnUpdate(func(g generator.Generator, ctx *generator.Context, event history.Op) generator.Generator {
			if n, ok := history.AsInt(event.Value); ok && event.F == tablecheck.CreateTable && event.Type == history.OK {
				acked.n = max(acked.n, n)
			}
			return g.Update(ctx, event)
		}, gen),
		Checker: tablecheck.Checker(),
	}, nil
}

// latestTable is the highest table whose CREATE was acknowledged (0:
// none yet). The generator's loop is its only user.
type latestTable struct{ n int64 }

func tableInvoke(ctx context.Context, conn *sqlclient.Conn, op history.Op) (history.Op, error) {
	switch op.F {
	case tablecheck.CreateTable:
		n, ok := history.AsInt(op.Value)
		if !ok {
			return op, fmt.Errorf("table: op %d creates %s, expected an integer table", op.Index, history.FormatEDN(op.Value))
		}
		// DDL commits on its own in MySQL: no transaction around it.
		err := conn.Exec(ctx, fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s%d (id BIGINT NOT NULL PRIMARY KEY, val BIGINT)", tablePrefix, n))
		return sqlclient.Result{Type: sqlclient.Classify(err, sqlclient.Statements), Err: err, Phase: sqlclient.Statements}.Complete(op), nil
	case tablecheck.Insert:
		xs, _ := history.AsSlice(op.Value)
		var n, id int64
		okN, okID := false, false
		if len(xs) == 2 {
			n, okN = history.AsInt(xs[0])
			id, okID = history.AsInt(xs[1])
		}
		if !okN || !okID {
			return op, fmt.Errorf("table: op %d inserts %s, expected [table id]", op.Index, history.FormatEDN(op.Value))
		}
		res := conn.Txn(ctx, func(ctx context.Context, tx *sqlclient.Tx) error {
			_, err := tx.Exec(ctx, fmt.Sprintf("INSERT INTO %s%d (id) VALUES (?)", tablePrefix, n), id)
			return err
		})
		op = res.Complete(op)
		if res.Type == history.Fail && noSuchTable(res.Err) {
			op.Error = []any{tablecheck.DoesntExist, op.Error}
		}
		return op, nil
	}
	return op, fmt.Errorf("table: op %d has f %q, expected create-table or insert", op.Index, op.F)
}

// noSuchTable says whether err is the server's "table does not exist":
// MySQL's ER_NO_SUCH_TABLE (1146), PostgreSQL's undefined_table (42P01).
func noSuchTable(err error) bool {
	protocol, code, ok := sqlclient.ServerCode(err)
	return ok && (protocol == sqlclient.MySQL && code == "1146" || protocol == sqlclient.Postgres && code == "42P01")
}
