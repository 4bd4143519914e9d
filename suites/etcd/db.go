package etcd

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/faultline/faultline/control/node"
	"github.com/faultline/faultline/db"
)

// Where etcd lives on a node. The local cluster's nodes have private
// /var/lib, /var/log and /opt, so these never collide between nodes.
const (
	// InstallDir receives an official release tarball's contents.
	InstallDir = "/opt/etcd"
	// DefaultBinary is Debian's etcd-server binary, used when no release
	// is installed.
	DefaultBinary = "/usr/bin/etcd"
	// DataDir holds etcd's data, the pid file, and nothing else.
	DataDir = "/var/lib/etcd-faultline"
	// LogFile receives etcd's output.
	LogFile = "/var/log/etcd-faultline/etcd.log"
	pidFile = DataDir + "/etcd.pid"
)

// ReleaseURL is the official release tarball of an etcd version on GitHub.
func ReleaseURL(version string) string {
	v := "v" + strings.TrimPrefix(version, "v")
	return "https://github.com/etcd-io/etcd/releases/download/" + v + "/etcd-" + v + "-linux-amd64.tar.gz"
}

// DB runs an etcd cluster on the test's nodes. It implements db.Killer,
// db.Pauser, db.Primarier and db.LogFiler, so the kill, pause and
// primaries faults can act on it.
type DB struct {
	// TarballURL, when set, is the release tarball installed into
	// InstallDir on every node (an http(s) URL the node fetches, or a file
	// on the control machine). Version alone means its ReleaseURL.
	TarballURL string
	Version    string
	// Book is filled with the nodes' addresses during Setup; the test's
	// client must share it.
	Book *AddrBook
	// HealthTimeout bounds how long Setup waits for the cluster to serve
	// a linearizable read (default 60 s).
	HealthTimeout time.Duration
	// PreVote turns on Raft's pre-vote phase (--pre-vote; the default from
	// etcd 3.5, off in 3.4): a node cut off from the majority no longer
	// raises its term in vain, so when the partition heals it does not
	// depose the leader, and the cluster serves again within a heartbeat
	// instead of after a fresh election (seconds of "no leader").
	PreVote bool
}

var (
	_ db.DB        = (*DB)(nil)
	_ db.Killer    = (*DB)(nil)
	_ db.Pauser    = (*DB)(nil)
	_ db.Primarier = (*DB)(nil)
	_ db.LogFiler  = (*DB)(nil)
)

func (d *DB) tarball() string {
	if d.TarballURL != "" {
		return d.TarballURL
	}
	if d.Version != "" {
		return ReleaseURL(d.Version)
	}
	return ""
}

func (d *DB) binary() string {
	if d.tarball() != "" {
		return path.Join(InstallDir, "etcd")
	}
	return DefaultBinary
}

// Setup installs etcd if asked to, learns every node's address, starts
// etcd on every node at once and waits until the cluster serves a
// linearizable read through this node.
func (d *DB) Setup(ctx context.Context, n db.Node) error {
	if url := d.tarball(); url != "" {
		if err := node.InstallArchive(ctx, n.Conn, url, InstallDir); err != nil {
			return fmt.Errorf("on %s: installing etcd from %s: %w", n.Name, url, err)
		}
	}
	if ok, err := node.Exists(ctx, n.Conn, d.binary()); err != nil {
		return fmt.Errorf("on %s: %w", n.Name, err)
	} else if !ok {
		return fmt.Errorf("on %s: %s not found: install Debian's etcd-server (scripts/setup.sh does) or pass --version/--tarball-url to install a release", n.Name, d.binary())
	}
	if err := d.Book.resolve(ctx, n); err != nil {
		return err
	}
	if err := n.Sync(ctx); err != nil {
		return err
	}
	if err := d.Start(ctx, n); err != nil {
		return err
	}
	if err := n.Sync(ctx); err != nil {
		return err
	}
	timeout := d.HealthTimeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	return waitHealthy(ctx, d.Book, n.Name, timeout)
}

// daemon is how etcd is started on node n: a fresh cluster of every test
// node (the initial-cluster flags are ignored on restart, when the data
// directory already holds the member).
func (d *DB) daemon(n db.Node) node.Daemon {
	peers := make([]string, len(n.Nodes))
	for i, o := range n.Nodes {
		peers[i] = o + "=" + d.Book.peerURL(o)
	}
	host := d.Book.Host(n.Name)
	return node.Daemon{
		Bin: d.binary(),
		Args: []string{
			"--name", n.Name,
			"--data-dir", path.Join(DataDir, "data"),
			"--listen-client-urls", fmt.Sprintf("http://0.0.0.0:%d", ClientPort),
			"--advertise-client-urls", fmt.Sprintf("http://%s:%d", host, ClientPort),
			"--listen-peer-urls", fmt.Sprintf("http://0.0.0.0:%d", PeerPort),
			"--initial-advertise-peer-urls", d.Book.peerURL(n.Name),
			"--initial-cluster", strings.Join(peers, ","),
			"--initial-cluster-state", "new",
			"--initial-cluster-token", "faultline",
			"--logger", "zap", "--log-outputs", "stderr",
			fmt.Sprintf("--pre-vote=%t", d.PreVote),
		},
		PidFile: pidFile,
		LogFile: LogFile,
		Dir:     DataDir,
	}
}

// Start starts etcd on n unless it is running.
func (d *DB) Start(ctx context.Context, n db.Node) error {
	if _, err := node.Start(ctx, n.Conn, d.daemon(n)); err != nil {
		return fmt.Errorf("on %s: %w", n.Name, err)
	}
	return nil
}

// Kill kills etcd on n with SIGKILL (no chance to flush anything).
func (d *DB) Kill(ctx context.Context, n db.Node) error {
	if err := node.KillPidFile(ctx, n.Conn, pidFile); err != nil {
		return fmt.Errorf("on %s: killing etcd: %w", n.Name, err)
	}
	return nil
}

// Pause stops etcd on n with SIGSTOP.
func (d *DB) Pause(ctx context.Context, n db.Node) error {
	return signal(ctx, n, "STOP")
}

// Resume continues a paused etcd with SIGCONT.
func (d *DB) Resume(ctx context.Context, n db.Node) error {
	return signal(ctx, n, "CONT")
}

func signal(ctx context.Context, n db.Node, sig string) error {
	if err := node.SignalPidFile(ctx, n.Conn, pidFile, sig); err != nil {
		return fmt.Errorf("on %s: %w", n.Name, err)
	}
	return nil
}

// Teardown kills etcd (resuming it first, in case it was paused) and
// removes its data and log. It succeeds on a node where etcd never ran.
func (d *DB) Teardown(ctx context.Context, n db.Node) error {
	errs := []error{signal(ctx, n, "CONT"), d.Kill(ctx, n)}
	if _, err := node.Output(ctx, n.Conn, "rm", "-rf", DataDir, path.Dir(LogFile)); err != nil {
		errs = append(errs, fmt.Errorf("on %s: wiping etcd's data: %w", n.Name, err))
	}
	return errors.Join(errs...)
}

// LogFiles is etcd's log.
func (d *DB) LogFiles(context.Context, db.Node) ([]string, error) {
	return []string{LogFile}, nil
}
