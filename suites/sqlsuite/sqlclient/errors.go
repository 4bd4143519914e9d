package sqlclient

import (
	"errors"
	"strconv"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/faultline/faultline/history"
)

// Phase is how far a transaction got when an error struck: what the
// error can mean depends on it.
type Phase int

const (
	// Connecting covers dialing, --init-sql, --init-txn-sql and BEGIN:
	// nothing of the transaction's own statements was sent, so nothing of
	// it can take effect.
	Connecting Phase = iota
	// Statements covers the transaction's statements, before COMMIT.
	Statements
	// Committing is once COMMIT was sent.
	Committing
)

func (p Phase) String() string {
	switch p {
	case Connecting:
		return "before the transaction"
	case Statements:
		return "before COMMIT"
	}
	return "at COMMIT"
}

// commitRefusal is one server error code that, answering COMMIT, says the
// transaction was rolled back: the only server errors at COMMIT that are a
// fail. docs/sql-errors.md lists the same rows; its test checks both.
type commitRefusal struct {
	Protocol string
	Code     string // MySQL error number, or PostgreSQL SQLSTATE
	Name     string
}

// commitRefusals are the codes that make an error at COMMIT a fail.
// PostgreSQL's whole class 40 (transaction rollback) is, except 40003
// (statement_completion_unknown, whose name says the outcome is unknown).
func commitRefusals() []commitRefusal {
	return []commitRefusal{
		{MySQL, "1213", "ER_LOCK_DEADLOCK"},
		{Postgres, "40000", "transaction_rollback"},
		{Postgres, "40001", "serialization_failure"},
		{Postgres, "40002", "transaction_integrity_constraint_violation"},
		{Postgres, "40P01", "deadlock_detected"},
	}
}

// ServerCode returns the protocol and code of a server's error (MySQL
// error number, PostgreSQL SQLSTATE), ok false for any other error.
func ServerCode(err error) (protocol, code string, ok bool) {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return MySQL, strconv.Itoa(int(me.Number)), true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return Postgres, pe.Code, true
	}
	return "", "", false
}

// Classify says what err, met in phase, means for the transaction:
//
//   - Connecting: Fail, whatever the error (nothing of the transaction was
//     sent);
//   - Statements: Fail for an error the server sent or an Abort, provided
//     the caller rolled back successfully (Txn does; a failed rollback is
//     Info); Info for anything else (the connection was lost, a timeout
//     or a cancel struck: the server may still hold the transaction open
//     but cannot commit it without our COMMIT, yet that is a property of
//     the server we do not lean on);
//   - Committing: Fail only for a refusal that says the transaction was
//     rolled back (commitRefusals, pgx's "commit unexpectedly resulted in
//     rollback"); Info for everything else.
func Classify(err error, phase Phase) history.Type {
	switch {
	case err == nil:
		return history.OK
	case phase == Connecting:
		return history.Fail
	case phase == Statements:
		if Refusal(err) {
			return history.Fail
		}
		return history.Info
	}
	if errors.Is(err, pgx.ErrTxCommitRollback) {
		return history.Fail
	}
	if protocol, code, ok := ServerCode(err); ok && refusedAtCommit(protocol, code) {
		return history.Fail
	}
	return history.Info
}

func refusedAtCommit(protocol, code string) bool {
	if protocol == Postgres && len(code) == 5 && code[:2] == "40" && code != "40003" {
		return true
	}
	for _, r := range commitRefusals() {
		if r.Protocol == protocol && r.Code == code {
			return true
		}
	}
	return false
}

// AbortError is a transaction function's own decision to roll back (a
// bank transfer that would overdraw, say): a fail once rolled back.
type AbortError struct{ Reason string }

func (e *AbortError) Error() string { return e.Reason }

// Abort returns an AbortError: return it from a transaction function to
// roll back and record a fail.
func Abort(reason string) error { return &AbortError{Reason: reason} }
