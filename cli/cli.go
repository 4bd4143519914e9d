// Package cli turns command lines into calls on the library: flags become a
// Test or a checker, and results become exit codes. It holds no logic of its
// own. Exit codes follow Jepsen: 0 valid, 1 invalid, 2 unknown, 254 bad
// arguments or unreadable input, 255 crash.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/suite"
)

// Exit codes.
const (
	ExitValid   = 0
	ExitInvalid = 1
	ExitUnknown = 2
	ExitBadArgs = 254
	ExitCrash   = 255
)

// ExitError carries an exit code out of a command. Err, if set, is printed.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// BadArgs wraps an error as a bad-arguments exit (254).
func BadArgs(format string, args ...any) error {
	return &ExitError{Code: ExitBadArgs, Err: fmt.Errorf(format, args...)}
}

// VerdictCode maps a verdict to its exit code.
func VerdictCode(v checker.Validity) int {
	switch v {
	case checker.Valid:
		return ExitValid
	case checker.Invalid:
		return ExitInvalid
	}
	return ExitUnknown
}

// WorstCode combines exit codes of several verdicts: bad input beats invalid
// beats unknown beats valid... except that, as with verdicts, invalid beats
// unknown.
func WorstCode(a, b int) int {
	rank := func(c int) int {
		switch c {
		case ExitValid:
			return 0
		case ExitUnknown:
			return 1
		case ExitInvalid:
			return 2
		case ExitBadArgs:
			return 3
		}
		return 4
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}

// Root builds the faultline command with its built-in subcommands and each
// of suites mounted as `faultline <suite> ...` (SuiteSubcommand); callers
// may add more commands.
func Root(suites ...suite.Suite) *cobra.Command {
	root := &cobra.Command{
		Use:           "faultline",
		Short:         "Break distributed systems on purpose: run tests under faults and check their histories",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(checkCommand())
	root.AddCommand(reportCommand())
	root.AddCommand(clusterCommand())
	root.AddCommand(healCommand())
	root.AddCommand(serveCommand())
	for _, s := range suites {
		root.AddCommand(SuiteSubcommand(s))
	}
	return root
}

// Main runs the command with os.Args and exits with the right code. A panic
// exits 255 with its stack; flag errors exit 254.
func Main(root *cobra.Command) {
	os.Exit(Execute(root, os.Args[1:], os.Stdout, os.Stderr))
}

// Execute runs the command with args and returns the exit code (for tests).
func Execute(root *cobra.Command, args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(stderr, "faultline crashed: %v\n%s", p, debug.Stack())
			code = ExitCrash
		}
	}()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &ExitError{Code: ExitBadArgs, Err: err}
	})
	err := root.Execute()
	if err == nil {
		return ExitValid
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.Err != nil {
			fmt.Fprintln(stderr, "faultline:", ee.Err)
		}
		return ee.Code
	}
	fmt.Fprintln(stderr, "faultline:", err)
	// Errors that reach here unwrapped are cobra's own: unknown command or
	// flag, wrong argument count. Those are bad arguments.
	return ExitBadArgs
}
