package sqlsuite

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/faultline/faultline/nemesis/combined"
	"github.com/faultline/faultline/suite"
	"github.com/faultline/faultline/suites/sqlsuite/sqldb"
	"github.com/faultline/faultline/suites/sqlsuite/sqldb/tidb"
)

// TiDB's place in the suite: --db tidb deploys sqldb/tidb, whose options,
// faults, error codes and timestamps this file maps from the suite's
// flags. Every flag here is TiDB's alone; the others refuse them.

const dbTiDB = "tidb"

// TiDB's flags (the Jepsen TiDB suite's, core.clj cli-opts and
// single-test-opts, plus later releases' options).
const (
	flagVersion            = "version"
	flagTarballURL         = "tarball-url"
	flagTxnMode            = "txn-mode"
	flagAutoRetry          = "auto-retry"
	flagAutoRetryLimit     = "auto-retry-limit"
	flagSkipIsolationCheck = "skip-isolation-check"
	flagPredicateRead      = "predicate-read"
	flagFollowerRead       = "follower-read"
	flagNemesisSchedule    = "nemesis-schedule"
	flagLongRecovery       = "nemesis-long-recovery"
	flagStartTimeout       = "tidb-start-timeout"
)

// dbNames lists every --db: sqldb's and tidb.
func dbNames() []string { return append(sqldb.Names(), dbTiDB) }

// tidbFlags registers TiDB's flags.
func tidbFlags(fs *pflag.FlagSet) {
	fs.String(flagVersion, tidb.PinnedVersion, "tidb: the release to install (vMAJOR.MINOR.PATCH) from PingCAP's mirror; with --tarball-url, the release the tarballs hold")
	fs.String(flagTarballURL, "", "tidb: tarballs to install instead, comma-separated URLs the nodes fetch or files uploaded to them: the single bundle, or the pd, tikv and tidb tarballs")
	fs.String(flagTxnMode, "", "tidb: transaction mode: optimistic, pessimistic, or mixed (alternating per transaction); default: the cluster's (pessimistic)")
	fs.String(flagAutoRetry, "", "tidb: true or false sets tidb_disable_txn_auto_retry to the opposite (releases before v8.0.0); default: leave it")
	fs.String(flagAutoRetryLimit, "", "tidb: tidb_retry_limit, retries of a failed optimistic transaction (releases before v8.0.0); default: leave it")
	fs.Bool(flagSkipIsolationCheck, false, "tidb: let --isolation serializable and read-uncommitted through (tidb_skip_isolation_level_check); TiDB runs them as repeatable read, checked as snapshot isolation")
	fs.Bool(flagPredicateRead, false, "tidb: workloads read rows by predicate rather than by key (recorded in the run's config; no workload of the suite acts on it yet)")
	fs.Bool(flagFollowerRead, false, "tidb: read from Raft followers (tidb_replica_read = 'follower')")
	fs.String(flagNemesisSchedule, tidb.ScheduleRandom, "tidb: TiDB's own faults at random intervals about --nemesis-interval (random) or exactly that far apart (fixed)")
	fs.Bool(flagLongRecovery, false, "tidb: every 120 s of faults, heal everything and leave the cluster alone for 60 s")
	fs.Duration(flagStartTimeout, 3*time.Minute, "tidb: how long each of PD, TiKV and TiDB may take to become healthy on each node")
}

// tidbFlagNames lists the flags only --db tidb takes.
func tidbFlagNames() []string {
	return []string{flagTarballURL, flagTxnMode, flagAutoRetry, flagAutoRetryLimit, flagSkipIsolationCheck, flagPredicateRead, flagFollowerRead, flagNemesisSchedule, flagLongRecovery}
}

// tidbSettings are TiDB's options, parsed.
type tidbSettings struct {
	tidb.Settings
	faults tidb.FaultOptions
}

