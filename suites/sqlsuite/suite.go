// Package sqlsuite is the SQL suite: `faultline sql test|test-all|analyze
// --db mariadb|galera|postgres`, the workloads of sqlworkload on the
// databases of sqldb through the client layer of sqlclient, each Elle
// workload checked against the consistency model its --isolation promises
// on that database (docs/sql-isolation.md) unless --consistency-models
// names another.
package sqlsuite

import (
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/elle/consistency"
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/nemesis/combined"
	"github.com/faultline/faultline/runner"
	"github.com/faultline/faultline/suite"
	"github.com/faultline/faultline/suites/sqlsuite/sqlclient"
	"github.com/faultline/faultline/suites/sqlsuite/sqldb"
	"github.com/faultline/faultline/suites/sqlsuite/sqldb/tidb"
	"github.com/faultline/faultline/suites/sqlsuite/sqlworkload"
)

// The suite's flags, on top of the CLI's standard ones.
const (
	flagDB                = "db"
	flagIsolation         = "isolation"
	flagInitSQL           = "init-sql"
	flagInitTxnSQL        = "init-txn-sql"
	flagConnectTimeout    = "connect-timeout"
	flagOpTimeout         = "op-timeout"
	flagTxnTimeout        = "txn-timeout"
	flagConsistencyModels = "consistency-models"
	flagRate              = "rate"
	flagKeyCount          = "key-count"
	flagMinTxnLength      = "min-txn-length"
	flagMaxTxnLength      = "max-txn-length"
	flagMaxWritesPerKey   = "max-writes-per-key"
	flagTableCount        = "table-count"
	flagReadLock          = "read-lock"
	flagTablesPerAccount  = "bank-tables-per-account"
	flagUseIndex          = "use-index"
	flagSyncWait          = "sync-wait"
	flagSSTMethod         = "sst-method"
	flagRecoveryTime      = "recovery-time"
)

// Suite is the SQL suite.
func Suite() suite.Suite {
	var workloads []suite.Workload
	for _, b := range sqlworkload.Builders() {
		workloads = append(workloads, suite.Workload{Name: b.Name, Summary: b.Summary, Test: testOf(b)})
	}
	var levels []string
	for _, l := range sqlclient.Isolations() {
		levels = append(levels, string(l))
	}
	return suite.Suite{
		Name:      "sql",
		Workloads: workloads,
		// Every database kills and pauses its server; partitions cut the
		// nodes from each other (Galera's replication; the one-node
		// databases' clients reach their server from the control machine,
		// which no partition cuts), packet delays and loses packets,
		// clock moves the nodes' clocks. No file corruption, membership or
		// lose-unfsynced-writes: sqldb offers neither data files to
		// corrupt, members to add, nor lazyfs.
		// TiDB adds its own (tidb.go).
		Faults:  append([]string{combined.Partition, combined.Kill, combined.Pause, combined.Packet, combined.Clock}, tidb.FaultNames()...),
		Nemeses: []string{"", combined.Partition, combined.Kill, combined.Pause},
		Axes:    []suite.Axis{{Flag: flagIsolation, Values: levels}},
		Check: func(o suite.Options) error {
			_, err := parse(o)
			return err
		},
		Flags: func(fs *pflag.FlagSet) {
			fs.String(flagDB, "mariadb", "the database: "+strings.Join(dbNames(), ", "))
			fs.String(flagIsolation, string(sqlclient.Serializable), "isolation level of every transaction: "+sqlclient.IsolationNames()+" (test-all runs each unless given)")
			fs.StringArray(flagInitSQL, nil, "a statement run on every new connection (repeatable)")
			fs.StringArray(flagInitTxnSQL, nil, "a statement run before every transaction, on its connection (repeatable)")
			fs.Duration(flagConnectTimeout, 5*time.Second, "timeout of connecting and logging in")
			fs.Duration(flagOpTimeout, 5*time.Second, "timeout of each statement")
			fs.Duration(flagTxnTimeout, 10*time.Second, "timeout of each transaction, COMMIT included")
			fs.String(flagConsistencyModels, "", "models the Elle workloads (append, wr) are checked against, comma-separated (default: what --isolation promises on --db, docs/sql-isolation.md); analyze takes it to re-check a run against another model")
			fs.Float64(flagRate, 0, "client ops per second, about, over all threads (0: as fast as the threads go)")
			fs.Int(flagKeyCount, 10, "append, wr: keys in use at a time; bank: accounts")
			fs.Int(flagMinTxnLength, 1, "append, wr: fewest micro-ops per transaction")
			fs.Int(flagMaxTxnLength, 4, "append, wr: most micro-ops per transaction")
			fs.Int(flagMaxWritesPerKey, 32, "append, wr: writes to a key before it is retired for a fresh one")
			fs.Int(flagTableCount, 3, "append, wr, comments, sequential: tables the keys are striped over")
			fs.String(flagReadLock, "", "bank, register, set-cas: \"update\" reads the rows a transaction writes with SELECT ... FOR UPDATE")
			fs.Bool(flagUseIndex, false, "register, long-fork, monotonic: look rows up through an indexed secondary column")
			fs.Bool(flagTablesPerAccount, false, "bank: every account in a table of its own")
			fs.Int(flagSyncWait, 0, "galera: wsrep_sync_wait (0..15)")
			fs.String(flagSSTMethod, "rsync", "galera: state-transfer method (rsync, mariabackup)")
			fs.String(flagRecoveryTime, "5", "after the faults are healed, how long (seconds, or a duration) the database gets to recover before the final reads")
			tidbFlags(fs)
		},
	}
}

