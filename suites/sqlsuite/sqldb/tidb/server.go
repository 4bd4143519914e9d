package tidb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/faultline/faultline/control/node"
	"github.com/faultline/faultline/control/nodeaddr"
	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/suites/sqlsuite/sqldb"
)

// Options are the deployment's settings (the suite's --version,
// --tarball-url and the waits).
type Options struct {
	// Version is the release to install (default PinnedVersion); with
	// TarballURL it only says which options the servers have.
	Version string
	// TarballURL, when set, replaces the mirror's tarballs: one URL or
	// local file, or a comma-separated list of them (the single bundle,
	// or the pd, tikv and tidb tarballs).
	TarballURL string
	// Replicas per region (default: 3, or fewer nodes when there are).
	Replicas int
	// StartTimeout bounds each component's wait on each node (default
	// 3 minutes: the Jepsen suite gives each 300 s, db.clj restart-loop).
	StartTimeout time.Duration
}

// Server is TiDB on every node of the test: a sqldb.Server, whose Kill,
// Start, Pause and Resume act on all three components of a node, and
// whose Primaries is PD's leader (so a partition of primaries isolates
// it). KillComponent and the others act on one.
type Server struct {
	opts    Options
	version version
	book    nodeaddr.Book
	api     *statusAPI
	admin   sqlAdmin

	mu    sync.Mutex
	nodes []string
}

var (
	_ sqldb.Server = (*Server)(nil)
	_ db.Primarier = (*Server)(nil)
)

// New checks o and returns the deployment.
func New(o Options) (*Server, error) {
	if o.Version == "" {
		o.Version = PinnedVersion
	}
	v, err := parseVersion(o.Version)
	if err != nil {
		return nil, err
	}
	if o.Replicas < 0 {
		return nil, fmt.Errorf("replicas must be positive, not %d", o.Replicas)
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 3 * time.Minute
	}
	s := &Server{opts: o, version: v, admin: mysqlAdmin{}}
	s.api = newStatusAPI(func(n string, port int) string { return "http://" + s.book.Host(n) + ":" + strconv.Itoa(port) })
	return s, nil
}

// Name is "tidb".
func (s *Server) Name() string { return "tidb" }

// Protocol is "mysql": TiDB speaks MySQL's protocol.
func (s *Server) Protocol() string { return "mysql" }

// Version is the release the options and the tarballs are for.
func (s *Server) Version() string { return s.version.String() }

// Endpoint is node's own TiDB server.
func (s *Server) Endpoint(n string) sqldb.Endpoint {
	return sqldb.Endpoint{Host: s.book.Host(n), Port: SQLPort, User: sqldb.ClientUser, Password: sqldb.ClientPassword, Database: sqldb.ClientDatabase}
}

// cluster is the view of the test's nodes configurations are built from.
func (s *Server) cluster(nodes []string) cluster {
	return cluster{nodes: nodes, host: s.book.Host}
}

// replicas is the number of replicas per region on nodes.
func (s *Server) replicas(nodes int) int {
	r := s.opts.Replicas
	if r == 0 {
		r = 3
	}
	return min(r, nodes)
}

// Setup deploys TiDB on n, in lockstep with every other node (db.Node.Sync
// between steps, as the Jepsen suite's synchronize, db.clj start!):
//
//  1. learn the nodes' addresses; install; write the configurations;
//  2. start PD, wait until it is healthy; barrier;
//  3. start TiKV, wait until it is healthy; barrier;
//  4. wait until PD sees every TiKV store up and every region with its
//     replicas; barrier;
//  5. start TiDB, wait until it is healthy; barrier;
//  6. on the first node, wait for SQL and create the clients' database and
//     login; barrier.
//
// A wait that runs out names the component and the node, with the last
// lines of the component's log.
func (s *Server) Setup(ctx context.Context, n db.Node) error {
	if len(n.Nodes) == 0 {
		return fmt.Errorf("on %s: TiDB needs the test's node list", n.Name)
	}
	s.mu.Lock()
	s.nodes = n.Nodes
	s.mu.Unlock()
	if err := s.book.Resolve(ctx, n.Conn, n.Name, n.Nodes); err != nil {
		return err
	}
	if err := n.Sync(ctx); err != nil {
		return err
	}
	if err := install(ctx, n, sources(s.version.String(), s.opts.TarballURL)); err != nil {
		return err
	}
	if err := s.configure(ctx, n); err != nil {
		return err
	}
	for _, c := range []Component{PD, KV} {
		if err := s.startAndWait(ctx, n, c); err != nil {
			return err
		}
		if err := n.Sync(ctx); err != nil {
			return err
		}
	}
	stores, replicas := len(n.Nodes), s.replicas(len(n.Nodes))
	w := wait{what: fmt.Sprintf("PD on %s to see %d TiKV stores up and every region with %d replicas", n.Name, stores, replicas), timeout: s.opts.StartTimeout}
	if err := w.run(ctx, func(ctx context.Context) error { return s.api.replicated(ctx, n.Name, stores, replicas) }, nil, nil); err != nil {
		return s.failure(ctx, n, PD, err)
	}
	if err := n.Sync(ctx); err != nil {
		return err
	}
	if err := s.startAndWait(ctx, n, DB); err != nil {
		return err
	}
	if err := n.Sync(ctx); err != nil {
		return err
	}
	if n.Name == n.Nodes[0] {
		if err := s.bootstrap(ctx, n); err != nil {
			return err
		}
	}
	return n.Sync(ctx)
}

