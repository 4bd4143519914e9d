// Package sqldb deploys the SQL suite's databases on the test's nodes from the
// Debian packages installed there: MariaDB (one node serves every client), a
// MariaDB Galera cluster over every node, and PostgreSQL (one node). Each is a
// Server: a db.DB that also kills, pauses and lists its logs, plus where its
// clients connect.
//
// Everything a server writes on a node is under BaseDir (data, sockets, pid
// file, configuration) and LogDir (its log and SettingsFile, the server's
// version and the settings that decide its isolation, collected into the run
// folder). The local cluster's nodes have private /var/lib and /var/log, so
// nodes never share these; Teardown removes both and kills what is left.
//
// Processes are started by Faultline, never by systemd, in a session of their
// own (setsid), so Kill and Pause signal the whole process group: a
// PostgreSQL backend or a Galera state-transfer helper is stopped with its
// server, not left serving.
//
// Galera's nodes are set up with a barrier between the steps: every node
// prepared, the first bootstrapped (--wsrep-new-cluster), then the others
// joining one at a time, each by a state transfer (SST). A killed node
// restarts as a joiner. After Kill stopped every node, the cluster comes back
// by Galera's own pc.recovery, or else by the first node bootstrapping anew
// (startGalera says when and what that may lose).
//
// The isolation settings are left at each version's defaults (MariaDB 10.11:
// REPEATABLE-READ with innodb_snapshot_isolation OFF; PostgreSQL: read
// committed); the suite sets the level per transaction, and SettingsFile
// records what the server had.
package sqldb

import (
	"fmt"
	"slices"
	"strings"

	"github.com/faultline/faultline/db"
)

// Server is a SQL database deployed on the test's nodes.
type Server interface {
	db.DB
	db.Killer
	db.Pauser
	db.LogFiler
	// Name is the --db name: "mariadb", "galera", "postgres".
	Name() string
	// Protocol is "mysql" or "postgres": which driver and dialect clients use.
	Protocol() string
	// Endpoint is where a client worker bound to node connects (for one-node
	// databases: the serving node, whatever node the worker is bound to). Valid
	// once Setup has run on every node.
	Endpoint(node string) Endpoint
}

// Endpoint is one server address and the login the suite created for its clients.
type Endpoint struct {
	Host     string // an IPv4 address the control machine reaches
	Port     int
	User     string
	Password string
	Database string
}

// Options are the deployment settings the suite's flags give.
type Options struct {
	// Galera: wsrep_sync_wait (0..15) and the state-transfer method (rsync, mariabackup).
	SyncWait  int
	SSTMethod string
}

// The login every server creates for the suite's clients. The password is no
// secret: the databases live only as long as a test, on the test's nodes.
const (
	ClientUser     = "faultline"
	ClientPassword = "faultline-sql"
	ClientDatabase = "faultline"
)

// Where a server lives on a node.
const (
	// BaseDir holds the server's data directory, configuration, sockets and
	// pid file.
	BaseDir = "/var/lib/faultline-sql"
	// LogDir holds the server's log and SettingsFile.
	LogDir = "/var/log/faultline-sql"
	// SettingsFile records the server's version and the settings that decide
	// its isolation, one "name: value" per line, written by Setup.
	SettingsFile = LogDir + "/server.txt"

	dataDir = BaseDir + "/data"
	runDir  = BaseDir + "/run" // sockets and the server's own pid file
	pidFile = BaseDir + "/daemon.pid"
)

// sstMethods are the Galera state-transfer methods Options.SSTMethod takes.
var sstMethods = []string{"rsync", "mariabackup"}

// Names lists the databases: mariadb, galera, postgres.
func Names() []string { return []string{"mariadb", "galera", "postgres"} }

// Every server also says which nodes are primaries, for the faults'
// "primaries" targets: the one server's node, or Galera's members of the
// primary component.
var (
	_ db.Primarier = (*mysqlServer)(nil)
	_ db.Primarier = (*postgresServer)(nil)
)

// New returns the named database, or an error listing Names().
func New(name string, o Options) (Server, error) {
	if o.SyncWait < 0 || o.SyncWait > 15 {
		return nil, fmt.Errorf("wsrep_sync_wait must be 0..15 (a bitmask of read, update/delete, insert/replace, show), not %d", o.SyncWait)
	}
	if o.SSTMethod == "" {
		o.SSTMethod = "rsync"
	}
	if !slices.Contains(sstMethods, o.SSTMethod) {
		return nil, fmt.Errorf("unknown Galera state-transfer method %q: valid methods are %s", o.SSTMethod, strings.Join(sstMethods, ", "))
	}
	switch name {
	case "mariadb":
		return newMySQL(false, o), nil
	case "galera":
		return newMySQL(true, o), nil
	case "postgres":
		return newPostgres(), nil
	}
	return nil, fmt.Errorf("unknown database %q: valid databases are %s", name, strings.Join(Names(), ", "))
}
