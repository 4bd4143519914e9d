package tidb

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/suites/sqlsuite/sqlclient"
)

// The op fields the hooks record: TiDB's timestamps (TSOs from PD) of
// each transaction, so that a checker or a reader can order transactions
// the way TiDB did.
const (
	FieldStartTS  = "start-ts"  // @@tidb_current_ts inside the transaction
	FieldCommitTS = "commit-ts" // commit_ts of @@tidb_last_txn_info after COMMIT
)

// Hooks are TiDB's additions to the SQL client (sqlclient.Hooks): its
// error codes (Classify), tidb_txn_mode alternated per transaction in
// mixed mode, and each transaction's start timestamp (every outcome) and
// commit timestamp (ok ones that wrote).
func (s Settings) Hooks() sqlclient.Hooks {
	h := sqlclient.Hooks{Classify: Classify, Begin: startTS, Committed: commitTS}
	if s.TxnMode == Mixed {
		var n atomic.Uint64
		h.BeforeTxn = func() []string {
			if n.Add(1)%2 == 0 {
				return []string{txnModeSQL(Pessimistic)}
			}
			return []string{txnModeSQL(Optimistic)}
		}
	}
	return h
}

// startTS reads the transaction's start timestamp
// (system-variables#tidb_current_ts: 0 outside a transaction).
func startTS(ctx context.Context, tx *sqlclient.Tx) ([]history.Field, error) {
	var ts uint64
	err := tx.Query(ctx, "SELECT @@tidb_current_ts", nil, func(scan func(...any) error) error { return scan(&ts) })
	if err != nil {
		return nil, fmt.Errorf("reading tidb_current_ts: %w", err)
	}
	return []history.Field{{Name: FieldStartTS, Value: int64(ts)}}, nil
}

// lastTxnInfo is @@tidb_last_txn_info (system-variables#tidb_last_txn_info,
// v4.0.9 on): the session's last transaction, as JSON.
type lastTxnInfo struct {
	StartTS  uint64 `json:"start_ts"`
	CommitTS uint64 `json:"commit_ts"`
}

// commitTS reads the commit timestamp of the transaction that just
// committed; a read-only transaction has none, and a release without
// tidb_last_txn_info records nothing.
func commitTS(ctx context.Context, query func(ctx context.Context, q string, dest ...any) error) []history.Field {
	var raw []byte
	if err := query(ctx, "SELECT @@tidb_last_txn_info", &raw); err != nil {
		return nil
	}
	info, ok := parseLastTxnInfo(raw)
	if !ok || info.CommitTS == 0 {
		return nil
	}
	return []history.Field{{Name: FieldCommitTS, Value: int64(info.CommitTS)}}
}

func parseLastTxnInfo(raw []byte) (lastTxnInfo, bool) {
	var info lastTxnInfo
	if err := json.Unmarshal(raw, &info); err != nil {
		return lastTxnInfo{}, false
	}
	return info, true
}
