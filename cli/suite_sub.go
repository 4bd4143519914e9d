package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/faultline/faultline/suite"
)

// SuiteSubcommand returns the suite as one command of a larger binary,
// `faultline <suite> test|test-all|analyze ...`, where SuiteCommand makes
// the suite the whole binary.
//
// Unless the suite brings its own Local ClusterFunc, a run without --nodes
// uses the local cluster, and builds it first when it is not up
// (suite.AutoLocal), then removes the cluster it built when the command
// ends, unless --keep-cluster is given. A cluster that was already up is
// left as it was.
func SuiteSubcommand(s suite.Suite) *cobra.Command {
	cmd := &cobra.Command{
		Use:   s.Name,
		Short: "Test " + s.Name + ": run a workload under faults (test, test-all) or re-check a run (analyze)",
	}
	var keep bool
	cmd.PersistentFlags().BoolVar(&keep, "keep-cluster", false, "leave a local cluster this command built running afterwards")
	auto := &suite.AutoLocal{}
	if s.Local == nil {
		s.Local = auto.Cluster
	}
	for _, sub := range []*cobra.Command{testCommand(s), analyzeCommand(s), testAllCommand(s)} {
		run := sub.RunE
		sub.RunE = func(c *cobra.Command, args []string) error {
			auto.Log = c.ErrOrStderr()
			err := run(c, args)
			if !keep {
				if derr := auto.Down(context.WithoutCancel(c.Context())); derr != nil {
					fmt.Fprintln(c.ErrOrStderr(), "faultline: removing the local cluster:", derr)
				}
			}
			return err
		}
		cmd.AddCommand(sub)
	}
	return cmd
}
