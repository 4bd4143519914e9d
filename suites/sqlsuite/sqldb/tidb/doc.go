// Package tidb deploys TiDB (PD, TiKV and TiDB servers) on the test's nodes
// for the SQL suite (`faultline sql test --db tidb`), as the Jepsen TiDB
// suite does (jepsen-io/jepsen, tidb/src/tidb/db.clj): binaries from release
// tarballs under /opt/tidb, one PD, one TiKV and one TiDB on every node, PD
// started on every node before any TiKV and TiKV before any TiDB, a barrier
// between the steps, configurations with short Raft ticks and small regions
// so that leaders move and regions split and merge all the time.
//
// The pinned release is PinnedVersion, an LTS; every flag and configuration
// key is cited next to its use, from that release's documentation
// (docs.pingcap.com/tidb/v7.5) or the Jepsen suite.
//
// Besides the deployment (Server, a sqldb.Server) the package holds what
// only TiDB has: its options (Settings: isolation as TiDB implements it,
// transaction mode, automatic retries, follower reads), the classification
// of its error codes (Classify), the start and commit timestamps of each
// transaction (Settings.Hooks, through sqlclient.Hooks), and its faults (kill, pause of one
// component; PD's scheduler faults; partitions isolating the PD leader
// through Primaries).
//
// None of this has run against a real TiDB here: TiDB's binaries cannot be
// fetched on the machine it was written on. The tests drive the deployment
// through a recording remote and HTTP servers that answer like PD's, TiKV's
// and TiDB's status APIs; README.md ("TiDB") says what is unverified.
package tidb
