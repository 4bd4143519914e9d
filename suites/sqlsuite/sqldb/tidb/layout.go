package tidb

import "path"

// Dir is where TiDB lives on a node: binaries in Dir/bin, configurations,
// data under Dir/data, logs, pid files. Teardown removes everything but
// the binaries (as the Jepsen suite keeps bin/, db.clj teardown!).
const (
	Dir     = "/opt/tidb"
	BinDir  = Dir + "/bin"
	DataDir = Dir + "/data"
)

// Ports, the defaults of every component (and the Jepsen suite's, db.clj).
const (
	PDClientPort = 2379  // PD --client-urls (pd-configuration-flags)
	PDPeerPort   = 2380  // PD --peer-urls
	KVPort       = 20160 // TiKV --addr (tikv-configuration-flags)
	KVStatusPort = 20180 // TiKV --status-addr
	SQLPort      = 4000  // TiDB -P (command-line-flags-for-tidb-configuration)
	DBStatusPort = 10080 // TiDB --status
)

// Component is one of TiDB's three servers.
type Component string

// The components, in the order Setup starts them.
const (
	PD Component = "pd"
	KV Component = "kv"
	DB Component = "db"
)

// Components lists PD, TiKV and TiDB in start order.
func Components() []Component { return []Component{PD, KV, DB} }

// String names the component as TiDB's documentation does.
func (c Component) String() string {
	switch c {
	case PD:
		return "PD"
	case KV:
		return "TiKV"
	}
	return "TiDB"
}

// Bin is the server's program name, as the release tarballs hold it.
func (c Component) Bin() string {
	switch c {
	case PD:
		return "pd-server"
	case KV:
		return "tikv-server"
	}
	return "tidb-server"
}

// BinPath is where Setup puts the server's program.
func (c Component) BinPath() string { return path.Join(BinDir, c.Bin()) }

// ConfigFile is the server's TOML configuration.
func (c Component) ConfigFile() string { return path.Join(Dir, string(c)+".toml") }

// LogFile is the server's own log (its --log-file).
func (c Component) LogFile() string { return path.Join(Dir, string(c)+".log") }

// StdoutFile collects what the server prints outside its log (panics,
// startup failures before the log is open).
func (c Component) StdoutFile() string { return path.Join(Dir, string(c)+".stdout") }

// PidFile holds the server's pid; the server leads its own process group.
func (c Component) PidFile() string { return path.Join(Dir, string(c)+".pid") }

// DataDir is the server's data (TiDB keeps none: its state is in TiKV).
func (c Component) DataDir() string { return path.Join(DataDir, string(c)) }

// SlowLogFile is TiDB's slow-query log (tidb-configuration-file, log.slow-query-file).
const SlowLogFile = Dir + "/db-slow.log"

// logFiles lists every file LogFiles offers, per component.
func logFiles() []string {
	var out []string
	for _, c := range Components() {
		out = append(out, c.LogFile(), c.StdoutFile())
	}
	return append(out, SlowLogFile)
}
