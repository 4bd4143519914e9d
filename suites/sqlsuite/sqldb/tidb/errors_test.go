package tidb

import (
	"context"
	"database/sql/driver"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/suites/sqlsuite/sqlclient"
)

// TestClassifyTiDBErrors: TiDB's codes by the SQL suite's rule, with real
// error numbers and messages as TiDB sends them. A false fail (an error
// at COMMIT whose transaction may have committed, called fail) would let a
// checker rule out a write that happened; each info row says why it is not
// a refusal.
func TestClassifyTiDBErrors(t *testing.T) {
	tidbErr := func(code uint16, msg string) error {
		return fmt.Errorf("COMMIT: %w", &mysql.MySQLError{Number: code, SQLState: [5]byte{'H', 'Y', '0', '0', '0'}, Message: msg})
	}
	before, at := sqlclient.Statements, sqlclient.Committing
	cases := []struct {
		name  string
		err   error
		phase sqlclient.Phase
		want  history.Type
	}{
		// Optimistic transactions learn of write conflicts at COMMIT; the
		// transaction was rolled back at prewrite, so nothing committed.
		{"9007 write conflict at COMMIT", tidbErr(9007, "Write conflict, txnStartTS=450, conflictStartTS=449, conflictCommitTS=451, key={tableID=70, handle=3} primary={tableID=70, handle=3} [try again later]"), at, history.Fail},
		{"9007 write conflict before COMMIT", tidbErr(9007, "Write conflict [try again later]"), before, history.Fail},
		{"8005 stale start ts at COMMIT", tidbErr(8005, "Write Conflict, txnStartTS is stale"), at, history.Fail},
		{"8002 SELECT FOR UPDATE not retried", tidbErr(8002, "can not retry select for update statement"), at, history.Fail},
		{"8022 commit failed, rolled back", tidbErr(8022, "Error: KV error safe to retry"), at, history.Fail},
		{"8028 schema changed", tidbErr(8028, "Information schema is changed during the execution of the statement"), at, history.Fail},
		{"1213 pessimistic deadlock at COMMIT (the suite's rule)", tidbErr(1213, "Deadlock found when trying to get lock; try restarting transaction"), at, history.Fail},
		// Region or TiKV trouble during COMMIT: the primary key may be
		// committed already, so the outcome is unknown.
		{"9005 region unavailable at COMMIT", tidbErr(9005, "Region is unavailable"), at, history.Info},
		{"9005 region unavailable before COMMIT", tidbErr(9005, "Region is unavailable"), before, history.Fail},
		{"9002 TiKV timeout at COMMIT", tidbErr(9002, "TiKV server timeout"), at, history.Info},
		{"9002 TiKV timeout before COMMIT", tidbErr(9002, "TiKV server timeout"), before, history.Fail},
		{"9001 PD timeout at COMMIT", tidbErr(9001, "PD server timeout"), at, history.Info},
		{"9003 TiKV busy at COMMIT", tidbErr(9003, "TiKV server is busy [try again later]"), at, history.Info},
		{"9004 resolve lock timeout at COMMIT", tidbErr(9004, "Resolve lock timeout [try again later]"), at, history.Info},
		{"1105 unknown error at COMMIT", tidbErr(1105, "unknown error"), at, history.Info},
		// A lost connection or a timeout once COMMIT was sent is info.
		{"connection lost at COMMIT", fmt.Errorf("COMMIT: %w", mysql.ErrInvalidConn), at, history.Info},
		{"bad connection at COMMIT", fmt.Errorf("COMMIT: %w", driver.ErrBadConn), at, history.Info},
		{"timeout at COMMIT", fmt.Errorf("COMMIT: %w", context.DeadlineExceeded), at, history.Info},
		{"nothing sent yet", tidbErr(9005, "Region is unavailable"), sqlclient.Connecting, history.Fail},
	}
	for _, tc := range cases {
		if got := Classify(tc.err, tc.phase); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	// Every refusal is cited, and none is a code the suite's rule leaves
	// info at COMMIT for a reason TiDB's docs contradict.
	for _, r := range commitRefusals() {
		if r.Source == "" || r.Name == "" {
			t.Errorf("refusal %s has no source", r.Code)
		}
		if got := Classify(tidbErr(uint16(atoi(t, r.Code)), r.Name), at); got != history.Fail {
			t.Errorf("refusal %s at COMMIT is %v", r.Code, got)
		}
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestErrorTableInTheDocs: docs/tidb.md's error table has a fail row for
// each refusal of commitRefusals and no other fail row, so the document
// and the classifier cannot drift apart.
func TestErrorTableInTheDocs(t *testing.T) {
	data, err := os.ReadFile("../../../../docs/tidb.md")
	if err != nil {
		t.Fatal(err)
	}
	var docFails []string
	for _, line := range strings.Split(string(data), "\n") {
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if len(cells) == 3 && cells[1] == "fail" {
			docFails = append(docFails, strings.Fields(cells[0])[0])
		}
	}
	var want []string
	for _, r := range commitRefusals() {
		want = append(want, r.Code)
	}
	want = append(want, "1213") // the suite's own MySQL rule, listed for completeness
	slices.Sort(docFails)
	slices.Sort(want)
	if !slices.Equal(docFails, want) {
		t.Errorf("docs/tidb.md lists %v as fail at COMMIT; the classifier %v", docFails, want)
	}
}
