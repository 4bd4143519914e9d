package tidb

import (
	"fmt"
	"strconv"
	"strings"
)

// Where the documentation of the pinned release is; each key below cites
// the page (under docsBase) or the Jepsen suite file that gives it.
const docsBase = "https://docs.pingcap.com/tidb/v7.5/"

// cluster is what every node's configuration and command line needs to know
// about the others: the nodes in test order and the address each is
// reached at.
type cluster struct {
	nodes []string
	host  func(node string) string
}

// pdName is node's PD member name: pd1, pd2, ... in test order, as the
// Jepsen suite names them (db.clj tidb-map).
func (c cluster) pdName(node string) string {
	for i, n := range c.nodes {
		if n == node {
			return "pd" + strconv.Itoa(i+1)
		}
	}
	return "pd-" + node
}

func (c cluster) url(node string, port int) string {
	return "http://" + c.host(node) + ":" + strconv.Itoa(port)
}

// initialCluster is PD's --initial-cluster: every PD member, name=peer-url
// (pd-configuration-file#initial-cluster; db.clj initial-cluster).
func (c cluster) initialCluster() string {
	parts := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		parts[i] = c.pdName(n) + "=" + c.url(n, PDPeerPort)
	}
	return strings.Join(parts, ",")
}

// pdEndpoints is every PD's client address, host:port, comma-separated:
// TiKV's --pd and TiDB's --path (db.clj pd-endpoints).
func (c cluster) pdEndpoints() string {
	parts := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		parts[i] = c.host(n) + ":" + strconv.Itoa(PDClientPort)
	}
	return strings.Join(parts, ",")
}

// args is the command line of component c on node (after the program).
func (c cluster) args(comp Component, node string) []string {
	switch comp {
	case PD:
		// pd-configuration-flags: --name, --data-dir, --client-urls,
		// --peer-urls, --advertise-client-urls, --advertise-peer-urls,
		// --initial-cluster, --log-file, --config (db.clj start-pd!).
		return []string{
			"--name=" + c.pdName(node),
			"--data-dir=" + PD.DataDir(),
			"--client-urls=http://0.0.0.0:" + strconv.Itoa(PDClientPort),
			"--peer-urls=http://0.0.0.0:" + strconv.Itoa(PDPeerPort),
			"--advertise-client-urls=" + c.url(node, PDClientPort),
			"--advertise-peer-urls=" + c.url(node, PDPeerPort),
			"--initial-cluster=" + c.initialCluster(),
			"--log-file=" + PD.LogFile(),
			"--config=" + PD.ConfigFile(),
		}
	case KV:
		// tikv-configuration-flags: --pd, --addr, --advertise-addr,
		// --status-addr, --data-dir, --log-file, --config (db.clj start-kv!).
		return []string{
			"--pd=" + c.pdEndpoints(),
			"--addr=0.0.0.0:" + strconv.Itoa(KVPort),
			"--advertise-addr=" + c.host(node) + ":" + strconv.Itoa(KVPort),
			"--status-addr=0.0.0.0:" + strconv.Itoa(KVStatusPort),
			"--advertise-status-addr=" + c.host(node) + ":" + strconv.Itoa(KVStatusPort),
			"--data-dir=" + KV.DataDir(),
			"--log-file=" + KV.LogFile(),
			"--config=" + KV.ConfigFile(),
		}
	}
	// command-line-flags-for-tidb-configuration: --store, --path, -P,
	// --status, --advertise-address, --log-file, --log-slow-query, --config
	// (db.clj start-db!).
	return []string{
		"--store=tikv",
		"--path=" + c.pdEndpoints(),
		"-P", strconv.Itoa(SQLPort),
		"--status=" + strconv.Itoa(DBStatusPort),
		"--advertise-address=" + c.host(node),
		"--log-file=" + DB.LogFile(),
		"--log-slow-query=" + SlowLogFile,
		"--config=" + DB.ConfigFile(),
	}
}

// configFile is the TOML configuration of comp. The values make faults
// bite often, as the Jepsen suite's resources do: short Raft ticks and
// elections (a leader lost is replaced within a second), small regions
// (tens of keys), merges checked every few seconds.
func configFile(comp Component, replicas int) string {
	switch comp {
	case PD:
		// pd-configuration-file and tidb/resources/pd.conf.
		return fmt.Sprintf(`# PD configuration written by Faultline (docs: %spd-configuration-file)
# Short ticks and elections, as the Jepsen suite's pd.conf.
tick-interval = "50ms"
election-interval = "300ms"
# PD leader lease in seconds (pd-configuration-file#lease; pd.conf: 1).
lease = 1
tso-save-interval = "1s"

[log]
level = "info"

[schedule]
# Regions merge soon after a split (pd.conf: 5s; default 1h).
split-merge-interval = "5s"
max-snapshot-count = 3
max-pending-peer-count = 64
# A killed TiKV is never declared gone: no replica is rebuilt elsewhere.
max-store-down-time = "100h"
leader-schedule-limit = 8
region-schedule-limit = 8
replica-schedule-limit = 16
merge-schedule-limit = 16
tolerant-size-ratio = 5.0

[replication]
# Replicas per region (pd-configuration-file#max-replicas).
max-replicas = %d
`, docsBase, replicas)
	case KV:
		// tikv-configuration-file and tidb/resources/tikv.conf.
		return fmt.Sprintf(`# TiKV configuration written by Faultline (docs: %stikv-configuration-file)

[raftstore]
# Raft ticks of 100ms, heartbeats every 3 ticks, elections after 10
# (tikv.conf); the leader lease stays below the election timeout.
raft-base-tick-interval = "100ms"
raft-heartbeat-ticks = 3
raft-election-timeout-ticks = 10
raft-store-max-leader-lease = "50ms"
pd-heartbeat-tick-interval = "5s"

[coprocessor]
# Tiny regions, so that splits happen all the time (tikv.conf).
region-max-keys = 500
region-split-keys = 400

[storage]
# No space is held back: test nodes have small disks (storage.reserve-space).
reserve-space = "0MB"

[storage.block-cache]
# Five TiKVs may share one machine (storage.block-cache.capacity).
capacity = "256MB"
`, docsBase)
	}
	// tidb-configuration-file and tidb/resources/tidb.conf.
	return fmt.Sprintf(`# TiDB configuration written by Faultline (docs: %stidb-configuration-file)
# Schema lease (tidb-configuration-file#lease; tidb.conf: 100ms, default 45s).
lease = "100ms"
# One region per table (split-table; tidb.conf).
split-table = true

[log]
slow-query-file = %q

[tikv-client]
# Longest a commit may take (tikv-client.commit-timeout; tidb.conf: 41s).
commit-timeout = "41s"
`, docsBase, SlowLogFile)
}
