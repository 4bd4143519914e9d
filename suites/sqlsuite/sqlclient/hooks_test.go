package sqlclient

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/suites/sqlsuite/internal/loopback"
)

// TestHooksOnARealServer: on a real MariaDB, a database's hooks (as
// sqldb/tidb uses them for TiDB's timestamps and mixed transaction mode)
// run where they say: BeforeTxn's statements before BEGIN, Begin inside
// the transaction with its fields kept whatever the outcome, Committed
// after an ok COMMIT only, and Classify in place of the suite's rule.
func TestHooksOnARealServer(t *testing.T) {
	srv := loopback.MariaDB(t)
	cfg := testConfig(t, srv.Protocol, RepeatableRead)
	var committedCalls int
	cfg.Hooks = Hooks{
		BeforeTxn: func() []string { return []string{"SET SESSION innodb_lock_wait_timeout = 7"} },
		Begin: func(ctx context.Context, tx *Tx) ([]history.Field, error) {
			var id int64
			err := tx.Query(ctx, "SELECT CONNECTION_ID()", nil, func(scan func(...any) error) error { return scan(&id) })
			return []history.Field{{Name: "conn-id", Value: id}}, err
		},
		Committed: func(ctx context.Context, query func(context.Context, string, ...any) error) []history.Field {
			committedCalls++
			var wait int64
			if err := query(ctx, "SELECT @@innodb_lock_wait_timeout", &wait); err != nil {
				return []history.Field{{Name: "error", Value: err.Error()}}
			}
			return []history.Field{{Name: "lock-wait", Value: wait}}
		},
		Classify: func(err error, phase Phase) history.Type {
			if _, code, ok := ServerCode(err); ok && code == "1146" {
				return history.Info // the hook's word, not the suite's rule (fail)
			}
			return Classify(err, phase)
		},
	}
	c := mustOpen(t, cfg, serverEndpoint(srv))
	if err := c.Exec(context.Background(), "CREATE TABLE hooked (id BIGINT NOT NULL PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	res := c.Txn(context.Background(), func(ctx context.Context, tx *Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO hooked (id) VALUES (1)")
		return err
	})
	op := res.Complete(history.Op{Type: history.Invoke, F: "txn"})
	if res.Type != history.OK || committedCalls != 1 {
		t.Fatalf("ok transaction: %+v, Committed called %d times", res, committedCalls)
	}
	if id, ok := op.Get("conn-id"); !ok || id.(int64) <= 0 {
		t.Errorf("Begin's field missing from the op: %v", op.Extra)
	}
	if w, ok := op.Get("lock-wait"); !ok || w != int64(7) {
		t.Errorf("Committed's field %v (BeforeTxn's setting should read 7): %v", w, op.Extra)
	}

	res = c.Txn(context.Background(), func(ctx context.Context, tx *Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO no_such_table (id) VALUES (1)")
		return err
	})
	op = res.Complete(history.Op{Type: history.Invoke, F: "txn"})
	if res.Type != history.Info || res.Phase != Statements || committedCalls != 1 {
		t.Errorf("failed statement: %s %s (Committed calls %d), want the hook's info before COMMIT", res.Type, res.Phase, committedCalls)
	}
	if _, ok := op.Get("conn-id"); !ok {
		t.Errorf("Begin's field lost on a failed transaction: %v", op.Extra)
	}

	cfg.Hooks.Begin = func(context.Context, *Tx) ([]history.Field, error) { return nil, Abort("begin hook refused") }
	c2 := mustOpen(t, cfg, serverEndpoint(srv))
	res = c2.Txn(context.Background(), func(context.Context, *Tx) error { t.Error("fn ran after Begin failed"); return nil })
	var a *AbortError
	if res.Type != history.Fail || !errors.As(res.Err, &a) || !strings.Contains(res.Err.Error(), "begin hook refused") {
		t.Errorf("Begin's error: %+v", res)
	}
}
