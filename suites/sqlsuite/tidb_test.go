package sqlsuite

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/faultline/faultline/cli"
	"github.com/faultline/faultline/suite"
	"github.com/faultline/faultline/suites/sqlsuite/sqldb/tidb"
)

// flagsOf is every suite flag at its default, as the CLI passes them
// (VisitAll), with the given ones on top.
func flagsOf(t *testing.T, given map[string]string) suite.Options {
	t.Helper()
	o := suite.Options{Flags: map[string]string{}}
	fs := pflag.NewFlagSet("sql", pflag.ContinueOnError)
	Suite().Flags(fs)
	fs.VisitAll(func(f *pflag.Flag) { o.Flags[f.Name] = f.Value.String() })
	for k, v := range given {
		if fs.Lookup(k) == nil {
			t.Fatalf("no flag --%s", k)
		}
		o.Flags[k] = v
	}
	return o
}

// TestTiDBOptionsThroughTheSuite: --db tidb takes TiDB's options to the
// client and the model; what TiDB cannot do, and TiDB's options on other
// databases, are refused with the reason.
func TestTiDBOptionsThroughTheSuite(t *testing.T) {
	if err := Suite().Validate(); err != nil {
		t.Fatal(err)
	}
	s, err := parse(flagsOf(t, map[string]string{"db": "tidb", "isolation": "repeatable-read", "txn-mode": "optimistic", "auto-retry": "false", "auto-retry-limit": "0"}))
	if err != nil {
		t.Fatal(err)
	}
	if s.db.Name() != "tidb" || s.db.Protocol() != "mysql" || !slices.Equal(s.models, []string{"snapshot-isolation"}) {
		t.Errorf("db %s (%s), models %v", s.db.Name(), s.db.Protocol(), s.models)
	}
	for _, want := range []string{"SET SESSION tidb_txn_mode = 'optimistic'", "SET SESSION tidb_disable_txn_auto_retry = ON", "SET SESSION tidb_retry_limit = 0"} {
		if !slices.Contains(s.workload.Env.Config.InitSQL, want) {
			t.Errorf("the workloads' connections lack %q: %v", want, s.workload.Env.Config.InitSQL)
		}
	}
	if c := tidbConfig(s); c["txn-mode"] != "optimistic" || c["auto-retry"] != false || c["tidb-version"] != tidb.PinnedVersion || c["expected-to-pass"] != true {
		t.Errorf("the run's config records %v", c)
	}
	if s.workload.Env.Config.Hooks.Classify == nil || s.workload.Env.Config.Hooks.Committed == nil {
		t.Error("the workloads' connections lack TiDB's hooks")
	}
	if s, err := parse(flagsOf(t, map[string]string{"db": "tidb", "isolation": "read-committed", "txn-mode": "pessimistic"})); err != nil || !slices.Equal(s.models, []string{"read-committed"}) {
		t.Errorf("read committed: %v, models %v", err, s.models)
	}
	if s, err := parse(flagsOf(t, map[string]string{"db": "tidb", "isolation": "repeatable-read", "consistency-models": "serializable"})); err != nil || !slices.Equal(s.models, []string{"serializable"}) {
		t.Errorf("--consistency-models over TiDB's default: %v, models %v", err, s.models)
	}

	for _, bad := range []struct {
		given map[string]string
		want  string
	}{
		{map[string]string{"db": "tidb"}, "--isolation serializable: TiDB does not implement it"},
		{map[string]string{"db": "tidb", "isolation": "read-committed", "txn-mode": "optimistic"}, "needs --txn-mode pessimistic"},
		{map[string]string{"db": "tidb", "isolation": "repeatable-read", "version": "v8.5.0", "auto-retry": "true"}, "removed in v8.0.0"},
		{map[string]string{"db": "tidb", "isolation": "repeatable-read", "auto-retry": "maybe"}, `--auto-retry "maybe"`},
		{map[string]string{"db": "tidb", "isolation": "repeatable-read", "version": "latest"}, `--version "latest"`},
		{map[string]string{"db": "mariadb", "txn-mode": "optimistic"}, "--txn-mode is TiDB's (--db tidb), not mariadb's"},
		{map[string]string{"db": "cockroach"}, "tidb"},
	} {
		if _, err := parse(flagsOf(t, bad.given)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%v: %v, want %q", bad.given, err, bad.want)
		}
	}
}

// TestTiDBFaultsOnlyOnTiDB: TiDB's faults build on --db tidb beside
// combined's, and are refused on another database.
func TestTiDBFaultsOnlyOnTiDB(t *testing.T) {
	o := flagsOf(t, map[string]string{"db": "tidb", "isolation": "repeatable-read", "nemesis-schedule": "fixed"})
	o.Nemesis = []string{"kill-kv", "shuffle-region", "partition"}
	s, err := parse(o)
	if err != nil {
		t.Fatal(err)
	}
	p, err := buildFaults(o, s)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"kill-kv", "start-kv", "shuffle-region", "del-shuffle-region", "start-partition"} {
		if !slices.Contains(p.Nemesis.Fs(), f) {
			t.Errorf("fs %v lack %s", p.Nemesis.Fs(), f)
		}
	}
	o = flagsOf(t, map[string]string{"db": "mariadb"})
	o.Nemesis = []string{"kill", tidb.FaultShuffleLeader}
	s, err = parse(o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := buildFaults(o, s); err == nil || !strings.Contains(err.Error(), "shuffle-leader is a TiDB fault") {
		t.Errorf("a TiDB fault on mariadb: %v", err)
	}
}

// TestTiDBBadOptionsExit254: on the command line, what TiDB cannot do is
// refused with exit 254 and the reason, before any cluster is looked for.
func TestTiDBBadOptionsExit254(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"test", "--db", "tidb"}, "--isolation serializable: TiDB does not implement it"},
		{[]string{"test", "--db", "tidb", "--isolation", "read-committed", "--txn-mode", "optimistic"}, "needs --txn-mode pessimistic"},
		{[]string{"test", "--db", "tidb", "--isolation", "repeatable-read", "--version", "v8.5.0", "--auto-retry-limit", "3"}, "removed in v8.0.0"},
		{[]string{"test", "--db", "tidb", "--isolation", "repeatable-read", "--nemesis", "kill-tikv"}, "kill-tikv"},
		{[]string{"test", "--db", "postgres", "--follower-read"}, "--follower-read is TiDB's"},
	} {
		var out, errs bytes.Buffer
		code := cli.Execute(cli.SuiteCommand(Suite()), append(tc.args, "--workload", "append"), &out, &errs)
		if code != cli.ExitBadArgs || !strings.Contains(errs.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d with %q", tc.args, code, errs.String(), cli.ExitBadArgs, tc.want)
		}
	}
}
