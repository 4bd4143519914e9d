package tidb

import (
	"slices"
	"strings"
	"testing"

	"github.com/faultline/faultline/suites/sqlsuite/sqlclient"
)

func ptr[T any](v T) *T { return &v }

// TestSettingsCheckRefusesWhatTheReleaseCannotDo: each refusal names the
// option and the reason; what the release can do passes.
func TestSettingsCheckRefusesWhatTheReleaseCannotDo(t *testing.T) {
	cases := []struct {
		name string
		s    Settings
		ver  string
		want string // "" passes
	}{
		{"default", Settings{}, PinnedVersion, ""},
		{"repeatable read optimistic", Settings{Isolation: sqlclient.RepeatableRead, TxnMode: Optimistic}, PinnedVersion, ""},
		{"read committed pessimistic", Settings{Isolation: sqlclient.ReadCommitted, TxnMode: Pessimistic}, PinnedVersion, ""},
		{"read committed, default mode (pessimistic)", Settings{Isolation: sqlclient.ReadCommitted}, PinnedVersion, ""},
		{"read committed optimistic", Settings{Isolation: sqlclient.ReadCommitted, TxnMode: Optimistic}, PinnedVersion, "needs --txn-mode pessimistic"},
		{"read committed mixed", Settings{Isolation: sqlclient.ReadCommitted, TxnMode: Mixed}, PinnedVersion, "needs --txn-mode pessimistic"},
		{"read committed on v3", Settings{Isolation: sqlclient.ReadCommitted, TxnMode: Pessimistic}, "v3.0.0", "has no READ COMMITTED"},
		{"serializable", Settings{Isolation: sqlclient.Serializable}, PinnedVersion, "refuses it with error 8048"},
		{"serializable, check skipped", Settings{Isolation: sqlclient.Serializable, SkipIsolationCheck: true}, PinnedVersion, ""},
		{"read uncommitted", Settings{Isolation: sqlclient.ReadUncommitted}, PinnedVersion, "--skip-isolation-check"},
		{"auto retry on v7.5", Settings{AutoRetry: ptr(true), AutoRetryLimit: ptr(10)}, PinnedVersion, ""},
		{"auto retry on v8.5", Settings{AutoRetry: ptr(false)}, "v8.5.0", "has no automatic retries (removed in v8.0.0"},
		{"auto retry limit on v8.1", Settings{AutoRetryLimit: ptr(0)}, "v8.1.0", "--auto-retry-limit"},
		{"negative retry limit", Settings{AutoRetryLimit: ptr(-1)}, PinnedVersion, "expected 0 or more"},
		{"follower read on v3", Settings{FollowerRead: true}, "v3.0.1", "no follower reads"},
		{"follower read", Settings{FollowerRead: true}, PinnedVersion, ""},
		{"txn mode", Settings{TxnMode: "eager"}, PinnedVersion, "--txn-mode \"eager\""},
		{"read lock", Settings{ReadLock: "share"}, PinnedVersion, "--read-lock \"share\""},
		{"version", Settings{}, "7.5", "expected a TiDB release such as"},
	}
	for _, tc := range cases {
		err := tc.s.Check(tc.ver)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: refused: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
}

// TestSettingsModelsAndSessionSQL: the model each level is checked
// against, and the session variables each option sets.
func TestSettingsModelsAndSessionSQL(t *testing.T) {
	for _, tc := range []struct {
		l    sqlclient.Isolation
		want string
	}{{"", "snapshot-isolation"}, {sqlclient.RepeatableRead, "snapshot-isolation"}, {sqlclient.ReadCommitted, "read-committed"}, {sqlclient.Serializable, "snapshot-isolation"}} {
		if got := (Settings{Isolation: tc.l}).Models(); !slices.Equal(got, []string{tc.want}) {
			t.Errorf("%q checked as %v, want %s", tc.l, got, tc.want)
		}
	}
	s := Settings{TxnMode: Mixed, AutoRetry: ptr(false), AutoRetryLimit: ptr(0), SkipIsolationCheck: true, FollowerRead: true}
	got := s.InitSQL()
	want := []string{
		"SET SESSION tidb_disable_txn_auto_retry = ON",
		"SET SESSION tidb_retry_limit = 0",
		"SET SESSION tidb_skip_isolation_level_check = 1",
		"SET SESSION tidb_replica_read = 'follower'",
	}
	if !slices.Equal(got, want) {
		t.Errorf("session SQL %v, want %v", got, want)
	}
	if got := (Settings{TxnMode: Pessimistic}).InitSQL(); !slices.Equal(got, []string{"SET SESSION tidb_txn_mode = 'pessimistic'"}) {
		t.Errorf("--txn-mode pessimistic: %v", got)
	}
	if got := (Settings{AutoRetry: ptr(true)}).InitSQL(); !slices.Equal(got, []string{"SET SESSION tidb_disable_txn_auto_retry = OFF"}) {
		t.Errorf("--auto-retry: %v", got)
	}
	if got := (Settings{}).InitSQL(); len(got) != 0 {
		t.Errorf("no options set %v", got)
	}
	if !s.ExpectedToPass(PinnedVersion) || (Settings{AutoRetry: ptr(true), AutoRetryLimit: ptr(10)}).ExpectedToPass(PinnedVersion) || (Settings{}).ExpectedToPass(PinnedVersion) || !(Settings{}).ExpectedToPass("v8.5.0") {
		t.Error("ExpectedToPass disagrees with core.clj's workload-options-expected-to-pass")
	}
}
