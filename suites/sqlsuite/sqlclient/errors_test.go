package sqlclient

import (
	"bufio"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/faultline/faultline/history"
)

// errorRow is one row of docs/sql-errors.md's table.
type errorRow struct {
	line                 int
	protocol, code, name string
	want                 [3]history.Type // by Phase
}

// readErrorTable reads the table of docs/sql-errors.md.
func readErrorTable(t *testing.T) []errorRow {
	t.Helper()
	const path = "../../../docs/sql-errors.md"
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []errorRow
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		cells := strings.Split(strings.Trim(sc.Text(), "| "), " | ")
		if len(cells) != 6 || !slices.Contains([]string{MySQL, Postgres, "driver"}, cells[0]) {
			continue
		}
		r := errorRow{line: n, protocol: cells[0], code: cells[1], name: cells[2]}
		for i, c := range cells[3:] {
			switch c {
			case "fail":
				r.want[i] = history.Fail
			case "info":
				r.want[i] = history.Info
			default:
				t.Fatalf("%s:%d: outcome %q, expected fail or info", path, n, c)
			}
		}
		rows = append(rows, r)
	}
	if len(rows) < 20 {
		t.Fatalf("%s: found %d rows of the error table, expected the whole table", path, len(rows))
	}
	return rows
}

// driverErrors are the real error values of the table's driver rows.
func driverErrors() map[string]error {
	return map[string]error{
		"pgx.ErrTxCommitRollback":  pgx.ErrTxCommitRollback,
		"driver.ErrBadConn":        driver.ErrBadConn,
		"mysql.ErrInvalidConn":     mysql.ErrInvalidConn,
		"io.ErrUnexpectedEOF":      io.ErrUnexpectedEOF,
		"net.OpError":              &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)},
		"context.DeadlineExceeded": context.DeadlineExceeded,
		"context.Canceled":         context.Canceled,
		"sql.ErrTxDone":            sql.ErrTxDone,
	}
}

// rowError is the driver's error value for a row.
func rowError(t *testing.T, r errorRow) error {
	switch r.protocol {
	case MySQL:
		n, err := strconv.Atoi(r.code)
		if err != nil {
			t.Fatalf("docs/sql-errors.md:%d: mysql code %q is not a number", r.line, r.code)
		}
		return &mysql.MySQLError{Number: uint16(n), Message: r.name}
	case Postgres:
		return &pgconn.PgError{Severity: "ERROR", Code: r.code, Message: r.name}
	}
	err, ok := driverErrors()[r.code]
	if !ok {
		t.Fatalf("docs/sql-errors.md:%d: no error value for %q", r.line, r.code)
	}
	return err
}

// TestClassifyFollowsTheDocumentedTable classifies every row's real error
// value, bare and wrapped as the client wraps it, in each phase.
func TestClassifyFollowsTheDocumentedTable(t *testing.T) {
	for _, r := range readErrorTable(t) {
		err := rowError(t, r)
		for _, e := range []error{err, fmt.Errorf("COMMIT: %w", err)} {
			for p := Connecting; p <= Committing; p++ {
				if got := Classify(e, p); got != r.want[p] {
					t.Errorf("docs/sql-errors.md:%d %s %s %s: %s, the table says %s", r.line, r.protocol, r.code, p, got, r.want[p])
				}
			}
		}
	}
}

// TestEveryCommitRefusalIsDocumented: a code the classifier calls a
// refusal at COMMIT must be in the table with fail at COMMIT, or the
// documentation and the code have drifted.
func TestEveryCommitRefusalIsDocumented(t *testing.T) {
	rows := readErrorTable(t)
	for _, c := range commitRefusals() {
		found := false
		for _, r := range rows {
			if r.protocol == c.Protocol && r.code == c.Code {
				found = r.want[Committing] == history.Fail
			}
		}
		if !found {
			t.Errorf("%s %s (%s) is a refusal at COMMIT in the code but not a row with fail at COMMIT in docs/sql-errors.md", c.Protocol, c.Code, c.Name)
		}
	}
}

// TestAbortIsAFailBeforeCommit: a transaction function's own refusal is a
// fail (once rolled back); the same value can never be a fail at COMMIT,
// where only the server's word counts.
func TestAbortIsAFailBeforeCommit(t *testing.T) {
	err := fmt.Errorf("transfer: %w", Abort("insufficient funds"))
	if got := Classify(err, Statements); got != history.Fail {
		t.Fatalf("abort before COMMIT: %s, want fail", got)
	}
	if got := Classify(err, Committing); got != history.Info {
		t.Fatalf("abort at COMMIT: %s, want info", got)
	}
	if got := Classify(errors.New("row holds garbage"), Statements); got != history.Info {
		t.Fatalf("an unrecognised error before COMMIT: %s, want info", got)
	}
}