// settings are the suite's flags, parsed.
type settings struct {
	db        sqldb.Server
	isolation sqlclient.Isolation
	models    []string
	modelFrom string // "isolation" or "flag"
	client    sqlclient.Config
	workload  sqlworkload.Options
	rate      float64
	recovery  time.Duration
	tidb      *tidbSettings // --db tidb's options (tidb.go)
}

// parse reads the suite's flags from o. Unknown databases, levels and
// models are errors listing the valid ones (suite.Build makes them
// OptionsErrors: exit 254).
func parse(o suite.Options) (settings, error) {
	var s settings
	f := flagReader{flags: o.Flags}
	syncWait := f.int(flagSyncWait, 0)
	var err error
	if name := f.str(flagDB, "mariadb"); name == dbTiDB {
		if s.db, s.tidb, err = newTiDB(&f); err != nil {
			return s, err
		}
	} else if s.db, err = sqldb.New(name, sqldb.Options{SyncWait: syncWait, SSTMethod: f.str(flagSSTMethod, "rsync")}); err != nil {
		return s, fmt.Errorf("--%s: %w (or %s)", flagDB, err, dbTiDB)
	} else if err = refuseTiDBFlags(&f, name); err != nil {
		return s, err
	}
	if s.isolation, err = sqlclient.ParseIsolation(f.str(flagIsolation, string(sqlclient.Serializable))); err != nil {
		return s, err
	}
	s.modelFrom = "isolation"
	if m := f.str(flagConsistencyModels, ""); m != "" {
		s.modelFrom = "flag"
		for _, name := range strings.Split(m, ",") {
			name = strings.TrimSpace(name)
			if _, err := consistency.Canonical(name); err != nil {
				return s, fmt.Errorf("--%s %s: %w", flagConsistencyModels, name, err)
			}
			s.models = append(s.models, name)
		}
	} else if s.tidb != nil {
		// TiDB's model depends on its options too (applyTiDB).
	} else if s.models, err = DefaultModels(s.db.Name(), s.isolation); err != nil {
		return s, err
	}
	dialect, err := sqlclient.DialectFor(s.db.Protocol())
	if err != nil {
		return s, err
	}
	s.client = sqlclient.Config{
		Dialect: dialect, Isolation: s.isolation,
		InitSQL: f.list(flagInitSQL), InitTxnSQL: f.list(flagInitTxnSQL),
		ConnectTimeout: f.duration(flagConnectTimeout, 5*time.Second), StatementTimeout: f.duration(flagOpTimeout, 5*time.Second),
		TxnTimeout: f.duration(flagTxnTimeout, 10*time.Second),
	}
	if s.tidb != nil {
		if err := applyTiDB(&s); err != nil {
			return s, err
		}
	}
	db := s.db
	s.workload = sqlworkload.Options{
		Env: sqlworkload.Env{Config: s.client, Endpoint: func(node string) (sqlclient.Endpoint, error) {
			return sqlclient.Endpoint(db.Endpoint(node)), nil
		}},
		KeyCount: f.int(flagKeyCount, 10), MinTxnLength: f.int(flagMinTxnLength, 1), MaxTxnLength: f.int(flagMaxTxnLength, 4),
		MaxWritesPerKey: f.int(flagMaxWritesPerKey, 32), TableCount: f.int(flagTableCount, 3),
		ConsistencyModels: s.models, ReadLock: f.str(flagReadLock, ""), TablesPerAccount: f.bool(flagTablesPerAccount),
		UseIndex: f.bool(flagUseIndex), Concurrency: o.Concurrency,
	}
	s.rate = f.float(flagRate, 0)
	s.recovery = f.wait(flagRecoveryTime, 5*time.Second)
	return s, f.err
}

