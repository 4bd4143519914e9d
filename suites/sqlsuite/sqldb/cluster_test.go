package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/faultline/faultline/control/node"
	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/localcluster/clustertest"
	"github.com/faultline/faultline/suites/sqlsuite/internal/hostlock"
)

// These tests deploy each database for real on one three-node local cluster
// shared by the package (each test tears its database down again), connect
// from the test with the drivers the suite uses, and kill, pause and break
// the servers.

var env *clustertest.Env

func TestMain(m *testing.M) { os.Exit(clustertest.Run(m, 3, &env)) }

// nodesOf is the db.Node view of every cluster node, as the runner builds it.
func nodesOf(t *testing.T) []db.Node {
	t.Helper()
	c, conns := env.Conns(t)
	names := c.NodeNames()
	out := make([]db.Node, len(names))
	for i, name := range names {
		out[i] = db.Node{Name: name, Nodes: names, Conn: conns[name]}
	}
	return out
}

// onAll runs step on every node at once with one barrier shared by them, as
// the runner's setup does; a failing node breaks the barrier for the others.
func onAll(ctx context.Context, nodes []db.Node, step func(context.Context, db.Node) error) error {
	b := db.NewBarrier(len(nodes))
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		n.Barrier = b.Wait
		wg.Go(func() {
			if errs[i] = step(ctx, n); errs[i] != nil {
				b.Fail(fmt.Errorf("on %s: %w", n.Name, errs[i]))
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// deployNew makes the named server and sets it up on every cluster node.
func deployNew(t *testing.T, name string) (Server, []db.Node) {
	t.Helper()
	nodes := nodesOf(t)
	s, err := New(name, Options{})
	if err != nil {
		t.Fatal(err)
	}
	deploy(t, s, nodes)
	return s, nodes
}

// checkSettings checks that n's SettingsFile holds every want.
func checkSettings(t *testing.T, n db.Node, wants ...string) {
	t.Helper()
	out, err := node.Output(context.Background(), n.Conn, "cat", SettingsFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Errorf("%s on %s lacks %q:\n%s", SettingsFile, n.Name, want, out)
		}
	}
}

// deploy sets s up on every node and registers its teardown.
func deploy(t *testing.T, s Server, nodes []db.Node) {
	t.Helper()
	t.Cleanup(func() { onAll(context.Background(), nodes, s.Teardown) })
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	start := time.Now()
	if err := onAll(ctx, nodes, s.Setup); err != nil {
		t.Fatalf("setting up %s: %v", s.Name(), err)
	}
	t.Logf("%s set up on %d nodes in %v", s.Name(), len(nodes), time.Since(start).Round(time.Millisecond))
}

// open connects to ep with the driver for s's protocol.
func open(t *testing.T, s Server, ep Endpoint) *sql.DB {
	t.Helper()
	var dsn, driver string
	switch s.Protocol() {
	case "mysql":
		c := mysql.NewConfig()
		c.User, c.Passwd, c.DBName = ep.User, ep.Password, ep.Database
		c.Net, c.Addr = "tcp", net.JoinHostPort(ep.Host, strconv.Itoa(ep.Port))
		c.Timeout, c.ReadTimeout, c.WriteTimeout = 5*time.Second, 30*time.Second, 30*time.Second
		driver, dsn = "mysql", c.FormatDSN()
	case "postgres":
		driver = "pgx"
		dsn = fmt.Sprintf("host=%s port=%d user=%s password=%s dbname=%s connect_timeout=5 sslmode=disable", ep.Host, ep.Port, ep.User, ep.Password, ep.Database)
	default:
		t.Fatalf("unknown protocol %q", s.Protocol())
	}
	d, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// exec runs statements, failing the test on the first error.
func exec(t *testing.T, d *sql.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err := d.ExecContext(ctx, s)
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// values reads the v column of table t ordered by k, joined with commas.
func values(ctx context.Context, d *sql.DB, table string) (string, error) {
	rows, err := d.QueryContext(ctx, "SELECT v FROM "+table+" ORDER BY k")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var vs []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return "", err
		}
		vs = append(vs, v)
	}
	return strings.Join(vs, ","), rows.Err()
}

// eventually waits up to limit for values(table) to be want.
func eventually(t *testing.T, d *sql.DB, table, want string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		got, err := values(ctx, d, table)
		cancel()
		if err == nil && got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("reading %s: got %q (error %v), want %q within %v", table, got, err, want, limit)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkBasics is what every server must do: serve a write and a read
// through its Endpoint, keep it across Kill and Start of its serving node,
// make a query wait while paused and finish it on Resume, and list log
// files that exist, the settings record holding wantVersion.
func checkBasics(t *testing.T, s Server, nodes []db.Node, serving db.Node, wantVersion string) {
	ctx := context.Background()
	d := open(t, s, s.Endpoint(serving.Name))
	t.Run("write and read", func(t *testing.T) {
		exec(t, d, "CREATE TABLE basics (k INT PRIMARY KEY, v VARCHAR(32))", "INSERT INTO basics VALUES (1, 'one'), (2, 'two')")
		eventually(t, d, "basics", "one,two", 5*time.Second)
	})
	t.Run("kill and start", func(t *testing.T) {
		if err := s.Kill(ctx, serving); err != nil {
			t.Fatal(err)
		}
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := values(rctx, d, "basics")
		cancel()
		if err == nil {
			t.Fatalf("a read succeeded with %s killed on %s", s.Name(), serving.Name)
		}
		if err := s.Start(ctx, serving); err != nil {
			t.Fatal(err)
		}
		eventually(t, open(t, s, s.Endpoint(serving.Name)), "basics", "one,two", 30*time.Second)
	})
	t.Run("pause and resume", func(t *testing.T) {
		p := open(t, s, s.Endpoint(serving.Name))
		eventually(t, p, "basics", "one,two", 30*time.Second) // a connection before the pause
		if err := s.Pause(ctx, serving); err != nil {
			t.Fatal(err)
		}
		resumed := false
		defer func() {
			if !resumed {
				s.Resume(ctx, serving)
			}
		}()
		short, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := values(short, p, "basics")
		cancel()
		if err == nil {
			t.Fatalf("a read succeeded with %s paused on %s", s.Name(), serving.Name)
		}
		done := make(chan error, 1)
		long := open(t, s, s.Endpoint(serving.Name))
		long.SetMaxOpenConns(1)
		go func() {
			lctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			defer cancel()
			got, err := values(lctx, long, "basics")
			if err == nil && got != "one,two" {
				err = fmt.Errorf("read %q, want one,two", got)
			}
			done <- err
		}()
		select {
		case err := <-done:
			t.Fatalf("a read finished while %s was paused: %v", s.Name(), err)
		case <-time.After(2 * time.Second):
		}
		if err := s.Resume(ctx, serving); err != nil {
			t.Fatal(err)
		}
		resumed = true
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("the read waiting through the pause: %v", err)
			}
		case <-time.After(60 * time.Second):
			t.Fatal("the read waiting through the pause did not finish within 60 s of Resume")
		}
	})
	t.Run("log files", func(t *testing.T) {
		checkLogFiles(t, s, nodes, wantVersion)
	})
}

// checkLogFiles checks that every serving node lists its log and
// SettingsFile, both exist, and the record holds the version.
func checkLogFiles(t *testing.T, s Server, nodes []db.Node, wantVersion string) {
	ctx := context.Background()
	for _, n := range nodes {
		files, err := s.LogFiles(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		if len(files) == 0 {
			continue
		}
		if !strings.Contains(strings.Join(files, " "), SettingsFile) {
			t.Errorf("on %s: LogFiles %v lack %s", n.Name, files, SettingsFile)
		}
		for _, f := range files {
			if ok, err := node.Exists(ctx, n.Conn, f); err != nil || !ok {
				t.Errorf("on %s: %s listed by LogFiles does not exist (%v)", n.Name, f, err)
			}
		}
		out, err := node.Output(ctx, n.Conn, "cat", SettingsFile)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, wantVersion) || !strings.Contains(out, "node: "+n.Name) {
			t.Errorf("on %s: %s does not hold %q and its node:\n%s", n.Name, SettingsFile, wantVersion, out)
		}
		t.Logf("%s's %s:\n%s", n.Name, SettingsFile, out)
	}
}

// checkPrimaries checks that s names want as its primaries.
func checkPrimaries(t *testing.T, s Server, nodes []db.Node, want ...string) {
	t.Helper()
	got, err := s.(db.Primarier).Primaries(context.Background(), nodes)
	if err != nil || strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Primaries = %v, %v; want %v", got, err, want)
	}
}

// checkTornDown tears s down and checks that no server process and no data
// directory is left on any node, and that a second Teardown, where nothing
// runs any more, succeeds too.
func checkTornDown(t *testing.T, s Server, nodes []db.Node) {
	ctx := context.Background()
	for range 2 {
		if err := onAll(ctx, nodes, s.Teardown); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range nodes {
		out, err := node.Shell(ctx, n.Conn, `pgrep -a -x mariadbd; pgrep -a -x postgres; pgrep -a rsync; ls -d "$1" "$2" 2>/dev/null; true`, BaseDir, LogDir)
		if err != nil {
			t.Fatal(err)
		}
		if out != "" {
			t.Errorf("on %s after teardown: %s", n.Name, out)
		}
	}
}

func TestMariaDB(t *testing.T) {
	s, nodes := deployNew(t, "mariadb")
	ep := s.Endpoint(nodes[2].Name)
	if want := s.Endpoint(nodes[0].Name); ep != want || net.ParseIP(ep.Host).To4() == nil || ep.Port != 3306 {
		t.Fatalf("endpoint for %s is %+v, want the first node's IPv4 address %+v", nodes[2].Name, ep, want)
	}
	checkPrimaries(t, s, nodes, nodes[0].Name)
	checkBasics(t, s, nodes, nodes[0], "version: 10.")
	checkSettings(t, nodes[0], "innodb_snapshot_isolation: ", "isolation: REPEATABLE-READ")
	checkTornDown(t, s, nodes)
}

func TestPostgres(t *testing.T) {
	s, nodes := deployNew(t, "postgres")
	checkPrimaries(t, s, nodes, nodes[0].Name)
	checkBasics(t, s, nodes, nodes[0], "server_version: 1")
	checkSettings(t, nodes[0], "default_transaction_isolation: read committed", "fsync: on")
	checkTornDown(t, s, nodes)
}

func TestGalera(t *testing.T) {
	hostlock.Galera(t) // never beside another package's Galera cluster
	s, nodes := deployNew(t, "galera")
	hosts := map[string]bool{}
	for _, n := range nodes {
		hosts[s.Endpoint(n.Name).Host] = true
	}
	if len(hosts) != len(nodes) {
		t.Fatalf("the nodes' endpoints share hosts %v: each worker must reach its own node", hosts)
	}
	checkPrimaries(t, s, nodes, nodes[0].Name, nodes[1].Name, nodes[2].Name)
	checkBasics(t, s, nodes, nodes[1], "wsrep_cluster_size: 3")
	checkSettings(t, nodes[0], "wsrep_sync_wait: 0", "wsrep_sst_method: rsync", "binlog_format: ROW", "innodb_autoinc_lock_mode: 2", "wsrep_cluster_status: Primary")
	conns := make([]*sql.DB, len(nodes))
	for i, n := range nodes {
		conns[i] = open(t, s, s.Endpoint(n.Name))
	}
	t.Run("a write on one node is read on the others", func(t *testing.T) {
		exec(t, conns[0], "CREATE TABLE spread (k INT PRIMARY KEY, v VARCHAR(32))", "INSERT INTO spread VALUES (1, 'from-first')")
		for _, c := range conns[1:] {
			eventually(t, c, "spread", "from-first", 10*time.Second)
		}
	})
	t.Run("a killed node rejoins", func(t *testing.T) {
		ctx := context.Background()
		victim := nodes[2]
		before := istCount(t, victim)
		if err := s.Kill(ctx, victim); err != nil {
			t.Fatal(err)
		}
		waitClusterSize(t, conns[0], 2)
		checkPrimaries(t, s, nodes, nodes[0].Name, nodes[1].Name)
		exec(t, conns[0], "INSERT INTO spread VALUES (2, 'while-down')")
		if err := s.Start(ctx, victim); err != nil {
			t.Fatal(err)
		}
		waitClusterSize(t, conns[2], 3)
		eventually(t, conns[2], "spread", "from-first,while-down", 30*time.Second)
		// It caught up from its donor's gcache, not by a full state
		// transfer: an rsync SST blocks its donor for the whole copy, so
		// two of three nodes would stop serving after every kill.
		if istCount(t, victim) <= before {
			log, _ := node.Output(ctx, victim.Conn, "tail", "-n", "40", mysqlLog)
			t.Fatalf("the restarted node received no IST; its log ends:\n%s", log)
		}
	})
	t.Run("every node killed comes back", func(t *testing.T) {
		restartAll(t, s, nodes, conns, nil)
	})
	t.Run("every node killed without its saved view comes back", func(t *testing.T) {
		// Without gvwstate.dat Galera cannot recover the primary component
		// by itself: the first node must bootstrap it anew, and the others
		// join it once their own wait for a primary component has failed.
		restartAll(t, s, nodes, conns, func(ctx context.Context, n db.Node) error {
			_, err := node.Output(ctx, n.Conn, "rm", "-f", dataDir+"/gvwstate.dat")
			return err
		})
	})
	checkTornDown(t, s, nodes)
}

// istCount is how many incremental state transfers n's server log says it
// received.
func istCount(t *testing.T, n db.Node) int {
	t.Helper()
	log, err := node.Output(context.Background(), n.Conn, "cat", mysqlLog)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(log, "IST received")
}

// restartAll kills every node, runs between on each (if given), starts
// them all at once, and checks that the cluster is whole again with the rows
// the earlier subtests wrote.
func restartAll(t *testing.T, s Server, nodes []db.Node, conns []*sql.DB, between func(context.Context, db.Node) error) {
	t.Helper()
	ctx := context.Background()
	if err := onAll(ctx, nodes, s.Kill); err != nil {
		t.Fatal(err)
	}
	if between != nil {
		if err := onAll(ctx, nodes, between); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	if err := onAll(ctx, nodes, s.Start); err != nil {
		t.Fatal(err)
	}
	for _, c := range conns {
		waitClusterSize(t, c, 3)
	}
	t.Logf("the cluster came back in %v", time.Since(start).Round(time.Millisecond))
	for _, c := range conns {
		eventually(t, c, "spread", "from-first,while-down", 30*time.Second)
	}
}

// waitClusterSize waits until the node d reaches is in a primary component
// of want members.
func waitClusterSize(t *testing.T, d *sql.DB, want int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	var status, size string
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := d.QueryRowContext(ctx, "SELECT (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_CLUSTER_STATUS'), (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_CLUSTER_SIZE')").Scan(&status, &size)
		cancel()
		if err == nil && status == "Primary" && size == strconv.Itoa(want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("wsrep_cluster_status %q, wsrep_cluster_size %q (error %v), want Primary of %d", status, size, err, want)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// A server that cannot start fails Setup with the node's name and the tail
// of its log, which says why.
func TestBrokenConfigNamesTheNodeAndShowsTheLog(t *testing.T) {
	nodes := nodesOf(t)
	cases := []struct {
		name   string
		server Server
		inLog  string
	}{
		{"mariadb", &mysqlServer{opts: Options{SSTMethod: "rsync"}, down: map[string]bool{}, extraArgs: []string{"--no-such-option=1"}}, "unknown variable 'no-such-option=1'"},
		{"postgres", &postgresServer{extraArgs: []string{"-c", "no_such_setting=1"}}, `unrecognized configuration parameter "no_such_setting"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Cleanup(func() { onAll(context.Background(), nodes, c.server.Teardown) })
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			err := onAll(ctx, nodes, c.server.Setup)
			if err == nil {
				t.Fatal("Setup succeeded with a broken configuration")
			}
			msg := err.Error()
			for _, want := range []string{"on " + nodes[0].Name + ": " + c.name + " did not start", "last lines of " + LogDir, c.inLog} {
				if !strings.Contains(msg, want) {
					t.Errorf("the error lacks %q:\n%s", want, msg)
				}
			}
		})
	}
}

func TestNewRefusesUnknownNamesAndOptions(t *testing.T) {
	for _, c := range []struct {
		name string
		o    Options
		want string
	}{
		{"mysql", Options{}, "valid databases are mariadb, galera, postgres"},
		{"galera", Options{SSTMethod: "xtrabackup"}, "valid methods are rsync, mariabackup"},
		{"galera", Options{SyncWait: 16}, "0..15"},
	} {
		if _, err := New(c.name, c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%q, %+v) = %v, want an error with %q", c.name, c.o, err, c.want)
		}
	}
	for _, name := range Names() {
		s, err := New(name, Options{})
		if err != nil || s.Name() != name {
			t.Errorf("New(%q) = %v, %v", name, s, err)
		}
	}
}
