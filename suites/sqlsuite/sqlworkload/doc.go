// Package sqlworkload holds the SQL suite's workloads, one file each, on a
// shared base (base.go): a client prototype that opens one sqlclient
// connection per worker, creates the workload's tables once per test, and
// hands each op to the workload's Invoke; a workload's transaction
// function reports its outcome through sqlclient.Conn.Txn, which turns an
// error into fail or info (sqlclient.Classify).
//
// A workload is a Builder: from Options (connections, keys, transaction
// lengths, models) it makes a Workload (client, generator, final reads,
// checker). Append (append.go) is the example, in full:
//
//	func appendWorkload(o Options) (Workload, error) {
//		to := o.txnOptions(txn.Append)
//		main, final := txn.Generators(to)
//		return Workload{
//			Client:    NewClient(o.Env, Spec{Schema: appendSchema(o.TableCount), Invoke: appendInvoke(o.TableCount)}),
//			Generator: main, Final: final, Checker: txn.Checker(to),
//		}, nil
//	}
//
// where appendSchema lists the CREATE TABLE statements (for the dialect)
// and appendInvoke runs one op: it parses the op's value, calls
// conn.Txn(ctx, func(ctx, tx) error { ...statements through tx... }), and
// returns res.Complete(op) with the filled-in value when ok. Every new
// workload is one such file and one line in Builders.
package sqlworkload
