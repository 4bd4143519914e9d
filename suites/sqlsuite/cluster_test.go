package sqlsuite_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/cli"
	"github.com/faultline/faultline/localcluster/clustertest"
	"github.com/faultline/faultline/runstore"
	"github.com/faultline/faultline/suite"
	"github.com/faultline/faultline/suites/sqlsuite"
	"github.com/faultline/faultline/suites/sqlsuite/internal/hostlock"
)

// These tests run the suite for real on a three-node local cluster built
// for the package: MariaDB and PostgreSQL from Debian's packages (the
// deployments of sqldb), driven through the command line a user types.
// Each run has 15 s of workload; the settings (10 threads, 10 active keys,
// transactions of 1-4 micro-ops) are the ones whose outcomes were measured
// over repeated runs (README, the SQL suite).

var env *clustertest.Env

func TestMain(m *testing.M) { os.Exit(clustertest.Run(m, 3, &env)) }

// giveUpAfter interrupts a run that hangs, as Ctrl-C would.
const giveUpAfter = 4 * time.Minute

// run runs `sql <args>` on the test cluster with a store of its own and
// returns the exit code, stdout, and the run loaded back from the store.
func run(t *testing.T, dir string, args ...string) (int, string, *runstore.Loaded) {
	t.Helper()
	c := env.Need(t)
	s := sqlsuite.Suite()
	s.Local = func(context.Context, suite.Options) (suite.Cluster, error) {
		return suite.Cluster{Nodes: c.NodeNames(), Remote: c.Remote()}, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), giveUpAfter)
	defer cancel()
	root := cli.SuiteCommand(s)
	root.SetContext(ctx)
	var out, errs bytes.Buffer
	if keep := os.Getenv("FAULTLINE_TEST_STORE"); keep != "" {
		dir = keep // keep the runs for inspection
	}
	args = append(args, "--store", dir)
	if args[0] != "analyze" {
		args = append(args, "--log-json") // analyze logs nothing
	}
	code := cli.Execute(root, args, &out, &errs)
	t.Logf("faultline sql %s\nexit %d: %s", strings.Join(args, " "), code, out.String())
	if code == cli.ExitCrash || code == cli.ExitBadArgs || ctx.Err() != nil {
		e := errs.String()
		if len(e) > 4000 {
			e = e[len(e)-4000:]
		}
		t.Fatalf("exit %d (interrupted: %v)\nstderr: %s", code, ctx.Err() != nil, e)
	}
	l, err := runstore.Load(filepath.Join(dir, "latest"))
	if err != nil {
		t.Fatalf("loading the run: %v", err)
	}
	return code, out.String(), l
}

// appendArgs is a 15 s append run on db at isolation.
func appendArgs(db, isolation string, more ...string) []string {
	return append([]string{"test", "--workload", "append", "--db", db, "--isolation", isolation,
		"--time-limit", "15", "--concurrency", "10", "--key-count", "10", "--max-txn-length", "4"}, more...)
}

// expect checks a run's exit code and that its verdict line names each of
// want.
func expect(t *testing.T, code int, out string, wantCode int, want ...string) {
	t.Helper()
	if code != wantCode {
		t.Fatalf("exit %d, expected %d: %s", code, wantCode, out)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Fatalf("verdict line lacks %q: %s", w, out)
		}
	}
}

// MariaDB's serializable is two-phase locking: valid. Its repeatable read
// reads a snapshot but writes the latest row, so read-modify-write
// transactions lose updates: invalid under serializable, with the cycles
// named.
func TestMariaDBAppend(t *testing.T) {
	dir := t.TempDir()
	code, out, l := run(t, dir, appendArgs("mariadb", "serializable")...)
	expect(t, code, out, cli.ExitValid, ": valid (sql-append-serializable, ", "mariadb at serializable, checked as serializable")
	if l.Config["isolation"] != "serializable" {
		t.Fatalf("config records isolation %v", l.Config["isolation"])
	}
	code, out, _ = run(t, dir, appendArgs("mariadb", "repeatable-read", "--consistency-models", "serializable")...)
	expect(t, code, out, cli.ExitInvalid, "INVALID (sql-append-repeatable-read, ", "checked as serializable", "G-single-item", "G2-item")
}

// PostgreSQL's serializable (SSI) is valid; its repeatable read is
// snapshot isolation: valid checked as such, and the same history checked
// as serializable (analyze) is invalid with write skew, G2-item.
func TestPostgresAppend(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := run(t, dir, appendArgs("postgres", "serializable")...)
	expect(t, code, out, cli.ExitValid, ": valid (sql-append-serializable, ", "postgres at serializable, checked as serializable")
	code, out, l := run(t, dir, appendArgs("postgres", "repeatable-read")...)
	expect(t, code, out, cli.ExitValid, ": valid (sql-append-repeatable-read, ", "checked as snapshot-isolation")
	code, out, _ = run(t, dir, "analyze", l.Dir, "--consistency-models", "serializable")
	expect(t, code, out, cli.ExitInvalid, "INVALID", "checked as serializable", "G2-item")
}

