package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/runner"
	"github.com/faultline/faultline/suite"
)

func testCommand(s suite.Suite) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "test [flags]",
		Short: "Run a workload against the cluster under faults, then check its history",
		Long: "Set the cluster up, run the workload (with --nemesis faults) for --time-limit, tear the cluster down and check the history.\n" +
			"Runs are stored under --store. Ctrl-C or SIGTERM stops the run cleanly: outstanding ops are recorded as info, faults are healed, logs collected and the history saved.\n" +
			"Exit status: 0 valid, 1 invalid, 2 unknown (or interrupted), 254 bad arguments, 255 crash.",
		Args: cobra.NoArgs,
	}
	f.bind(cmd.Flags(), s)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		var w suite.Workload
		ctx, stop, o, cl, err := f.session(cmd, s, func(o suite.Options) (err error) {
			if w, err = s.Workload(o.Workload); err != nil {
				return err
			}
			return s.CheckFaults(o.Nemesis)
		})
		defer stop()
		if err != nil {
			return err
		}
		code := ExitValid
		for i := 0; i < o.TestCount; i++ {
			run := o
			run.Seed = o.Seed + uint64(i)
			r := runTest(ctx, s, w, run, cl, cmd)
			code = WorstCode(code, r.code)
			if r.interrupted || r.code == ExitBadArgs {
				break
			}
		}
		if code != ExitValid {
			return &ExitError{Code: code}
		}
		return nil
	}
	return cmd
}

// interruptible returns a context that ends at the first SIGINT or SIGTERM;
// a second signal then kills the process the default way, for a teardown
// that hangs.
func interruptible(parent context.Context) (context.Context, context.CancelFunc) {
	if parent == nil {
		parent = context.Background()
	}
	ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	return ctx, stop
}

// session starts the work of test and test-all: it parses the flags, lets
// the command check them (check's error is a bad argument), catches
// SIGINT/SIGTERM, finds the cluster and resolves the concurrency against
// it. The returned stop must be called in every case.
func (f *runFlags) session(cmd *cobra.Command, s suite.Suite, check func(o suite.Options) error) (context.Context, context.CancelFunc, suite.Options, suite.Cluster, error) {
	ctx, stop := interruptible(cmd.Context())
	o, err := f.options(cmd.Flags())
	if err == nil {
		err = check(o)
	}
	if err == nil && s.Check != nil {
		err = s.Check(o)
	}
	if err != nil {
		return ctx, stop, o, suite.Cluster{}, &ExitError{Code: ExitBadArgs, Err: err}
	}
	cl, err := s.Cluster(ctx, o)
	if err != nil {
		if suite.IsOptionsError(err) {
			return ctx, stop, o, cl, &ExitError{Code: ExitBadArgs, Err: err}
		}
		return ctx, stop, o, cl, &ExitError{Code: ExitCrash, Err: fmt.Errorf("finding the cluster: %w", err)}
	}
	o.Nodes = cl.Nodes
	if err := f.resolveConcurrency(&o); err != nil {
		return ctx, stop, o, cl, &ExitError{Code: ExitBadArgs, Err: err}
	}
	return ctx, stop, o, cl, nil
}

// runReport is what one run came to, for the verdict line and test-all's
// summary.
type runReport struct {
	name, dir   string
	code        int
	verdict     string
	interrupted bool
}

// runTest runs one test and prints its verdict line on stdout.
func runTest(ctx context.Context, s suite.Suite, w suite.Workload, o suite.Options, cl suite.Cluster, cmd *cobra.Command) runReport {
	t, err := s.Build(w, o, cl)
	if err != nil {
		fmt.Fprintln(cmd.ErrOrStderr(), "faultline:", err)
		return runReport{name: s.TestName(w, o), code: ExitBadArgs, verdict: "bad arguments"}
	}
	t.Output = cmd.ErrOrStderr()
	out, err := runner.Run(ctx, t)
	r := runReport{name: t.Name, dir: out.Dir, interrupted: out.Interrupted}
	switch {
	case err != nil:
		r.code, r.verdict = ExitCrash, "crashed"
		fmt.Fprintf(cmd.ErrOrStderr(), "faultline: %s: %v\n", t.Name, err)
	case out.Interrupted:
		r.code, r.verdict = ExitUnknown, "interrupted"
	default:
		r.code, r.verdict = VerdictCode(out.Result.Valid), verdictWord(out.Result.Valid)
	}
	ops := 0
	if out.History != nil {
		ops = out.History.Len()
	}
	printVerdict(cmd.OutOrStdout(), r, ops, out.Result)
	return r
}

func printVerdict(w io.Writer, r runReport, ops int, res checker.Result) {
	line := fmt.Sprintf("%s: %s (%s, %d ops)", r.dir, r.verdict, r.name, ops)
	if res.Summary != "" {
		line += ": " + res.Summary
	}
	fmt.Fprintln(w, line)
}
