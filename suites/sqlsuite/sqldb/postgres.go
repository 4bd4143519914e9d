package sqldb

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/faultline/faultline/control/node"
	"github.com/faultline/faultline/db"
)

// PostgreSQL's files, port and user on a node.
const (
	pgPort   = 5432
	pgUser   = "postgres"
	pgLog    = LogDir + "/postgres.log"
	pgBinDir = "/usr/lib/postgresql" // one directory per major version
)

// postgresServer is PostgreSQL on the first node, serving every client.
type postgresServer struct {
	placement

	binMu sync.Mutex
	bin   string // the newest installed version's bin directory

	// extraArgs are added to postgres's command line: tests break the
	// server through them.
	extraArgs []string
}

func newPostgres() *postgresServer { return &postgresServer{} }

// Name is "postgres".
func (p *postgresServer) Name() string { return "postgres" }

// Protocol is "postgres".
func (p *postgresServer) Protocol() string { return "postgres" }

// Endpoint is the first node's server, whatever node asks.
func (p *postgresServer) Endpoint(string) Endpoint {
	return Endpoint{Host: p.book.Host(p.firstNode()), Port: pgPort, User: ClientUser, Password: ClientPassword, Database: ClientDatabase}
}

// binary is the path of one of PostgreSQL's programs.
func (p *postgresServer) binary(name string) string {
	p.binMu.Lock()
	defer p.binMu.Unlock()
	return p.bin + "/" + name
}

// asPostgres runs argv as the postgres OS user (PostgreSQL refuses root):
// setpriv executes the program in place, so a pid file holds its own pid.
func asPostgres(argv ...string) []string {
	return append([]string{"setpriv", "--reuid=" + pgUser, "--regid=" + pgUser, "--init-groups", "--"}, argv...)
}

// Setup learns the nodes' addresses; on the first node it creates a cluster
// with initdb, opens it to password logins (scram-sha-256) from any IPv4
// address, starts postgres, creates the clients' database and login and
// records the server's settings.
func (p *postgresServer) Setup(ctx context.Context, n db.Node) error {
	if err := p.learn(ctx, n, p.Name()); err != nil {
		return err
	}
	if !isFirst(n) {
		return nil
	}
	if err := p.prepare(ctx, n); err != nil {
		return err
	}
	if err := p.start(ctx, n); err != nil {
		return err
	}
	sql := fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s'", ClientUser, ClientPassword)
	if _, err := p.query(ctx, n, "postgres", sql); err != nil {
		return fmt.Errorf("on %s: creating the clients' login: %w", n.Name, err)
	}
	if _, err := p.query(ctx, n, "postgres", fmt.Sprintf("CREATE DATABASE %s OWNER %s", ClientDatabase, ClientUser)); err != nil {
		return fmt.Errorf("on %s: creating the clients' database: %w", n.Name, err)
	}
	return p.record(ctx, n)
}

// prepare finds the installed PostgreSQL, wipes what an earlier run left,
// and runs initdb into a fresh data directory with this test's settings.
func (p *postgresServer) prepare(ctx context.Context, n db.Node) error {
	bin, err := node.Shell(ctx, n.Conn, `ls -d "$1"/*/bin/postgres 2>/dev/null | sort -V | tail -n 1`, pgBinDir)
	if err != nil {
		return fmt.Errorf("on %s: looking for PostgreSQL: %w", n.Name, err)
	}
	if bin == "" {
		return fmt.Errorf("on %s: no %s/*/bin/postgres: install Debian's postgresql (scripts/setup.sh does)", n.Name, pgBinDir)
	}
	p.binMu.Lock()
	p.bin = strings.TrimSuffix(bin, "/postgres")
	p.binMu.Unlock()
	if err := wipe(ctx, n); err != nil {
		return err
	}
	addr, ok := p.book.Lookup(n.Name)
	if !ok {
		return fmt.Errorf("on %s: no address known for %s", n.Name, n.Name)
	}
	initdb := append([]string{p.binary("initdb")}, "-D", dataDir, "-U", pgUser, "-E", "UTF8", "--locale=C.UTF-8", "--auth-local=peer", "--auth-host=scram-sha-256")
	_, err = node.Shell(ctx, n.Conn, `mkdir -p "$1" "$2" "$3" && chown "$4:$4" "$1" "$2" && chmod 700 "$1" && cd / && shift 4 && "$@" >> `+LogDir+`/postgres.log 2>&1`,
		append([]string{dataDir, runDir, LogDir, pgUser}, asPostgres(initdb...)...)...)
	if err != nil {
		return startFailure(ctx, n, "initdb", pgLog, err)
	}
	conf := strings.Join([]string{
		"",
		"# Faultline's settings",
		"listen_addresses = '" + addr.String() + "'",
		"port = " + strconv.Itoa(pgPort),
		"unix_socket_directories = '" + runDir + "'",
		"max_connections = 300",
		"shared_buffers = 64MB",
		"fsync = on",
		"synchronous_commit = on",
		"logging_collector = off",
		"log_line_prefix = '%m [%p] %q%u@%d '",
	}, "\n") + "\n"
	hba := "# Faultline: postgres by peer on the socket, everyone else by password\n" +
		"local all " + pgUser + " peer\n" +
		"host all all 0.0.0.0/0 scram-sha-256\n"
	_, err = node.Shell(ctx, n.Conn, `printf '%s' "$2" >> "$1/postgresql.conf" && printf '%s' "$3" > "$1/pg_hba.conf" && chown "$4:$4" "$1/pg_hba.conf"`,
		dataDir, conf, hba, pgUser)
	if err != nil {
		return fmt.Errorf("on %s: configuring PostgreSQL: %w", n.Name, err)
	}
	return nil
}