// bank at serializable on both databases: every read sums to the total,
// and the run has its totals plot.
func TestBankSerializable(t *testing.T) {
	for _, db := range []string{"mariadb", "postgres"} {
		t.Run(db, func(t *testing.T) {
			code, out, l := run(t, t.TempDir(), "test", "--workload", "bank", "--db", db, "--isolation", "serializable",
				"--time-limit", "15", "--concurrency", "10")
			expect(t, code, out, cli.ExitValid, ": valid (sql-bank-serializable, ")
			if _, err := os.Stat(filepath.Join(l.Dir, "bank.png")); err != nil {
				t.Fatalf("no totals plot: %v", err)
			}
		})
	}
}

// Bad input exits 254 listing what is valid, before any database is set up.
func TestUnknownNamesExit254ListingTheValidOnes(t *testing.T) {
	for _, c := range []struct{ args, want []string }{
		{[]string{"--db", "oracle"}, []string{"mariadb, galera, postgres"}},
		{[]string{"--isolation", "snapshot"}, []string{"read-uncommitted, read-committed, repeatable-read, serializable"}},
		{[]string{"--workload", "queue"}, []string{"append, wr, bank"}},
		{[]string{"--consistency-models", "acid"}, []string{"serializable", "snapshot-isolation"}},
	} {
		s := sqlsuite.Suite()
		s.Local = func(context.Context, suite.Options) (suite.Cluster, error) {
			t.Fatal("a cluster was looked for")
			return suite.Cluster{}, nil
		}
		var out, errs bytes.Buffer
		args := append([]string{"test", "--workload", "append", "--store", t.TempDir()}, c.args...)
		code := cli.Execute(cli.SuiteCommand(s), args, &out, &errs)
		if code != cli.ExitBadArgs {
			t.Fatalf("%v: exit %d, expected %d: %s", c.args, code, cli.ExitBadArgs, errs.String())
		}
		for _, w := range c.want {
			if !strings.Contains(errs.String(), w) {
				t.Fatalf("%v: error %q does not list %q", c.args, errs.String(), w)
			}
		}
	}
}

// Galera over the three nodes under partitions, and under kills: whatever
// Galera does, append and bank reach a verdict (valid or invalid, never
// unknown) with a few hundred ok transactions, and the faults are in the
// history. (Not both at once: a killed node's restart waits for it to
// rejoin, up to sqldb's join timeout, on the nemesis thread that would
// heal the partition keeping it out, so the run stalls for minutes.)
func TestGaleraUnderPartitionsAndKills(t *testing.T) {
	hostlock.Galera(t) // never beside another package's Galera cluster
	for _, c := range []struct{ workload, fault, start string }{{"append", "partition", "start-partition"}, {"bank", "kill", "kill"}} {
		t.Run(c.workload+"-"+c.fault, func(t *testing.T) {
			// Kills hit a minority (one node), so the cluster keeps its
			// quorum: killing two or three nodes leaves none serving
			// until they rejoin, and after a whole-cluster kill that can
			// take most of the run (one CI run saw 30 ok transactions).
			code, out, l := run(t, t.TempDir(), "test", "--workload", c.workload, "--db", "galera", "--isolation", "serializable",
				"--nemesis", c.fault, "--nemesis-targets", "minority", "--nemesis-interval", "4", "--time-limit", "20", "--concurrency", "6", "--recovery-time", "5")
			if code != cli.ExitValid && code != cli.ExitInvalid {
				t.Fatalf("exit %d, expected a verdict (valid or invalid): %s", code, out)
			}
			ok, faults := 0, map[string]int{}
			for _, op := range l.History.All() {
				switch {
				case op.IsClient() && op.Type.String() == "ok":
					ok++
				case op.IsNemesis() && op.Type.IsCompletion():
					faults[op.F]++
				}
			}
			if ok < 200 {
				t.Fatalf("%d ok transactions, expected at least 200", ok)
			}
			if faults[c.start] == 0 {
				t.Fatalf("faults recorded: %v, expected %s", faults, c.start)
			}
		})
	}
}

// test-all runs a workload at every isolation level (the suite's axis)
// under the fault set, and ends with the summary table naming each run.
func TestTestAllRunsEveryIsolationLevel(t *testing.T) {
	code, out, _ := run(t, t.TempDir(), "test-all", "--workload", "wr", "--db", "postgres", "--nemesis", "pause",
		"--nemesis-interval", "2", "--time-limit", "6", "--recovery-time", "1", "--concurrency", "6")
	if code != cli.ExitValid {
		t.Fatalf("exit %d, expected valid: %s", code, out)
	}
	for _, level := range []string{"read-uncommitted", "read-committed", "repeatable-read", "serializable"} {
		if want := ": valid (sql-wr-" + level + "-pause, "; !strings.Contains(out, want) {
			t.Fatalf("test-all output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "4 runs: 4 valid, 0 invalid") {
		t.Fatalf("no summary of 4 valid runs:\n%s", out)
	}
}