// testOf makes a workload's suite test: the database, the workload's
// client and checker, the faults alongside the client ops, then the
// faults healed, a pause for recovery, and the workload's final ops.
func testOf(b sqlworkload.Builder) func(o suite.Options) (*runner.Test, error) {
	return func(o suite.Options) (*runner.Test, error) {
		s, err := parse(o)
		if err != nil {
			return nil, err
		}
		w, err := b.Build(s.workload)
		if err != nil {
			return nil, err
		}
		faults, err := buildFaults(o, s)
		if err != nil {
			return nil, err
		}
		gen := w.Generator
		if s.rate > 0 {
			gen = generator.Stagger(time.Duration(float64(time.Second)/s.rate), gen)
		}
		main := generator.Clients(gen)
		if faults.Generator != nil {
			main = generator.Any(main, faults.Generator)
		}
		var steps []generator.Generator
		if faults.Final != nil {
			steps = append(steps, generator.LogMsg("healing every fault"), faults.Final)
			if s.recovery > 0 {
				steps = append(steps, generator.LogMsg(fmt.Sprintf("waiting %v for the database to recover", s.recovery)), generator.SleepFor(s.recovery))
			}
		}
		if w.Final != nil {
			steps = append(steps, generator.LogMsg("final reads"), generator.Clients(w.Final))
		}
		var final generator.Generator
		if len(steps) > 0 {
			final = generator.Phases(steps...)
		}
		config := map[string]any{
			"db": s.db.Name(), "isolation": string(s.isolation), "consistency-models": s.models,
			"consistency-models-from": s.modelFrom, "recovery-time": s.recovery.String(),
		}
		for k, v := range w.Config {
			config[k] = v
		}
		for k, v := range tidbConfig(s) {
			config[k] = v
		}
		return &runner.Test{
			DB: s.db, Client: w.Client, Nemesis: faults.Nemesis, Faults: faults.Faults,
			Generator: main, FinalGenerator: final, Checker: summarized(w, s),
			Config: config,
		}, nil
	}
}

// summarized puts the database, isolation level and what the checker
// holds the history to (the model checked against, for the Elle workloads)
// in front of the verdict line (suite.Summarized adds the outcome counts).
func summarized(w sqlworkload.Workload, s settings) checker.Checker {
	checks := w.Checks
	if checks == "" {
		checks = strings.Join(s.models, ",")
	}
	return suite.Summarized(fmt.Sprintf("%s at %s, checked as %s", s.db.Name(), s.isolation, checks), w.Checker)
}

// flagReader reads the suite's flags from their strings, keeping the first
// error.
type flagReader struct {
	flags map[string]string
	err   error
}

func (f *flagReader) fail(name, val, want string) {
	if f.err == nil {
		f.err = fmt.Errorf("--%s %q: expected %s", name, val, want)
	}
}

func (f *flagReader) str(name, def string) string {
	if v, ok := f.flags[name]; ok && v != "" {
		return v
	}
	return def
}

func (f *flagReader) int(name string, def int) int {
	v := f.str(name, strconv.Itoa(def))
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		f.fail(name, v, "a whole number, 0 or more")
	}
	return n
}

func (f *flagReader) float(name string, def float64) float64 {
	v := f.str(name, strconv.FormatFloat(def, 'g', -1, 64))
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || x < 0 {
		f.fail(name, v, "a number, 0 or more")
	}
	return x
}

func (f *flagReader) bool(name string) bool {
	v := f.str(name, "false")
	b, err := strconv.ParseBool(v)
	if err != nil {
		f.fail(name, v, "true or false")
	}
	return b
}

func (f *flagReader) duration(name string, def time.Duration) time.Duration {
	v := f.str(name, def.String())
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		f.fail(name, v, "a positive duration such as 5s")
	}
	return d
}

// wait reads seconds ("5") or a duration ("500ms"); 0 is no wait.
func (f *flagReader) wait(name string, def time.Duration) time.Duration {
	v := f.str(name, def.String())
	if x, err := strconv.ParseFloat(v, 64); err == nil && x >= 0 {
		return time.Duration(x * float64(time.Second))
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		f.fail(name, v, "seconds (5), a duration (500ms) or 0")
	}
	return d
}

// list reads a repeatable string flag as pflag prints it: "[a,b]", the
// elements comma-separated and quoted as CSV.
func (f *flagReader) list(name string) []string {
	v := strings.TrimSuffix(strings.TrimPrefix(f.str(name, "[]"), "["), "]")
	if v == "" {
		return nil
	}
	out, err := csv.NewReader(strings.NewReader(v)).Read()
	if err != nil {
		f.fail(name, v, "statements as --"+name+" gives them")
	}
	return out
}
