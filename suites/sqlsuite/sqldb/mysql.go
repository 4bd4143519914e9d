package sqldb

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/faultline/faultline/control/node"
	"github.com/faultline/faultline/db"
)

// MariaDB's files and port on a node.
const (
	mysqlPort       = 3306
	mysqlConfig     = BaseDir + "/my.cnf"
	mysqlSocket     = runDir + "/mysqld.sock"
	mysqlLog        = LogDir + "/mariadb.log"
	mysqlServerBin  = "/usr/sbin/mariadbd"
	mysqlInstallBin = "/usr/bin/mariadb-install-db"
	mysqlClientBin  = "/usr/bin/mariadb"
)

// mysqlServer is MariaDB: on the first node alone, or (galera) a Galera
// cluster over every node. The two share the server, its files, the login
// and the settings record; galera.go holds what only the cluster does.
type mysqlServer struct {
	placement
	galera bool
	opts   Options

	downMu sync.Mutex
	down   map[string]bool // galera: nodes Kill stopped that Start has not restarted

	// extraArgs are added to mariadbd's command line: tests break the
	// server through them.
	extraArgs []string
}

func newMySQL(galera bool, o Options) *mysqlServer {
	return &mysqlServer{galera: galera, opts: o, down: map[string]bool{}}
}

// Name is "galera" or "mariadb".
func (s *mysqlServer) Name() string {
	if s.galera {
		return "galera"
	}
	return "mariadb"
}

// Protocol is "mysql".
func (s *mysqlServer) Protocol() string { return "mysql" }

// Endpoint is node's own server (galera) or the first node's (mariadb).
func (s *mysqlServer) Endpoint(node string) Endpoint {
	host := node
	if !s.galera {
		host = s.firstNode()
	}
	return Endpoint{Host: s.book.Host(host), Port: mysqlPort, User: ClientUser, Password: ClientPassword, Database: ClientDatabase}
}

// serves reports whether n runs a server.
func (s *mysqlServer) serves(n db.Node) bool {
	return s.galera || isFirst(n)
}

// Setup learns the nodes' addresses, then deploys MariaDB on the first node
// (mariadb) or the Galera cluster (galera, see setupGalera), creates the
// clients' database and login, and records the server's settings.
func (s *mysqlServer) Setup(ctx context.Context, n db.Node) error {
	if err := s.learn(ctx, n, s.Name()); err != nil {
		return err
	}
	s.downMu.Lock()
	clear(s.down)
	s.downMu.Unlock()
	if s.galera {
		return s.setupGalera(ctx, n)
	}
	if !s.serves(n) {
		return nil
	}
	if err := s.prepare(ctx, n); err != nil {
		return err
	}
	if err := s.start(ctx, n, nil, readyTimeout); err != nil {
		return err
	}
	if err := s.createLogin(ctx, n); err != nil {
		return err
	}
	return s.record(ctx, n)
}

// prepare checks the binaries, wipes what an earlier run left, writes the
// configuration and creates a fresh data directory with mariadb-install-db.
func (s *mysqlServer) prepare(ctx context.Context, n db.Node) error {
	bins := []string{mysqlServerBin, mysqlInstallBin, mysqlClientBin}
	if s.galera {
		bins = append(bins, galeraProvider, "/usr/bin/wsrep_sst_"+s.opts.SSTMethod, sstTool(s.opts.SSTMethod))
	}
	for _, b := range bins {
		if ok, err := node.Exists(ctx, n.Conn, b); err != nil {
			return fmt.Errorf("on %s: %w", n.Name, err)
		} else if !ok {
			return fmt.Errorf("on %s: %s not found: install Debian's mariadb-server, mariadb-client, galera-4, rsync and mariadb-backup (scripts/setup.sh does)", n.Name, b)
		}
	}
	if err := wipe(ctx, n); err != nil {
		return err
	}
	cfg, err := s.config(n)
	if err != nil {
		return err
	}
	if err := node.WriteFile(ctx, n.Conn, mysqlConfig, []byte(cfg), 0o644); err != nil {
		return fmt.Errorf("on %s: %w", n.Name, err)
	}
	_, err = node.Shell(ctx, n.Conn, `mkdir -p "$1" "$2" "$(dirname "$4")" && chown mysql:mysql "$1" "$2" &&
"$5" --defaults-file="$3" --user=mysql --skip-test-db --auth-root-authentication-method=socket >> "$4" 2>&1`,
		dataDir, runDir, mysqlConfig, mysqlLog, mysqlInstallBin)
	if err != nil {
		return startFailure(ctx, n, "mariadb-install-db", mysqlLog, err)
	}
	return nil
}