// configure writes the three configurations and makes the data
// directories.
func (s *Server) configure(ctx context.Context, n db.Node) error {
	for _, c := range Components() {
		if err := node.WriteFile(ctx, n.Conn, c.ConfigFile(), []byte(configFile(c, s.replicas(len(n.Nodes)))), 0o644); err != nil {
			return fmt.Errorf("on %s: %s configuration: %w", n.Name, c, err)
		}
	}
	if _, err := node.Output(ctx, n.Conn, "mkdir", "-p", PD.DataDir(), KV.DataDir()); err != nil {
		return fmt.Errorf("on %s: making TiDB's data directories: %w", n.Name, err)
	}
	return nil
}

// daemon is how component c runs on node.
func (s *Server) daemon(c Component, nodeName string, nodes []string) node.Daemon {
	return node.Daemon{
		Bin:     c.BinPath(),
		Args:    s.cluster(nodes).args(c, nodeName),
		PidFile: c.PidFile(),
		LogFile: c.StdoutFile(),
		Dir:     Dir,
	}
}

// start starts c on n unless it runs.
func (s *Server) start(ctx context.Context, n db.Node, c Component) error {
	if _, err := node.Start(ctx, n.Conn, s.daemon(c, n.Name, n.Nodes)); err != nil {
		return s.failure(ctx, n, c, err)
	}
	return nil
}

// startAndWait starts c on n and waits until its status API answers
// healthy, restarting it when it exits meanwhile.
func (s *Server) startAndWait(ctx context.Context, n db.Node, c Component) error {
	if err := s.start(ctx, n, c); err != nil {
		return err
	}
	w := wait{what: fmt.Sprintf("%s on %s to become healthy", c, n.Name), timeout: s.opts.StartTimeout}
	err := w.run(ctx,
		func(ctx context.Context) error { return s.api.healthy(ctx, c, n.Name) },
		func(ctx context.Context) (bool, error) { return node.Running(ctx, n.Conn, c.PidFile()) },
		func(ctx context.Context) error {
			slog.Warn("restarting a TiDB component that exited while starting", "node", n.Name, "component", c.String())
			return s.start(ctx, n, c)
		})
	if err != nil {
		return s.failure(ctx, n, c, err)
	}
	return nil
}

// logTail is how many lines of a log an error shows.
const logTail = 20

// failure is err on n with the last lines of c's log and stdout.
func (s *Server) failure(ctx context.Context, n db.Node, c Component, err error) error {
	out, terr := node.Shell(context.WithoutCancel(ctx), n.Conn, `for f in "$@"; do echo "== last lines of $f:"; tail -n `+strconv.Itoa(logTail)+` "$f" 2>&1; done`, c.LogFile(), c.StdoutFile())
	if terr != nil {
		out = fmt.Sprintf("(could not read %s: %v)", c.LogFile(), terr)
	}
	return fmt.Errorf("on %s: %s did not start: %w\n%s", n.Name, c, err, out)
}

// bootstrap waits until TiDB on n takes statements and creates the
// clients' database and login.
func (s *Server) bootstrap(ctx context.Context, n db.Node) error {
	host := s.book.Host(n.Name)
	w := wait{what: fmt.Sprintf("TiDB on %s to take SQL statements", n.Name), timeout: s.opts.StartTimeout, stable: 1, probeTimeout: 15 * time.Second}
	if err := w.run(ctx, func(ctx context.Context) error { return s.admin.exec(ctx, host, bootstrapSQL()...) }, nil, nil); err != nil {
		return s.failure(ctx, n, DB, err)
	}
	slog.Info("TiDB is up", "node", n.Name, "version", s.version.String())
	return nil
}

// Teardown kills every component on n and removes everything under Dir
// but the installed binaries (bin and pkg): data, logs, configurations.
// It succeeds where nothing ever ran.
func (s *Server) Teardown(ctx context.Context, n db.Node) error {
	var errs []error
	for _, c := range []Component{DB, KV, PD} {
		errs = append(errs, s.KillComponent(ctx, n, c))
	}
	// Servers that left their group (or a pid file lost) are found by
	// their programs' paths; "[/]" keeps the pattern from matching this
	// script's own command line.
	_, err := node.Shell(ctx, n.Conn, `pkill -KILL -f -- "[/]opt/tidb/(bin|pkg)/"; exit 0`)
	if err == nil {
		_, err = node.Shell(ctx, n.Conn, wipeScript, Dir)
	}
	if err != nil {
		errs = append(errs, fmt.Errorf("on %s: wiping %s: %w", n.Name, Dir, err))
	}
	return errors.Join(errs...)
}

