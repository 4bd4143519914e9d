package cli

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/runner"
	"github.com/faultline/faultline/suite"
)

// SuiteCommand returns the suite's command line: Faultline's root commands
// (check, report, cluster) plus test, analyze and test-all for the suite,
// for a suite that is a binary of its own:
//
//	func main() { cli.Main(cli.SuiteCommand(mydb.Suite())) }
func SuiteCommand(s suite.Suite) *cobra.Command {
	root := Root()
	root.Use = s.Name
	root.Short = "Faultline tests of " + s.Name
	AddSuite(root, s)
	return root
}

// AddSuite adds the suite's test, analyze and test-all commands to root: the
// way a binary that carries a built-in suite (cmd/faultline with its default
// suite) offers `faultline test`.
func AddSuite(root *cobra.Command, s suite.Suite) {
	root.AddCommand(testCommand(s), analyzeCommand(s), testAllCommand(s))
}

// runFlags are the flags of test and test-all, before parsing.
type runFlags struct {
	workload, nodesFile, username, password, key, concurrency, timeLimit, store, runProcs string
	nodes, node                                                                           []string
	strict, leaveDB, logJSON                                                              bool
	testCount                                                                             int
	seed                                                                                  uint64
	faults                                                                                nemesisFlags
}

// bind registers the common flags, then the suite's own (which must not
// reuse a common flag's name).
func (f *runFlags) bind(fs *pflag.FlagSet, s suite.Suite) {
	fs.StringVarP(&f.workload, "workload", "w", "", "the workload to run: "+s.WorkloadNames())
	f.faults.bind(fs, s)
	fs.StringSliceVar(&f.nodes, "nodes", nil, "nodes to test, comma-separated (default: the local cluster)")
	fs.StringArrayVar(&f.node, "node", nil, "a node to test (repeatable)")
	fs.StringVar(&f.nodesFile, "nodes-file", "", "a file naming one node per line")
	fs.StringVar(&f.username, "username", "root", "user to log in to nodes as")
	fs.StringVar(&f.password, "password", "", "password to log in (and sudo) with")
	fs.StringVar(&f.key, "ssh-private-key", "", "private key file to log in with")
	fs.BoolVar(&f.strict, "strict-host-key-checking", true, "check nodes' host keys against known_hosts")
	fs.StringVar(&f.concurrency, "concurrency", "1n", "client threads: a number, or a multiple of the node count such as 3n")
	fs.StringVar(&f.timeLimit, "time-limit", "60", "how long to run the workload: seconds, or a duration such as 90s")
	fs.StringVar(&f.runProcs, "run-procs", "1", "processors (GOMAXPROCS) the run phase may use, or all: one keeps a waiting harness cheap; raise it for clients that burn CPU per op")
	fs.IntVar(&f.testCount, "test-count", 1, "how many times to run each test")
	fs.BoolVar(&f.leaveDB, "leave-db-running", false, "leave the database running after the test, for inspection")
	fs.BoolVar(&f.logJSON, "log-json", false, "log JSON lines instead of text (and no status line)")
	fs.BoolVar(&f.logJSON, "logging-json", false, "the same as --log-json (Jepsen's name)")
	fs.Uint64Var(&f.seed, "seed", 0, "random seed of the schedule (default: chosen from the clock and recorded)")
	fs.StringVar(&f.store, "store", "store", "folder holding the runs")
	if s.Flags != nil {
		s.Flags(fs)
	}
}

// options turns the parsed flags into Options, saying which flag is wrong.
func (f *runFlags) options(fs *pflag.FlagSet) (suite.Options, error) {
	o := suite.Options{
		Workload: f.workload, Username: f.username, Password: f.password,
		SSHPrivateKey: f.key, StrictHostKeyChecking: f.strict, TestCount: f.testCount,
		LeaveDBRunning: f.leaveDB, LogJSON: f.logJSON, Seed: f.seed, Store: f.store,
		Flags: map[string]string{},
	}
	fs.VisitAll(func(fl *pflag.Flag) {
		if fl.Name != "help" {
			o.Flags[fl.Name] = fl.Value.String()
		}
	})
	o.Nodes = append(append(o.Nodes, f.nodes...), f.node...)
	if f.nodesFile != "" {
		more, err := readNodesFile(f.nodesFile)
		if err != nil {
			return o, err
		}
		o.Nodes = append(o.Nodes, more...)
	}
	if f.testCount < 1 {
		return o, fmt.Errorf("--test-count %d: expected at least 1", f.testCount)
	}
	limit, err := parseTimeLimit(f.timeLimit)
	if err != nil {
		return o, err
	}
	o.TimeLimit = limit
	if o.RunProcs, err = parseRunProcs(f.runProcs); err != nil {
		return o, err
	}
	if err := f.faults.options(&o); err != nil {
		return o, err
	}
	if !fs.Changed("seed") {
		o.Seed = uint64(time.Now().UnixNano())
		o.Flags["seed"] = strconv.FormatUint(o.Seed, 10)
	}
	return o, nil
}

// resolveConcurrency parses --concurrency once the node count is known.
func (f *runFlags) resolveConcurrency(o *suite.Options) error {
	n, err := runner.ParseConcurrency(f.concurrency, len(o.Nodes))
	if err != nil {
		return fmt.Errorf("--%w", err)
	}
	o.Concurrency = n
	return nil
}

// parseRunProcs reads --run-procs: a positive number, or all (0: the
// runner leaves the process's GOMAXPROCS alone).
func parseRunProcs(s string) (int, error) {
	if s == "all" {
		return 0, nil
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 1 {
		return n, nil
	}
	return 0, fmt.Errorf("--run-procs %q: expected a positive number of processors, or all", s)
}

// parseTimeLimit reads seconds ("60", as Jepsen takes it) or a duration.
func parseTimeLimit(s string) (time.Duration, error) {
	if n, err := strconv.Atoi(s); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return d, nil
	}
	return 0, fmt.Errorf("--time-limit %q: expected seconds (60) or a duration (90s, 5m)", s)
}

// readNodesFile reads one node per line; blank lines and # comments are
// skipped.
func readNodesFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--nodes-file: %w", err)
	}
	defer f.Close()
	var nodes []string
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(text)
		switch len(fields) {
		case 0:
		case 1:
			nodes = append(nodes, fields[0])
		default:
			return nil, fmt.Errorf("--nodes-file %s:%d:%d: expected one node name per line, found %q", path, line, strings.Index(sc.Text(), fields[1])+1, strings.TrimSpace(text))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("--nodes-file %s: %w", path, err)
	}
	if len(nodes) == 0 {
		return nil, fmt.Errorf("--nodes-file %s: no node names in it", path)
	}
	return nodes, nil
}

// verdictWord is how a verdict is printed: quiet when valid, loud when not.
func verdictWord(v checker.Validity) string {
	switch v {
	case checker.Valid:
		return "valid"
	case checker.Invalid:
		return "INVALID"
	}
	return "unknown"
}
