package sqlworkload

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/suites/sqlsuite/sqlclient"
)

// keyedTable is a table of integer registers as the TiDB suite's register,
// long-fork and monotonic workloads keep them: (id, sk, val), where sk
// always equals id and, with --use-index, has an index that lookups go
// through instead of the primary key.
type keyedTable struct {
	name     string
	useIndex bool
}

// schema drops and creates the table (and its index).
func (t keyedTable) schema() []string {
	out := []string{"DROP TABLE IF EXISTS " + t.name,
		"CREATE TABLE " + t.name + " (id BIGINT NOT NULL PRIMARY KEY, sk BIGINT NOT NULL, val BIGINT)"}
	if t.useIndex {
		out = append(out, fmt.Sprintf("CREATE INDEX %s_sk ON %s (sk)", t.name, t.name))
	}
	return out
}

// lookup is the column rows are found by.
func (t keyedTable) lookup() string {
	if t.useIndex {
		return "sk"
	}
	return "id"
}

// read returns key's value (nil for no row, or a NULL), reading with the
// locking clause lock ("" for a plain read).
func (t keyedTable) read(ctx context.Context, tx *sqlclient.Tx, key int64, lock string) (any, error) {
	var v sql.NullInt64
	err := tx.Query(ctx, "SELECT val FROM "+t.name+" WHERE "+t.lookup()+" = ?"+lock, []any{key}, func(scan func(...any) error) error {
		return scan(&v)
	})
	if err != nil || !v.Valid {
		return nil, err
	}
	return v.Int64, nil
}

// upsert sets key's value, inserting its row if there is none.
func (t keyedTable) upsert(ctx context.Context, tx *sqlclient.Tx, d sqlclient.Dialect, key, val int64) error {
	_, err := tx.Exec(ctx, d.Upsert(t.name, "id", "sk", "val"), key, key, val)
	return err
}

// readLock is the locking clause --read-lock asks for: "" or the
// dialect's FOR UPDATE.
func readLock(o Options) (func(sqlclient.Dialect) string, error) {
	switch o.ReadLock {
	case "":
		return func(sqlclient.Dialect) string { return "" }, nil
	case "update":
		return sqlclient.Dialect.Locking, nil
	}
	return nil, fmt.Errorf("--read-lock %q: expected update or nothing", o.ReadLock)
}

// threadsPerKey is how many client threads share a key in the workloads
// on independent keys: the largest divisor of the concurrency up to 10
// (Jepsen's TiDB register uses 10), so every thread has a group.
func threadsPerKey(concurrency int) int {
	for n := min(concurrency, 10); n > 1; n-- {
		if concurrency%n == 0 {
			return n
		}
	}
	return 1
}

// counter emits f with the values from, from+1, ... forever, each through
// value (nil: the integer itself). It is immutable, so values are never
// skipped or repeated however often it is asked.
type counter struct {
	f     string
	next  int64
	value func(int64) any
}

func (c counter) String() string { return "counter " + c.f }

func (c counter) Op(ctx *generator.Context) (generator.Result, generator.Generator) {
	p, ok := ctx.SomeFreeProcess()
	if !ok {
		return generator.Result{Status: generator.Pending}, c
	}
	var v any = c.next
	if c.value != nil {
		v = c.value(c.next)
	}
	next := c
	next.next++
	return generator.Result{Status: generator.Emit, Op: history.Op{Type: history.Invoke, Process: p, Time: ctx.Time, F: c.f, Value: v}}, next
}

func (c counter) Update(*generator.Context, history.Op) generator.Generator { return c }

// completeWith finishes op from a transaction's result, with value when
// it is ok.
func completeWith(op history.Op, res sqlclient.Result, value any) history.Op {
	op = res.Complete(op)
	if op.Type == history.OK {
		op.Value = value
	}
	return op
}

// rowsReady is a Spec.Ready for a schema that seeds want rows into table:
// the node must see them all before its client starts (a Galera node
// applies the seeding node's writes asynchronously).
func rowsReady(table string, want int) func(ctx context.Context, conn *sqlclient.Conn) error {
	return func(ctx context.Context, conn *sqlclient.Conn) error {
		n := 0
		res := conn.Txn(ctx, func(ctx context.Context, tx *sqlclient.Tx) error {
			return tx.Query(ctx, "SELECT COUNT(*) FROM "+table, nil, func(scan func(...any) error) error { return scan(&n) })
		})
		if res.Err == nil && n != want {
			return fmt.Errorf("%s holds %d of its %d rows", table, n, want)
		}
		return res.Err
	}
}

// stripedSchema drops and creates count tables prefix0, prefix1, ...,
// each with the given column definitions.
func stripedSchema(prefix string, count int, columns string) func(sqlclient.Dialect) []string {
	return func(sqlclient.Dialect) []string {
		var out []string
		for i := range max(count, 1) {
			name := fmt.Sprintf("%s%d", prefix, i)
			out = append(out, "DROP TABLE IF EXISTS "+name, "CREATE TABLE "+name+" ("+columns+")")
		}
		return out
	}
}