// wipeScript removes everything in $1 but bin and pkg (the installed
// servers, kept so that the next run need not fetch them again).
const wipeScript = `[ -d "$1" ] || exit 0
find "$1" -mindepth 1 -maxdepth 1 ! -name bin ! -name pkg -exec rm -rf {} +`

// LogFiles are every component's log and stdout, and TiDB's slow log.
func (s *Server) LogFiles(context.Context, db.Node) ([]string, error) { return logFiles(), nil }

// KillComponent kills c on n with SIGKILL (its whole process group) and
// waits until it is gone.
func (s *Server) KillComponent(ctx context.Context, n db.Node, c Component) error {
	_, err := node.Shell(ctx, n.Conn, `[ -s "$1" ] || exit 0; pid=$(cat "$1")
kill -CONT "-$pid" 2>/dev/null; kill -KILL "-$pid" 2>/dev/null
i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
rm -f "$1"`, c.PidFile())
	if err != nil {
		return fmt.Errorf("on %s: killing %s: %w", n.Name, c, err)
	}
	return nil
}

// StartComponent starts c on n unless it runs, without waiting for it to
// be healthy (a node cut off by a partition may not be).
func (s *Server) StartComponent(ctx context.Context, n db.Node, c Component) error {
	return s.start(ctx, n, c)
}

// PauseComponent stops c on n with SIGSTOP (its process group) and waits
// until its process shows as stopped.
func (s *Server) PauseComponent(ctx context.Context, n db.Node, c Component) error {
	return s.signal(ctx, n, c, "STOP")
}

// ResumeComponent continues c on n (SIGCONT).
func (s *Server) ResumeComponent(ctx context.Context, n db.Node, c Component) error {
	return s.signal(ctx, n, c, "CONT")
}

func (s *Server) signal(ctx context.Context, n db.Node, c Component, sig string) error {
	_, err := node.Shell(ctx, n.Conn, `[ -s "$1" ] || exit 0; pid=$(cat "$1"); kill -"$2" "-$pid" 2>/dev/null || exit 0
[ "$2" = STOP ] || exit 0
i=0; while [ $i -lt 100 ] && ! grep -q '^State:[[:space:]]*T' /proc/"$pid"/status 2>/dev/null; do sleep 0.01; i=$((i+1)); done`, c.PidFile(), sig)
	if err != nil {
		return fmt.Errorf("on %s: sending SIG%s to %s: %w", n.Name, sig, c, err)
	}
	return nil
}

// each runs f on every component of n, in order, and joins the errors.
func each(order []Component, f func(Component) error) error {
	var errs []error
	for _, c := range order {
		errs = append(errs, f(c))
	}
	return errors.Join(errs...)
}

// Kill kills TiDB, TiKV and PD on n.
func (s *Server) Kill(ctx context.Context, n db.Node) error {
	return each([]Component{DB, KV, PD}, func(c Component) error { return s.KillComponent(ctx, n, c) })
}

// Start starts PD, TiKV and TiDB on n (those not running).
func (s *Server) Start(ctx context.Context, n db.Node) error {
	return each(Components(), func(c Component) error { return s.StartComponent(ctx, n, c) })
}

// Pause pauses TiDB, TiKV and PD on n.
func (s *Server) Pause(ctx context.Context, n db.Node) error {
	return each([]Component{DB, KV, PD}, func(c Component) error { return s.PauseComponent(ctx, n, c) })
}

// Resume resumes PD, TiKV and TiDB on n.
func (s *Server) Resume(ctx context.Context, n db.Node) error {
	return each(Components(), func(c Component) error { return s.ResumeComponent(ctx, n, c) })
}

// Primaries is the node whose PD leads, asked of each node's PD in turn
// until one answers (a paused or cut-off PD does not).
func (s *Server) Primaries(ctx context.Context, nodes []db.Node) ([]string, error) {
	s.mu.Lock()
	all := s.nodes
	s.mu.Unlock()
	var errs []error
	for _, n := range nodes {
		name, err := s.api.pdLeader(ctx, n.Name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, m := range all {
			if s.cluster(all).pdName(m) == name {
				return []string{m}, nil
			}
		}
		return nil, fmt.Errorf("PD's leader is %s, a member of no node of this test (%v)", name, all)
	}
	return nil, fmt.Errorf("no PD named its leader: %w", errors.Join(errs...))
}
