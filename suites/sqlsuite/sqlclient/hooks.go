package sqlclient

import (
	"context"

	"github.com/faultline/faultline/history"
)

// Hooks are what one database adds to the client layer without the layer
// knowing the database: its own error codes, statements before each
// transaction, and what it can tell about each transaction (TiDB's start
// and commit timestamps, sqldb/tidb). The zero Hooks change nothing.
type Hooks struct {
	// Classify, when set, replaces Classify.
	Classify func(err error, phase Phase) history.Type
	// BeforeTxn, when set, gives statements to run before each
	// transaction's BEGIN, after InitTxnSQL (TiDB's mixed transaction
	// mode alternates tidb_txn_mode with it).
	BeforeTxn func() []string
	// Begin, when set, runs first inside every transaction; its fields
	// are added to the op whatever the outcome, and its error ends the
	// transaction like one of the transaction's own statements.
	Begin func(ctx context.Context, tx *Tx) ([]history.Field, error)
	// Committed, when set, runs after a successful COMMIT, on the same
	// connection outside any transaction (query runs one statement and
	// scans its single row); its fields are added to the op. It cannot
	// fail the transaction, which committed.
	Committed func(ctx context.Context, query func(ctx context.Context, q string, dest ...any) error) []history.Field
}

// classify is the hooks' Classify, else Classify.
func (h Hooks) classify(err error, phase Phase) history.Type {
	if h.Classify != nil {
		return h.Classify(err, phase)
	}
	return Classify(err, phase)
}

// beforeTxn is BeforeTxn's statements, if any.
func (h Hooks) beforeTxn() []string {
	if h.BeforeTxn == nil {
		return nil
	}
	return h.BeforeTxn()
}

// begin runs Begin, if any.
func (h Hooks) begin(ctx context.Context, tx *Tx) ([]history.Field, error) {
	if h.Begin == nil {
		return nil, nil
	}
	return h.Begin(ctx, tx)
}

// committed runs Committed, if any, on c.
func (h Hooks) committed(ctx context.Context, c *Conn) []history.Field {
	if h.Committed == nil {
		return nil
	}
	return h.Committed(ctx, func(ctx context.Context, q string, dest ...any) error {
		ctx, cancel := context.WithTimeout(ctx, c.cfg.statementTimeout())
		defer cancel()
		return c.conn.QueryRowContext(ctx, c.cfg.Dialect.Bind(q)).Scan(dest...)
	})
}
