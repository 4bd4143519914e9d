package suite

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/faultline/faultline/control/ssh"
	"github.com/faultline/faultline/localcluster"
	"github.com/faultline/faultline/nemesis/ledger"
)

// SSH reaches o.Nodes over SSH with o's login options.
func SSH(o Options) Cluster {
	cfg := ssh.Config{User: o.Username, Password: o.Password, InsecureIgnoreHostKey: !o.StrictHostKeyChecking}
	if o.SSHPrivateKey != "" {
		cfg.PrivateKeyFiles = []string{o.SSHPrivateKey}
	}
	return Cluster{Nodes: o.Nodes, Remote: ssh.Remote{Config: cfg}, Ledger: DefaultLedger()}
}

// DefaultLedger is the fault ledger of this user on this control node
// (ledger.DefaultDir), which every run on real nodes uses.
func DefaultLedger() *ledger.Ledger { return &ledger.Ledger{Dir: ledger.DefaultDir()} }

// LocalCluster is the local cluster `faultline cluster up` built; one that
// is not up is an OptionsError.
func LocalCluster(context.Context, Options) (Cluster, error) {
	c, err := localcluster.Load("")
	if err == nil {
		err = localcluster.Check(c)
	}
	if err != nil {
		return Cluster{}, badOptions("no --nodes given, and the local cluster is not usable (start it with `faultline cluster up`): %v", err)
	}
	return Cluster{Nodes: c.NodeNames(), Remote: c.Remote(), Ledger: DefaultLedger()}, nil
}

// AutoLocal is a Local ClusterFunc for one command: it uses the local
// cluster when it is up, and otherwise builds it (so one command on a fresh
// machine does everything) and remembers that it did, so that Down removes
// it afterwards. A cluster that was already up is left as it was.
type AutoLocal struct {
	// Log receives the cluster's build and removal messages; nil discards
	// them.
	Log io.Writer

	mu    sync.Mutex
	built bool
}

// Cluster is the ClusterFunc.
func (a *AutoLocal) Cluster(ctx context.Context, o Options) (Cluster, error) {
	if c, err := LocalCluster(ctx, o); err == nil {
		return c, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	log := a.log()
	fmt.Fprintln(log, "faultline: no local cluster is up: building one (removed afterwards unless --keep-cluster)")
	c, err := localcluster.Up(ctx, localcluster.Config{}, log)
	if err != nil {
		return Cluster{}, badOptions("no --nodes given, and the local cluster could not be built: %v", err)
	}
	a.built = true
	return Cluster{Nodes: c.NodeNames(), Remote: c.Remote(), Ledger: DefaultLedger()}, nil
}

// Down removes the cluster Cluster built, if it built one.
func (a *AutoLocal) Down(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.built {
		return nil
	}
	a.built = false
	return localcluster.Down(ctx, localcluster.Config{}, a.log())
}

func (a *AutoLocal) log() io.Writer {
	if a.Log == nil {
		return io.Discard
	}
	return a.Log
}
