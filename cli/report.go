package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/faultline/faultline/report"
	"github.com/faultline/faultline/runstore"
)

// reportCommand is `faultline report [RUN]`: it redraws the plots and
// timeline.html of a stored run from its history, for runs recorded before a
// report existed or improved, without re-checking anything.
func reportCommand() *cobra.Command {
	var root string
	cmd := &cobra.Command{
		Use:   "report [RUN]",
		Short: "Regenerate the plots and timeline.html of a stored run",
		Long: "Redraw every plot (latency raw and quantiles, throughput, bank totals, clock offsets; PNG and SVG)\n" +
			"and timeline.html of a stored run, into its run folder. RUN is a run folder, a test name (its\n" +
			"latest run) or test/timestamp; without RUN, the store's latest run.\n" +
			"Exit status: 0 written, 254 no such run, an unreadable history, or a plot that could not be drawn.",
		Args: cobra.MaximumNArgs(1),
	}
	cmd.Flags().StringVar(&root, "store", "store", "the store folder holding the runs")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		arg := ""
		if len(args) == 1 {
			arg = args[0]
		}
		dir, err := (&runstore.Store{Root: root}).Resolve(arg)
		if err != nil {
			return BadArgs("%w", err)
		}
		run, err := runstore.Load(dir)
		if err != nil {
			return BadArgs("%w", err)
		}
		for _, w := range run.Warnings {
			fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w)
		}
		written, err := report.WriteAll(dir, run.History)
		for _, p := range written {
			fmt.Fprintln(cmd.OutOrStdout(), p)
		}
		if err != nil {
			return BadArgs("run %s: %w", dir, err)
		}
		return nil
	}
	return cmd
}
