package cli

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/spf13/cobra"

	"github.com/faultline/faultline/localcluster"
)

// SuiteSubcommand returns the suite as one command of a larger binary,
// `faultline <suite> test|test-all|analyze ...`, where SuiteCommand makes
// the suite the whole binary.
//
// Unless the suite brings its own Local ClusterFunc, a run without --nodes
// uses the local cluster, and builds it first when it is not up (so one
// command on a fresh machine does everything), then removes the cluster it
// built when the command ends, unless --keep-cluster is given. A cluster
// that was already up is left as it was.
func SuiteSubcommand(s Suite) *cobra.Command {
	cmd := &cobra.Command{
		Use:   s.Name,
		Short: "Test " + s.Name + ": run a workload under faults (test, test-all) or re-check a run (analyze)",
	}
	var keep bool
	cmd.PersistentFlags().BoolVar(&keep, "keep-cluster", false, "leave a local cluster this command built running afterwards")
	auto := &autoLocal{}
	if s.Local == nil {
		s.Local = auto.cluster
	}
	for _, sub := range []*cobra.Command{testCommand(s), analyzeCommand(s), testAllCommand(s)} {
		run := sub.RunE
		sub.RunE = func(c *cobra.Command, args []string) error {
			auto.log = c.ErrOrStderr()
			err := run(c, args)
			if !keep {
				if derr := auto.down(context.WithoutCancel(c.Context())); derr != nil {
					fmt.Fprintln(c.ErrOrStderr(), "faultline: removing the local cluster:", derr)
				}
			}
			return err
		}
		cmd.AddCommand(sub)
	}
	return cmd
}

// autoLocal finds the default local cluster, building it when it is not
// usable, and remembers whether it did so, to remove it afterwards.
type autoLocal struct {
	mu    sync.Mutex
	built bool
	log   io.Writer
}

func (a *autoLocal) cluster(ctx context.Context, _ Options) (Cluster, error) {
	if c, err := localCluster(); err == nil {
		return c, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	log := a.log
	if log == nil {
		log = io.Discard
	}
	fmt.Fprintln(log, "faultline: no local cluster is up: building one (removed afterwards unless --keep-cluster)")
	c, err := localcluster.Up(ctx, localcluster.Config{}, log)
	if err != nil {
		return Cluster{}, BadArgs("no --nodes given, and the local cluster could not be built: %v", err)
	}
	a.built = true
	return Cluster{Nodes: c.NodeNames(), Remote: c.Remote()}, nil
}

func (a *autoLocal) down(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.built {
		return nil
	}
	a.built = false
	return localcluster.Down(ctx, localcluster.Config{}, a.log)
}
