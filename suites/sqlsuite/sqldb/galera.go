package sqldb

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/faultline/faultline/control/node"
	"github.com/faultline/faultline/db"
)

// galeraProvider is Debian's galera-4 library.
const galeraProvider = "/usr/lib/galera/libgalera_smm.so"

// sstTool is the program a state-transfer method needs besides its script.
func sstTool(method string) string {
	if method == "mariabackup" {
		return "/usr/bin/mariabackup"
	}
	return "/usr/bin/rsync"
}

// galeraConfig is the [mariadbd] part that makes a node a Galera member:
// every node's address in gcomm://, row-based replication and interleaved
// auto-increment locks (both required by Galera), and the Options.
func (s *mysqlServer) galeraConfig(n db.Node) ([]string, error) {
	peers := make([]string, len(n.Nodes))
	for i, o := range n.Nodes {
		a, ok := s.book.Lookup(o)
		if !ok {
			return nil, fmt.Errorf("on %s: no address known for %s", n.Name, o)
		}
		peers[i] = a.String()
	}
	return []string{
		"wsrep_on = ON",
		"wsrep_provider = " + galeraProvider,
		"wsrep_provider_options = \"gcache.size=64M\"",
		"wsrep_cluster_name = faultline",
		"wsrep_cluster_address = gcomm://" + strings.Join(peers, ","),
		"wsrep_node_name = " + n.Name,
		"wsrep_node_address = " + s.book.Host(n.Name),
		"wsrep_sst_method = " + s.opts.SSTMethod,
		"wsrep_sync_wait = " + strconv.Itoa(s.opts.SyncWait),
		"binlog_format = ROW",
		"default_storage_engine = InnoDB",
		"innodb_autoinc_lock_mode = 2",
	}, nil
}

// setupGalera prepares every node, bootstraps the cluster on the first
// (--wsrep-new-cluster) and creates the clients' login there, then lets the
// others join one at a time (each a state transfer from a member), with a
// barrier between the steps; each node then records its settings.
func (s *mysqlServer) setupGalera(ctx context.Context, n db.Node) error {
	if err := s.prepare(ctx, n); err != nil {
		return err
	}
	if err := n.Sync(ctx); err != nil {
		return err
	}
	if n.Name == n.Nodes[0] {
		if err := s.start(ctx, n, []string{"--wsrep-new-cluster"}, readyTimeout); err != nil {
			return err
		}
		if err := s.waitSynced(ctx, n); err != nil {
			return err
		}
		if err := s.createLogin(ctx, n); err != nil {
			return err
		}
	}
	if err := n.Sync(ctx); err != nil {
		return err
	}
	for _, joiner := range n.Nodes[1:] {
		if n.Name == joiner {
			if err := s.start(ctx, n, nil, joinTimeout); err != nil {
				return err
			}
			if err := s.waitSynced(ctx, n); err != nil {
				return err
			}
		}
		if err := n.Sync(ctx); err != nil {
			return err
		}
	}
	return s.record(ctx, n)
}

// waitSynced waits until n's node is a synced member of a primary component.
func (s *mysqlServer) waitSynced(ctx context.Context, n db.Node) error {
	return waitReady(ctx, n, "galera", mysqlLog, joinTimeout, func(ctx context.Context) error {
		out, err := s.query(ctx, n, "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_status', 'wsrep_local_state_comment')")
		if err != nil {
			return err
		}
		if !strings.Contains(out, "wsrep_cluster_status\tPrimary") || !strings.Contains(out, "wsrep_local_state_comment\tSynced") {
			return fmt.Errorf("not a synced member of the primary component: %s", strings.ReplaceAll(out, "\n", ", "))
		}
		return nil
	})
}

// startGalera restarts a killed node. It joins the members that still run
// (no --wsrep-new-cluster: that would make a second cluster). When Kill
// stopped every node, the first restarted node bootstraps the cluster
// anew... (see below)
func (s *mysqlServer) startGalera(ctx context.Context, n db.Node) error {
	if running, err := node.Running(ctx, n.Conn, pidFile); err != nil {
		return fmt.Errorf("on %s: %w", n.Name, err)
	} else if running {
		return nil
	}
	if err := s.start(ctx, n, nil, joinTimeout); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.down, n.Name)
	s.mu.Unlock()
	return nil
}