// config is the server's my.cnf: everything MariaDB reads, so the host's
// /etc/mysql plays no part (--defaults-file). Durability is the default's
// (flush the redo log at every commit); the isolation settings are left at
// the version's defaults and recorded by Setup.
func (s *mysqlServer) config(n db.Node) (string, error) {
	addr, ok := s.book.Lookup(n.Name)
	if !ok {
		return "", fmt.Errorf("on %s: no address known for %s", n.Name, n.Name)
	}
	lines := []string{
		"[client]",
		"socket = " + mysqlSocket,
		"",
		"[mariadbd]",
		"user = mysql",
		"datadir = " + dataDir,
		"socket = " + mysqlSocket,
		"pid-file = " + runDir + "/mariadbd.pid",
		"port = " + strconv.Itoa(mysqlPort),
		"bind-address = " + addr.String(),
		"skip-name-resolve",
		"innodb_buffer_pool_size = 64M",
		"innodb_flush_log_at_trx_commit = 1",
		"max_connections = 500",
		"performance_schema = OFF",
	}
	if s.galera {
		gl, err := s.galeraConfig(n)
		if err != nil {
			return "", err
		}
		lines = append(lines, gl...)
	}
	return strings.Join(lines, "\n") + "\n", nil
}

// daemon is how mariadbd runs on a node: as root, dropping to the mysql
// user itself, with extra arguments (--wsrep-new-cluster) when given.
func (s *mysqlServer) daemon(extra []string) node.Daemon {
	return node.Daemon{
		Bin:     mysqlServerBin,
		Args:    append(append([]string{"--defaults-file=" + mysqlConfig}, extra...), s.extraArgs...),
		PidFile: pidFile,
		LogFile: mysqlLog,
		Dir:     BaseDir,
	}
}

// start launches mariadbd and waits until it answers on its socket.
func (s *mysqlServer) start(ctx context.Context, n db.Node, extra []string, timeout time.Duration) error {
	if _, err := launch(ctx, n, s.Name(), s.daemon(extra)); err != nil {
		return err
	}
	return waitReady(ctx, n, s.Name(), mysqlLog, timeout, func(ctx context.Context) error {
		_, err := s.query(ctx, n, "SELECT 1")
		return err
	})
}

// query runs SQL on n's server as root through its socket (root logs in by
// unix_socket), returning the rows tab-separated, without headers.
func (s *mysqlServer) query(ctx context.Context, n db.Node, sql string) (string, error) {
	return node.Output(ctx, n.Conn, mysqlClientBin, "--defaults-file="+mysqlConfig, "--connect-timeout=5", "-N", "-B", "-e", sql)
}

// createLogin creates the clients' database and their login, allowed from
// any address with a password.
func (s *mysqlServer) createLogin(ctx context.Context, n db.Node) error {
	sql := fmt.Sprintf("CREATE DATABASE IF NOT EXISTS `%s`; CREATE USER IF NOT EXISTS '%s'@'%%' IDENTIFIED BY '%s'; GRANT ALL ON `%s`.* TO '%s'@'%%'",
		ClientDatabase, ClientUser, ClientPassword, ClientDatabase, ClientUser)
	if _, err := s.query(ctx, n, sql); err != nil {
		return fmt.Errorf("on %s: creating the clients' database and login: %w", n.Name, err)
	}
	return nil
}

