// Package sqlworkload holds the SQL suite's workloads, one file each, on a
// shared base (base.go): a client prototype that opens one sqlclient
// connection per worker, creates the workload's tables once per test, and
// hands each op to the workload's Invoke; a workload's transaction
// function reports its outcome through sqlclient.Conn.Txn, which turns an
// error into fail or info (sqlclient.Classify).
//
// A workload is a Builder: from Options (connections, keys, transaction
// lengths, models) it makes a Workload (client, generator, final reads,
// checker), and is one line in Builders. A workload of whole-key reads and
// writes would be, in full:
//
//	func kvWorkload(o Options) (Workload, error) {
//		return Workload{
//			Client: NewClient(o.Env, Spec{
//				Schema: func(d sqlclient.Dialect) []string {
//					return []string{"DROP TABLE IF EXISTS kv", "CREATE TABLE kv (id BIGINT NOT NULL PRIMARY KEY, val BIGINT)"}
//				},
//				Invoke: func(ctx context.Context, conn *sqlclient.Conn, op history.Op) (history.Op, error) {
//					var v sql.NullInt64
//					res := conn.Txn(ctx, func(ctx context.Context, tx *sqlclient.Tx) error {
//						if op.F == "write" {
//							_, err := tx.Exec(ctx, conn.Dialect().Upsert("kv", "id", "val"), 1, op.Value)
//							return err
//						}
//						return tx.Query(ctx, "SELECT val FROM kv WHERE id = ?", []any{1},
//							func(scan func(...any) error) error { return scan(&v) })
//					})
//					op = res.Complete(op) // ok, fail or info, with the error
//					if op.Type == history.OK && op.F == "read" && v.Valid {
//						op.Value = v.Int64
//					}
//					return op, nil // an error here would record info: use it only for a malformed op
//				},
//			}),
//			Generator: myGenerator, Final: nil, Checker: myChecker,
//		}, nil
//	}
//
// append and wr share elleTables (elle.go): workload/txn's generators,
// final reads and checker over rows striped across tables, with one
// statement per write and read micro-op. bank (bank.go) shows an Abort
// (an overdraft) recorded as a fail.
package sqlworkload
