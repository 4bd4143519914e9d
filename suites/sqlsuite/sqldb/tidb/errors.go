package tidb

import (
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/suites/sqlsuite/sqlclient"
)

// refusal is one TiDB error code that, answering COMMIT, says the
// transaction was rolled back: a fail, where the SQL suite's rule makes
// every other error at COMMIT info. The source is the pinned release's
// error-codes page (docs.pingcap.com/tidb/v7.5/error-codes) unless said.
type refusal struct {
	Code   string
	Name   string
	Source string
}

// commitRefusals are TiDB's codes that make an error at COMMIT a fail.
// Not in it, so info at COMMIT and fail before it (the rule of
// sqlclient.Classify): 9001 PD server timeout, 9002 TiKV server timeout,
// 9003 TiKV server busy, 9004 resolve lock timeout, 9005 region
// unavailable, 9006 GC life time too short, 8027 schema out of date, and
// anything else, since a commit that meets them may have written its
// primary key already (the "try again later" codes the Jepsen suite
// retried, sql.clj capture-txn-abort, are definite only before COMMIT).
func commitRefusals() []refusal {
	return []refusal{
		{"8002", "SELECT FOR UPDATE cannot be retried", "error-codes#8002: TiDB rolls back the transaction and returns this error"},
		{"8005", "Write Conflict, txnStartTS is stale", "error-codes#8005: an optimistic transaction's write conflict after its retries; sql.clj treats conflicts as aborts"},
		{"8022", "transaction commit failed and rolled back", "error-codes#8022: the commit failed and the transaction was rolled back; safe to retry"},
		{"8028", "information schema changed during the transaction", "error-codes#8028: the table's schema changed under the transaction, which is rolled back (metadata lock, v6.3.0 on)"},
		{"9007", "Write conflict", "error-codes#9007: a write conflict found in TiKV at prewrite, before any commit; the transaction is rolled back (optimistic-transaction, jepsen sql.clj [try again later] abort)"},
	}
}

// Classify is sqlclient.Classify with TiDB's codes: the refusals of
// commitRefusals are a fail even at COMMIT (in optimistic mode a write
// conflict is reported only there), every other error keeps the suite's
// rule (fail before COMMIT once rolled back, info at COMMIT, a lost
// connection info).
func Classify(err error, phase sqlclient.Phase) history.Type {
	if phase == sqlclient.Committing && refusedAtCommit(err) {
		return history.Fail
	}
	return sqlclient.Classify(err, phase)
}

func refusedAtCommit(err error) bool {
	protocol, code, ok := sqlclient.ServerCode(err)
	if !ok || protocol != sqlclient.MySQL {
		return false
	}
	for _, r := range commitRefusals() {
		if r.Code == code {
			return true
		}
	}
	return false
}