// start launches postgres and waits until it answers on its socket.
func (p *postgresServer) start(ctx context.Context, n db.Node) error {
	argv := asPostgres(append([]string{p.binary("postgres"), "-D", dataDir}, p.extraArgs...)...)
	d := node.Daemon{Bin: argv[0], Args: argv[1:], PidFile: pidFile, LogFile: pgLog, Dir: "/"}
	if _, err := launch(ctx, n, "postgres", d); err != nil {
		return err
	}
	return waitReady(ctx, n, "postgres", pgLog, readyTimeout, func(ctx context.Context) error {
		_, err := p.query(ctx, n, "postgres", "SELECT 1")
		return err
	})
}

// query runs SQL in database dbname as the postgres user through the
// socket, returning unaligned rows ("|" between columns).
func (p *postgresServer) query(ctx context.Context, n db.Node, dbname, sql string) (string, error) {
	return node.Output(ctx, n.Conn, asPostgres(p.binary("psql"), "-h", runDir, "-p", strconv.Itoa(pgPort), "-U", pgUser, "-d", dbname,
		"-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql)...)
}

// record writes the version and the settings that decide isolation and
// durability to SettingsFile.
func (p *postgresServer) record(ctx context.Context, n db.Node) error {
	names := []string{"server_version", "default_transaction_isolation", "fsync", "synchronous_commit"}
	out, err := p.query(ctx, n, "postgres", "SELECT name, setting FROM pg_settings WHERE name IN ('"+strings.Join(names, "', '")+"')")
	if err != nil {
		return fmt.Errorf("on %s: reading postgres's settings: %w", n.Name, err)
	}
	got := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		k, v, _ := strings.Cut(line, "|")
		got[k] = v
	}
	settings := make([]setting, len(names))
	for i, k := range names {
		settings[i] = setting{k, got[k]}
	}
	return record(ctx, n, "postgres", settings)
}

// Start restarts postgres on the serving node after Kill (crash recovery
// replays the WAL) and waits until it answers.
func (p *postgresServer) Start(ctx context.Context, n db.Node) error {
	if !isFirst(n) {
		return nil
	}
	return p.start(ctx, n)
}

// Kill kills postgres and all its backends with SIGKILL.
func (p *postgresServer) Kill(ctx context.Context, n db.Node) error { return killGroup(ctx, n) }

// Pause stops postgres and its backends with SIGSTOP.
func (p *postgresServer) Pause(ctx context.Context, n db.Node) error {
	return signalGroup(ctx, n, "STOP")
}

// Resume continues them with SIGCONT.
func (p *postgresServer) Resume(ctx context.Context, n db.Node) error {
	return signalGroup(ctx, n, "CONT")
}

// Teardown kills postgres and removes its data and logs; it succeeds where
// Setup never ran.
func (p *postgresServer) Teardown(ctx context.Context, n db.Node) error { return wipe(ctx, n) }

// LogFiles are the server's log and its settings record, on the serving node.
func (p *postgresServer) LogFiles(_ context.Context, n db.Node) ([]string, error) {
	if !isFirst(n) {
		return nil, nil
	}
	return []string{pgLog, SettingsFile}, nil
}

// Primaries is the first node, the one server.
func (p *postgresServer) Primaries(context.Context, []db.Node) ([]string, error) {
	if first := p.firstNode(); first != "" {
		return []string{first}, nil
	}
	return nil, nil
}
