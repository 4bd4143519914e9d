package tidb

import (
	"context"
	"errors"
	"testing"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/suites/sqlsuite/sqlclient"
)

// TestCommitTimestampFromLastTxnInfo: the commit timestamp comes from
// @@tidb_last_txn_info as TiDB v7.5 prints it; a read-only transaction
// (commit_ts 0), an unreadable answer or a release without the variable
// record nothing rather than a made-up timestamp.
func TestCommitTimestampFromLastTxnInfo(t *testing.T) {
	answer := func(s string, err error) func(context.Context, string, ...any) error {
		return func(_ context.Context, q string, dest ...any) error {
			if q != "SELECT @@tidb_last_txn_info" {
				t.Errorf("query %q", q)
			}
			if err != nil {
				return err
			}
			*dest[0].(*[]byte) = []byte(s)
			return nil
		}
	}
	got := commitTS(context.Background(), answer(`{"txn_scope":"global","start_ts":445789341542629377,"commit_ts":445789341542629378,"txn_commit_mode":"2pc","async_commit_fallback":false,"one_pc_fallback":false,"error":""}`, nil))
	if len(got) != 1 || got[0] != (history.Field{Name: FieldCommitTS, Value: int64(445789341542629378)}) {
		t.Errorf("commit-ts fields %v", got)
	}
	for name, q := range map[string]func(context.Context, string, ...any) error{
		"read-only":        answer(`{"txn_scope":"global","start_ts":445789341542629377,"commit_ts":0}`, nil),
		"not JSON":         answer(`<nil>`, nil),
		"no such variable": answer("", errors.New("Error 1193 (HY000): Unknown system variable 'tidb_last_txn_info'")),
	} {
		if got := commitTS(context.Background(), q); len(got) != 0 {
			t.Errorf("%s: recorded %v", name, got)
		}
	}
}

// TestHooksAlternateTheModeInMixedModeOnly: mixed mode sets
// tidb_txn_mode before every transaction, alternating; other modes set it
// once per session (InitSQL) and nothing per transaction; every mode
// classifies with TiDB's codes.
func TestHooksAlternateTheModeInMixedModeOnly(t *testing.T) {
	h := Settings{TxnMode: Mixed}.Hooks()
	var modes []string
	for range 4 {
		modes = append(modes, h.BeforeTxn()...)
	}
	want := []string{txnModeSQL(Optimistic), txnModeSQL(Pessimistic), txnModeSQL(Optimistic), txnModeSQL(Pessimistic)}
	for i := range want {
		if modes[i] != want[i] {
			t.Fatalf("mixed mode's statements %v, want %v", modes, want)
		}
	}
	for _, m := range []string{"", Optimistic, Pessimistic} {
		h := Settings{TxnMode: m}.Hooks()
		if h.BeforeTxn != nil || h.Begin == nil || h.Committed == nil || h.Classify == nil {
			t.Errorf("mode %q: hooks %+v", m, h)
		}
		if h.Classify(errors.New("connection reset"), sqlclient.Committing) != history.Info {
			t.Errorf("mode %q: a reset at COMMIT is not info", m)
		}
	}
}
