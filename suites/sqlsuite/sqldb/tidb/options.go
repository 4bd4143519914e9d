package tidb

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/faultline/faultline/suites/sqlsuite/sqlclient"
)

// Transaction modes, as --txn-mode names them (system-variables#tidb_txn_mode;
// pessimistic-transaction, optimistic-transaction).
const (
	Optimistic  = "optimistic"
	Pessimistic = "pessimistic"
	// Mixed alternates optimistic and pessimistic transactions (each
	// transaction sets tidb_txn_mode before its BEGIN), so both kinds
	// meet on the same rows.
	Mixed = "mixed"
)

// TxnModes lists --txn-mode's values.
func TxnModes() []string { return []string{Optimistic, Pessimistic, Mixed} }

// Settings are TiDB's transaction options (the Jepsen suite's, core.clj
// single-test-opts, and those of later TiDB releases).
type Settings struct {
	// Isolation is the level asked for ("": TiDB's default, repeatable read).
	Isolation sqlclient.Isolation
	// TxnMode is "" (the cluster's default: pessimistic since v3.0.8),
	// or one of TxnModes.
	TxnMode string
	// AutoRetry, when not nil, sets tidb_disable_txn_auto_retry to its
	// negation; AutoRetryLimit, when not nil, sets tidb_retry_limit
	// (sql.clj init-conn!). Both are gone since v8.0.0.
	AutoRetry      *bool
	AutoRetryLimit *int
	// SkipIsolationCheck lets SERIALIZABLE and READ UNCOMMITTED through
	// (tidb_skip_isolation_level_check); TiDB then runs them as
	// repeatable read, and they are checked as snapshot isolation.
	SkipIsolationCheck bool
	// FollowerRead reads from followers (tidb_replica_read = 'follower',
	// follower-read, v4.0.0 on).
	FollowerRead bool
	// ReadLock "update" takes locks with SELECT ... FOR UPDATE,
	// PredicateRead reads rows by predicate instead of by key, UseIndex
	// reads through a secondary index: options of the workloads (core.clj
	// workload-options), checked here against what TiDB can do.
	ReadLock      string
	PredicateRead bool
	UseIndex      bool
}

// ParseTxnMode reads --txn-mode ("": the cluster's default).
func ParseTxnMode(s string) (string, error) {
	for _, m := range append([]string{""}, TxnModes()...) {
		if s == m {
			return s, nil
		}
	}
	return "", fmt.Errorf("--txn-mode %q: expected one of %s", s, strings.Join(TxnModes(), ", "))
}

// pessimistic reports whether every transaction of the run is pessimistic.
func (s Settings) pessimistic(v version) bool {
	return s.TxnMode == Pessimistic || s.TxnMode == "" && (v.atLeast(3, 1) || v.major == 3 && v.minor == 0 && v.patch >= 8)
}

