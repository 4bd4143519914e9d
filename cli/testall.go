package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/faultline/faultline/suite"
)

func testAllCommand(s suite.Suite) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "test-all [flags]",
		Short: "Run every workload under every fault set, then print a summary",
		Long: "Run each workload (or those named with --workload a,b) under each of the suite's fault sets (or --nemesis), --test-count times each, and end with a table of passes, unknowns, crashes and failures.\n" +
			"Exit status: the worst of the runs: 1 any invalid, 2 any unknown, 255 any crash, else 0.",
		Args: cobra.NoArgs,
	}
	f.bind(cmd.Flags(), s)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		var faultSets []string
		if cmd.Flags().Changed(flagNemesis) {
			faultSets = []string{strings.Join(f.faults.names, ",")}
		}
		ctx, stop, o, cl, err := f.session(cmd, s, func(o suite.Options) error {
			_, err := s.Matrix(o, faultSets)
			return err
		})
		defer stop()
		if err != nil {
			return err
		}
		var given []string
		for _, a := range s.Axes {
			if cmd.Flags().Changed(a.Flag) {
				given = append(given, a.Flag)
			}
		}
		runs, err := s.Matrix(o, faultSets, given...)
		if err != nil {
			return &ExitError{Code: ExitBadArgs, Err: err}
		}
		var reports []runReport
		code := ExitValid
		for _, run := range runs {
			r := runTest(ctx, s, run.Workload, run.Options, cl, cmd)
			reports = append(reports, r)
			code = WorstCode(code, r.code)
			if r.interrupted {
				break
			}
		}
		printSummary(cmd.OutOrStdout(), reports)
		if code != ExitValid {
			return &ExitError{Code: code}
		}
		return nil
	}
	return cmd
}

// printSummary ends test-all with one row per run and the totals, the way
// Jepsen's test-all does.
func printSummary(w io.Writer, reports []runReport) {
	counts := map[string]int{}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nTEST\tVERDICT\tRUN")
	for _, r := range reports {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.name, r.verdict, r.dir)
		counts[r.verdict]++
	}
	tw.Flush()
	fmt.Fprintf(w, "%d runs: %d valid, %d invalid, %d unknown, %d crashed, %d interrupted, %d bad arguments\n",
		len(reports), counts["valid"], counts["INVALID"], counts["unknown"], counts["crashed"], counts["interrupted"], counts["bad arguments"])
}
