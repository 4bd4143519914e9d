package sqlworkload

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/checker"
	tablecheck "github.com/faultline/faultline/checker/table"
	"github.com/faultline/faultline/control/local"
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/runner"
	"github.com/faultline/faultline/runstore"
	"github.com/faultline/faultline/suites/sqlsuite/internal/loopback"
	"github.com/faultline/faultline/suites/sqlsuite/sqlclient"
)

// These tests run each workload of this helper's set for a few seconds
// through the real runner against a real server on loopback, at
// serializable, and hold the verdict to valid with ok ops in the history:
// the SQL, the op shapes and the checker agree on a database that keeps
// its promises. (The anomaly-finding side of each checker is in its own
// package's tests.)

// realWorkloads are the workloads run against each server.
var realWorkloads = []string{"register", "set", "set-cas", "long-fork", "monotonic", "sequential", "comments", "table"}

// realRunSeconds is each run's workload time.
const realRunSeconds = 4

func TestWorkloadsOnMariaDB(t *testing.T) {
	if testing.Short() {
		t.Skip("real server runs")
	}
	runEach(t, loopback.MariaDB(t))
}

func TestWorkloadsOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("real server runs")
	}
	runEach(t, loopback.Postgres(t))
}

func runEach(t *testing.T, srv loopback.Server) {
	for _, name := range realWorkloads {
		t.Run(name, func(t *testing.T) {
			out := realRun(t, srv, name, sqlclient.Serializable, Options{UseIndex: name == "register", ReadLock: readLockFor(name)})
			if out.Result.Valid != checker.Valid {
				t.Fatalf("%s on %s: %v: %s %s (run in %s)", name, srv, out.Result.Valid, out.Result.Summary, out.Result.Error, out.Dir)
			}
			counts := map[history.Type]int{}
			for _, op := range out.History.All() {
				if op.IsClient() {
					counts[op.Type]++
				}
			}
			ok := counts[history.OK]
			if ok < 20 {
				t.Fatalf("%s on %s: only %d ok ops in %d s", name, srv, ok, realRunSeconds)
			}
			t.Logf("%s on %s: %d ok, %d fail, %d info; %s", name, srv, ok, counts[history.Fail], counts[history.Info], out.Result.Summary)
		})
	}
	// The error the table checker keys on is the one the server gives.
	t.Run("an insert into a missing table is doesnt-exist", func(t *testing.T) {
		env := envFor(t, srv, sqlclient.Serializable)
		e, _ := env.Endpoint("n1")
		conn, err := sqlclient.Open(context.Background(), env.Config, e)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		op, err := tableInvoke(context.Background(), conn, history.Op{Index: 4, Type: history.Invoke, F: tablecheck.Insert, Value: []any{int64(999999), int64(1)}})
		head, _ := history.AsSlice(op.Error)
		if err != nil || op.Type != history.Fail || len(head) != 2 || head[0] != tablecheck.DoesntExist {
			t.Fatalf("insert into a missing table on %s: %v %v %s, expected a fail with [:doesnt-exist msg]", srv, err, op.Type, history.FormatEDN(op.Error))
		}
	})
	// The other side: read-modify-write without a lock at read committed
	// loses adds, and set-full must say so.
	t.Run("set-cas loses adds at read-committed", func(t *testing.T) {
		out := realRun(t, srv, "set-cas", sqlclient.ReadCommitted, Options{})
		if out.Result.Valid != checker.Invalid || !strings.Contains(out.Result.Summary, "lost") {
			t.Fatalf("set-cas at read-committed on %s: %v: %s %s (run in %s)", srv, out.Result.Valid, out.Result.Summary, out.Result.Error, out.Dir)
		}
		t.Logf("set-cas at read-committed on %s: %s", srv, out.Result.Summary)
	})
}

// readLockFor exercises the locking reads on the workloads that take them.
func readLockFor(name string) string {
	if name == "set-cas" {
		return "update"
	}
	return ""
}

// envFor connects workloads to srv at level iso.
func envFor(t *testing.T, srv loopback.Server, iso sqlclient.Isolation) Env {
	t.Helper()
	d, err := sqlclient.DialectFor(srv.Protocol)
	if err != nil {
		t.Fatal(err)
	}
	return Env{
		Config: sqlclient.Config{Dialect: d, Isolation: iso},
		Endpoint: func(string) (sqlclient.Endpoint, error) {
			return sqlclient.Endpoint{Host: srv.Host, Port: srv.Port, User: srv.User, Password: srv.Password, Database: srv.Database}, nil
		},
	}
}

// realRun runs workload name against srv at level iso with 4 threads.
func realRun(t *testing.T, srv loopback.Server, name string, iso sqlclient.Isolation, o Options) runner.Outcome {
	t.Helper()
	o.Concurrency = 4
	o.TableCount = 3
	o.Env = envFor(t, srv, iso)
	w := build(t, name, o)
	var final generator.Generator
	if w.Final != nil {
		final = generator.Clients(w.Final)
	}
	var log bytes.Buffer
	out, err := runner.Run(context.Background(), &runner.Test{
		Name: "sql-" + name, Nodes: []string{"n1"}, Remote: local.Remote{},
		Client:    w.Client,
		Generator: generator.TimeLimit(realRunSeconds*time.Second, generator.Clients(w.Generator)), FinalGenerator: final,
		Checker: w.Checker, Concurrency: o.Concurrency, Seed: 1,
		Store: &runstore.Store{Root: t.TempDir()}, Output: &log, Config: w.Config,
	})
	if err != nil {
		t.Fatalf("%s on %s: %v\n%s", name, srv, err, log.String())
	}
	return out
}