// newTiDB reads TiDB's flags and makes the deployment; the options are
// checked against the isolation level by applyTiDB.
func newTiDB(f *flagReader) (*tidb.Server, *tidbSettings, error) {
	var t tidbSettings
	var err error
	if t.TxnMode, err = tidb.ParseTxnMode(f.str(flagTxnMode, "")); err != nil {
		return nil, nil, err
	}
	if v := f.str(flagAutoRetry, ""); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, nil, fmt.Errorf("--%s %q: expected true or false", flagAutoRetry, v)
		}
		t.AutoRetry = &b
	}
	if v := f.str(flagAutoRetryLimit, ""); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, nil, fmt.Errorf("--%s %q: expected a whole number, 0 or more", flagAutoRetryLimit, v)
		}
		t.AutoRetryLimit = &n
	}
	t.SkipIsolationCheck, t.FollowerRead = f.bool(flagSkipIsolationCheck), f.bool(flagFollowerRead)
	t.PredicateRead, t.UseIndex = f.bool(flagPredicateRead), f.bool(flagUseIndex)
	t.ReadLock = f.str(flagReadLock, "")
	t.faults = tidb.FaultOptions{Schedule: f.str(flagNemesisSchedule, tidb.ScheduleRandom), LongRecovery: f.bool(flagLongRecovery)}
	srv, err := tidb.New(tidb.Options{Version: f.str(flagVersion, tidb.PinnedVersion), TarballURL: f.str(flagTarballURL, ""), StartTimeout: f.duration(flagStartTimeout, 3*time.Minute)})
	if err != nil {
		return nil, nil, err
	}
	return srv, &t, nil
}

// applyTiDB checks TiDB's options against the isolation level and the
// release, and applies them to the client (session settings, hooks for
// error codes and timestamps) and to the model checked against, unless
// --consistency-models named one.
func applyTiDB(s *settings) error {
	t := s.tidb
	t.Isolation = s.isolation
	if err := t.Check(s.db.(*tidb.Server).Version()); err != nil {
		return err
	}
	s.client.InitSQL = append(s.client.InitSQL, t.InitSQL()...)
	s.client.Hooks = t.Hooks()
	if s.modelFrom == "isolation" {
		s.models = t.Models()
	}
	return nil
}

// refuseTiDBFlags refuses TiDB's flags (given other than as their
// defaults) on another database.
func refuseTiDBFlags(f *flagReader, db string) error {
	for _, name := range tidbFlagNames() {
		v := f.str(name, "")
		if v != "" && v != "false" && !(name == flagNemesisSchedule && v == tidb.ScheduleRandom) {
			return fmt.Errorf("--%s is TiDB's (--db tidb), not %s's", name, db)
		}
	}
	return nil
}

// buildFaults is the run's faults: TiDB's own and combined's through
// tidb.BuildFaults for TiDB; combined's alone for the others, which
// refuse TiDB's.
func buildFaults(o suite.Options, s settings) (combined.Package, error) {
	if s.tidb != nil {
		return tidb.BuildFaults(o.CombinedOptions(combined.Options{}), s.tidb.faults)
	}
	for _, name := range o.Nemesis {
		if slices.Contains(tidb.FaultNames(), strings.TrimSpace(name)) {
			return combined.Package{}, fmt.Errorf("--nemesis %s is a TiDB fault (--db tidb); %s takes %s", name, s.db.Name(), strings.Join(combined.Names[:5], ", "))
		}
	}
	return suite.NemesisPackage(o, combined.Options{})
}

// tidbConfig is what a TiDB run records of TiDB's options in its config.
func tidbConfig(s settings) map[string]any {
	if s.tidb == nil {
		return nil
	}
	t := s.tidb
	c := map[string]any{
		"tidb-version": s.db.(*tidb.Server).Version(), "txn-mode": t.TxnMode, "skip-isolation-check": t.SkipIsolationCheck,
		"follower-read": t.FollowerRead, "predicate-read": t.PredicateRead, "use-index": t.UseIndex,
		"nemesis-schedule": t.faults.Schedule, "nemesis-long-recovery": t.faults.LongRecovery,
		// Whether the Jepsen suite expects these options to pass (no
		// automatic retries), so a reader of an invalid run knows.
		"expected-to-pass": t.ExpectedToPass(s.db.(*tidb.Server).Version()),
	}
	if t.AutoRetry != nil {
		c["auto-retry"] = *t.AutoRetry
	}
	if t.AutoRetryLimit != nil {
		c["auto-retry-limit"] = *t.AutoRetryLimit
	}
	return c
}