// Check refuses what release v cannot do, with the reason and the way out.
func (s Settings) Check(ver string) error {
	v, err := parseVersion(ver)
	if err != nil {
		return err
	}
	if _, err := ParseTxnMode(s.TxnMode); err != nil {
		return err
	}
	switch s.Isolation {
	case "", sqlclient.RepeatableRead:
	case sqlclient.ReadCommitted:
		// transaction-isolation-levels#read-committed-isolation-level:
		// READ COMMITTED from v4.0.0, in pessimistic transactions only;
		// an optimistic transaction silently runs repeatable read.
		if !v.atLeast(4, 0) {
			return fmt.Errorf("--isolation read-committed: TiDB %s has no READ COMMITTED (it came in v4.0.0)", v)
		}
		if !s.pessimistic(v) {
			return fmt.Errorf("--isolation read-committed needs --txn-mode pessimistic: TiDB runs READ COMMITTED only in pessimistic transactions, and an optimistic one silently runs repeatable read (transaction-isolation-levels), so the check would be against the wrong model")
		}
	case sqlclient.Serializable, sqlclient.ReadUncommitted:
		// transaction-isolation-levels: TiDB refuses both levels (error
		// 8048) unless tidb_skip_isolation_level_check is on, and then
		// runs repeatable read.
		if !s.SkipIsolationCheck {
			return fmt.Errorf("--isolation %s: TiDB does not implement it and refuses it with error 8048; add --skip-isolation-check to run it anyway (TiDB then runs repeatable read, and the check is against snapshot isolation)", s.Isolation)
		}
	default:
		return fmt.Errorf("--isolation %q: expected one of %s", s.Isolation, sqlclient.IsolationNames())
	}
	if (s.AutoRetry != nil || s.AutoRetryLimit != nil) && v.atLeast(8, 0) {
		// system-variables#tidb_disable_txn_auto_retry: deprecated in
		// v8.0.0, when automatic retries of optimistic transactions were
		// removed.
		return fmt.Errorf("--auto-retry and --auto-retry-limit: TiDB %s has no automatic retries (removed in v8.0.0: tidb_disable_txn_auto_retry and tidb_retry_limit no longer act); use --version %s or another release before v8.0.0", v, PinnedVersion)
	}
	if s.AutoRetryLimit != nil && *s.AutoRetryLimit < 0 {
		return fmt.Errorf("--auto-retry-limit %d: expected 0 or more", *s.AutoRetryLimit)
	}
	if s.FollowerRead && !v.atLeast(4, 0) {
		return fmt.Errorf("--follower-read: TiDB %s has no follower reads (tidb_replica_read came in v4.0.0)", v)
	}
	if s.ReadLock != "" && s.ReadLock != "update" {
		return fmt.Errorf("--read-lock %q: expected update or nothing", s.ReadLock)
	}
	return nil
}

// Models is the consistency model the Elle workloads are checked against:
// TiDB's REPEATABLE READ is snapshot isolation
// (transaction-isolation-levels), its READ COMMITTED read committed, and a
// level it does not implement runs as repeatable read.
func (s Settings) Models() []string {
	if s.Isolation == sqlclient.ReadCommitted {
		return []string{"read-committed"}
	}
	return []string{"snapshot-isolation"}
}

// InitSQL is the session's settings (run once per connection, after
// --init-sql), each documented on the system variable of the same name
// (system-variables). Mixed mode sets tidb_txn_mode per transaction
// instead (Hooks).
func (s Settings) InitSQL() []string {
	var out []string
	if s.TxnMode == Optimistic || s.TxnMode == Pessimistic {
		out = append(out, txnModeSQL(s.TxnMode))
	}
	if s.AutoRetry != nil {
		off := "ON"
		if *s.AutoRetry {
			off = "OFF"
		}
		out = append(out, "SET SESSION tidb_disable_txn_auto_retry = "+off)
	}
	if s.AutoRetryLimit != nil {
		out = append(out, "SET SESSION tidb_retry_limit = "+strconv.Itoa(*s.AutoRetryLimit))
	}
	if s.SkipIsolationCheck {
		out = append(out, "SET SESSION tidb_skip_isolation_level_check = 1")
	}
	if s.FollowerRead {
		out = append(out, "SET SESSION tidb_replica_read = 'follower'")
	}
	return out
}

// ExpectedToPass reports whether the Jepsen suite expects a run with these
// settings on release ver to pass (core.clj
// workload-options-expected-to-pass): automatic retries off and their
// limit 0, since a retried transaction may lose updates; releases from
// v8.0.0 on retry nothing.
func (s Settings) ExpectedToPass(ver string) bool {
	if v, err := parseVersion(ver); err == nil && v.atLeast(8, 0) {
		return true
	}
	return s.AutoRetry != nil && !*s.AutoRetry && s.AutoRetryLimit != nil && *s.AutoRetryLimit == 0
}

// txnModeSQL sets the session's transaction mode.
func txnModeSQL(mode string) string { return "SET SESSION tidb_txn_mode = '" + mode + "'" }
