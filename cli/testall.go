package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func testAllCommand(s Suite) *cobra.Command {
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
		workloads := s.Workloads
		ctx, stop, o, cl, err := f.session(cmd, s, func(o Options) error {
			if o.Workload == "" {
				return nil
			}
			workloads = nil
			for _, name := range strings.Split(o.Workload, ",") {
				w, err := s.workload(name)
				if err != nil {
					return err
				}
				workloads = append(workloads, w)
			}
			return nil
		})
		defer stop()
		if err != nil {
			return err
		}
		nemeses := s.Nemeses
		if cmd.Flags().Changed("nemesis") {
			nemeses = []string{strings.Join(o.Nemesis, ",")}
		}
		if len(nemeses) == 0 {
			nemeses = []string{""}
		}
		var reports []runReport
		code, seed := ExitValid, o.Seed
	matrix:
		for _, w := range workloads {
			for _, n := range nemeses {
				for i := 0; i < o.TestCount; i++ {
					run := o
					run.Workload, run.Nemesis, run.Seed = w.Name, splitList(n), seed
					seed++
					r := runTest(ctx, s, w, run, cl, cmd)
					reports = append(reports, r)
					code = WorstCode(code, r.code)
					if r.interrupted {
						break matrix
					}
				}
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

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
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