// record writes the version and the settings that decide isolation (and,
// for Galera, replication) to SettingsFile.
func (s *mysqlServer) record(ctx context.Context, n db.Node) error {
	// transaction_isolation is tx_isolation before 11.1; whichever the
	// version lacks is recorded as absent.
	vars := []string{"version", "innodb_snapshot_isolation", "tx_isolation", "transaction_isolation", "innodb_flush_log_at_trx_commit"}
	status := []string{}
	if s.galera {
		vars = append(vars, "wsrep_sync_wait", "wsrep_sst_method", "binlog_format", "innodb_autoinc_lock_mode", "wsrep_provider_options")
		status = append(status, "wsrep_provider_version", "wsrep_cluster_size", "wsrep_cluster_status", "wsrep_local_state_comment")
	}
	sql := "SHOW GLOBAL VARIABLES WHERE Variable_name IN " + inList(vars)
	if len(status) > 0 {
		sql += "; SHOW GLOBAL STATUS WHERE Variable_name IN " + inList(status)
	}
	out, err := s.query(ctx, n, sql)
	if err != nil {
		return fmt.Errorf("on %s: reading %s's settings: %w", n.Name, s.Name(), err)
	}
	got := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		k, v, _ := strings.Cut(line, "\t")
		got[strings.ToLower(k)] = v
	}
	var settings []setting
	for _, k := range append(vars, status...) {
		if k == "wsrep_provider_options" {
			continue // long; kept out of the one-line log, gcache and timeouts only matter in a post-mortem
		}
		settings = append(settings, setting{k, got[k]})
	}
	return record(ctx, n, s.Name(), settings)
}

// inList is ('a', 'b', ...) for names of our own (no quoting needed).
func inList(names []string) string {
	return "('" + strings.Join(names, "', '") + "')"
}

// Start restarts MariaDB on n after Kill (galera: see startGalera) and waits
// until it answers on its socket.
func (s *mysqlServer) Start(ctx context.Context, n db.Node) error {
	if s.galera {
		return s.startGalera(ctx, n)
	}
	if !s.serves(n) {
		return nil
	}
	return s.start(ctx, n, nil, readyTimeout)
}

// Kill kills the server's processes on n with SIGKILL (nothing where no
// server runs: mariadb's other nodes).
func (s *mysqlServer) Kill(ctx context.Context, n db.Node) error {
	if !s.serves(n) {
		return nil
	}
	if s.galera {
		s.downMu.Lock()
		s.down[n.Name] = true
		s.downMu.Unlock()
	}
	return killGroup(ctx, n)
}

// Pause stops the server's processes on n with SIGSTOP.
func (s *mysqlServer) Pause(ctx context.Context, n db.Node) error {
	return signalGroup(ctx, n, "STOP")
}

// Resume continues them with SIGCONT.
func (s *mysqlServer) Resume(ctx context.Context, n db.Node) error {
	return signalGroup(ctx, n, "CONT")
}

// Teardown kills the server and removes its data, configuration and logs;
// it succeeds where Setup never ran.
func (s *mysqlServer) Teardown(ctx context.Context, n db.Node) error {
	return wipe(ctx, n)
}

// LogFiles are the server's log and its settings record, on the nodes that
// serve.
func (s *mysqlServer) LogFiles(_ context.Context, n db.Node) ([]string, error) {
	if !s.serves(n) {
		return nil, nil
	}
	return []string{mysqlLog, SettingsFile}, nil
}

// Primaries is the first node for mariadb (the one server); for galera,
// every node whose server says it is in the primary component (each of them
// takes writes), asked at once with a short timeout each: a node that does
// not answer (killed, paused, cut off) is left out.
func (s *mysqlServer) Primaries(ctx context.Context, nodes []db.Node) ([]string, error) {
	if !s.galera {
		if first := s.firstNode(); first != "" {
			return []string{first}, nil
		}
		return nil, nil
	}
	var (
		mu  sync.Mutex
		out []string
		wg  sync.WaitGroup
	)
	for _, n := range nodes {
		wg.Go(func() {
			qctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			defer cancel()
			got, err := s.query(qctx, n, "SHOW GLOBAL STATUS LIKE 'wsrep_cluster_status'")
			if err == nil && strings.HasSuffix(got, "\tPrimary") {
				mu.Lock()
				out = append(out, n.Name)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(out)
	return out, nil
}
