package cli

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/faultline/faultline/runner"
	"github.com/faultline/faultline/runstore"
	"github.com/faultline/faultline/suite"
)

func analyzeCommand(s suite.Suite) *cobra.Command {
	var storeDir, workload string
	cmd := &cobra.Command{
		Use:   "analyze [RUN]",
		Short: "Re-check a stored run with today's checkers",
		Long: "Load a stored run's history and check it again with its workload's checker, storing the new results in the run's folder.\n" +
			"RUN is a run folder, a test name (its latest run) or test/timestamp; the default is the store's latest run.\n" +
			"Exit status: 0 valid, 1 invalid, 2 unknown, 254 bad arguments or unreadable run, 255 crash.",
		Args: cobra.MaximumNArgs(1),
	}
	cmd.Flags().StringVar(&storeDir, "store", "store", "folder holding the runs")
	cmd.Flags().StringVarP(&workload, "workload", "w", "", "the workload whose checker to use (default: the one the run recorded)")
	if s.Flags != nil {
		s.Flags(cmd.Flags())
	}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		arg := ""
		if len(args) == 1 {
			arg = args[0]
		}
		st := &runstore.Store{Root: storeDir}
		dir, err := st.Resolve(arg)
		if err != nil {
			return &ExitError{Code: ExitBadArgs, Err: err}
		}
		loaded, err := runstore.Load(dir)
		if err != nil {
			return &ExitError{Code: ExitBadArgs, Err: err}
		}
		for _, w := range loaded.Warnings {
			fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w)
		}
		o := storedOptions(loaded.Config)
		if workload != "" {
			o.Workload = workload
		}
		// The suite's flags given here override the run's (analyze
		// --consistency-models re-checks against another model).
		cmd.Flags().Visit(func(fl *pflag.Flag) {
			if fl.Name != "store" && fl.Name != "workload" {
				o.Flags[fl.Name] = fl.Value.String()
			}
		})
		w, err := s.Workload(o.Workload)
		if err != nil {
			return &ExitError{Code: ExitBadArgs, Err: fmt.Errorf("run %s: %w", dir, err)}
		}
		t, err := w.Test(o)
		if err != nil {
			return &ExitError{Code: ExitBadArgs, Err: fmt.Errorf("workload %s: %v", w.Name, err)}
		}
		t.Output = cmd.ErrOrStderr()
		res, err := runner.Analyze(cmd.Context(), t, dir, loaded.History)
		if err != nil {
			return &ExitError{Code: ExitCrash, Err: err}
		}
		code := VerdictCode(res.Valid)
		printVerdict(cmd.OutOrStdout(), runReport{name: w.Name, dir: dir, verdict: verdictWord(res.Valid)}, loaded.History.Len(), res)
		if code != ExitValid {
			return &ExitError{Code: code}
		}
		return nil
	}
	return cmd
}

// storedOptions rebuilds the options a run was started with from its
// config.json, as far as the workload's checker needs them.
func storedOptions(cfg map[string]any) suite.Options {
	o := suite.Options{Flags: map[string]string{}}
	o.Workload, _ = cfg["workload"].(string)
	if ns, ok := cfg["nemesis"].([]any); ok {
		for _, n := range ns {
			if s, ok := n.(string); ok {
				o.Nemesis = append(o.Nemesis, s)
			}
		}
	}
	if fs, ok := cfg["flags"].(map[string]any); ok {
		for k, v := range fs {
			if s, ok := v.(string); ok {
				o.Flags[k] = s
			}
		}
	}
	if ns, ok := cfg["nodes"].([]any); ok {
		for _, n := range ns {
			if s, ok := n.(string); ok {
				o.Nodes = append(o.Nodes, s)
			}
		}
	}
	if c, ok := cfg["concurrency"].(float64); ok {
		o.Concurrency = int(c)
	}
	return o
}
