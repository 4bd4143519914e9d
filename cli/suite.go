package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/control/ssh"
	"github.com/faultline/faultline/localcluster"
	"github.com/faultline/faultline/runner"
	"github.com/faultline/faultline/store"
)

// Suite is a test suite as a suite's own main hands it to the CLI:
//
//	func main() { cli.Main(cli.SuiteCommand(etcd.Suite())) }
//
// Nothing is registered globally; the suite's commands exist only in the
// command SuiteCommand returns.
type Suite struct {
	// Name names the binary in help texts and prefixes test names.
	Name      string
	Workloads []Workload
	// Nemeses lists the fault sets test-all runs every workload under (each
	// entry is one --nemesis value, "" for none). Empty: one run without.
	Nemeses []string
	// Flags registers the suite's own flags (--version, --tarball-url, ...)
	// on test, test-all and analyze.
	Flags func(fs *pflag.FlagSet)
	// Connect reaches the nodes named with --nodes. Nil: SSH (control/ssh)
	// with the login flags.
	Connect ClusterFunc
	// Local is the cluster used when no nodes are named. Nil: the local
	// cluster that `faultline cluster up` built.
	Local ClusterFunc
}

// Workload is one --workload of a suite.
type Workload struct {
	Name, Summary string
	// Test builds the workload's test from the options: DB, client,
	// nemesis, generators and checker. The CLI fills in the rest (nodes,
	// remote, concurrency, limits, seed, store, output). Test must not touch
	// the cluster: analyze calls it only to get the checker.
	Test func(o Options) (*runner.Test, error)
}

// Options are the common flags of test, test-all and analyze, parsed.
type Options struct {
	Workload string
	Nemesis  []string
	Nodes    []string
	Username string
	Password string
	// SSHPrivateKey is the path of a private key file.
	SSHPrivateKey         string
	StrictHostKeyChecking bool
	// Concurrency is the number of client threads, resolved against the
	// node count (--concurrency 3n).
	Concurrency    int
	TimeLimit      time.Duration
	TestCount      int
	LeaveDBRunning bool
	// RunProcs caps GOMAXPROCS during the run phase (runner.Test.RunProcs).
	RunProcs int
	LogJSON  bool
	Seed     uint64
	Store    string
	// Flags holds every flag as given on the command line, the suite's own
	// included, by name (recorded in config.json, secrets redacted).
	Flags map[string]string
}

// Cluster is the nodes a test runs on and how to reach them.
type Cluster struct {
	Nodes  []string
	Remote control.Remote
}

// ClusterFunc finds the cluster for a test: the hook through which SSH
// nodes, the local cluster, or a test's in-process fake are plugged in.
type ClusterFunc func(ctx context.Context, o Options) (Cluster, error)

// SuiteCommand returns the suite's command line: Faultline's root commands
// (check, report, cluster) plus test, analyze and test-all for the suite.
func SuiteCommand(s Suite) *cobra.Command {
	root := Root()
	root.Use = s.Name
	root.Short = "Faultline tests of " + s.Name
	AddSuite(root, s)
	return root
}

// AddSuite adds the suite's test, analyze and test-all commands to root: the
// way a binary that carries a built-in suite (cmd/faultline with its default
// suite) offers `faultline test`.
func AddSuite(root *cobra.Command, s Suite) {
	root.AddCommand(testCommand(s), analyzeCommand(s), testAllCommand(s))
}

// runFlags are the flags of test and test-all, before parsing.
type runFlags struct {
	workload, nodesFile, username, password, key, concurrency, timeLimit, store, runProcs string
	nemesis, nodes, node                                                                  []string
	strict, leaveDB, logJSON                                                              bool
	testCount                                                                             int
	seed                                                                                  uint64
}

func (f *runFlags) bind(fs *pflag.FlagSet, s Suite) {
	fs.StringVarP(&f.workload, "workload", "w", "", "the workload to run: "+workloadNames(s))
	fs.StringSliceVar(&f.nemesis, "nemesis", nil, "faults to inject, comma-separated")
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
	bindNemesisFlags(fs)
}

// options turns the parsed flags into Options, saying which flag is wrong.
func (f *runFlags) options(fs *pflag.FlagSet) (Options, error) {
	o := Options{
		Workload: f.workload, Nemesis: f.nemesis, Username: f.username, Password: f.password,
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
	if !fs.Changed("seed") {
		o.Seed = uint64(time.Now().UnixNano())
		o.Flags["seed"] = strconv.FormatUint(o.Seed, 10)
	}
	return o, nil
}

// resolveConcurrency parses --concurrency once the node count is known.
func (f *runFlags) resolveConcurrency(o *Options) error {
	n, err := runner.ParseConcurrency(f.concurrency, len(o.Nodes))
	if err != nil {
		return fmt.Errorf("--%w", err)
	}
	o.Concurrency = n
	return nil
}

// parseRunProcs reads --run-procs: a positive number, or all.
func parseRunProcs(s string) (int, error) {
	if s == "all" {
		return runner.AllProcs, nil
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

// workload finds the named workload; "" is the only one of a one-workload
// suite.
func (s Suite) workload(name string) (Workload, error) {
	if name == "" && len(s.Workloads) == 1 {
		return s.Workloads[0], nil
	}
	for _, w := range s.Workloads {
		if w.Name == name {
			return w, nil
		}
	}
	return Workload{}, fmt.Errorf("--workload %q: expected one of %s", name, workloadNames(s))
}

func workloadNames(s Suite) string {
	names := make([]string, len(s.Workloads))
	for i, w := range s.Workloads {
		names[i] = w.Name
	}
	return strings.Join(names, ", ")
}

// cluster finds the nodes: the ones named, reached with Connect (SSH by
// default), or else the local cluster.
func (s Suite) cluster(ctx context.Context, o Options) (Cluster, error) {
	if len(o.Nodes) > 0 {
		if s.Connect != nil {
			return s.Connect(ctx, o)
		}
		return sshCluster(o), nil
	}
	if s.Local != nil {
		return s.Local(ctx, o)
	}
	return localCluster()
}

func sshCluster(o Options) Cluster {
	cfg := ssh.Config{User: o.Username, Password: o.Password, InsecureIgnoreHostKey: !o.StrictHostKeyChecking}
	if o.SSHPrivateKey != "" {
		cfg.PrivateKeyFiles = []string{o.SSHPrivateKey}
	}
	return Cluster{Nodes: o.Nodes, Remote: ssh.Remote{Config: cfg}}
}

func localCluster() (Cluster, error) {
	c, err := localcluster.Load("")
	if err == nil {
		err = localcluster.Check(c)
	}
	if err != nil {
		return Cluster{}, BadArgs("no --nodes given, and the local cluster is not usable (start it with `faultline cluster up`): %v", err)
	}
	return Cluster{Nodes: c.NodeNames(), Remote: c.Remote()}, nil
}

// build makes the runner.Test of one run of workload w.
func (s Suite) build(w Workload, o Options, cl Cluster, cmd *cobra.Command) (*runner.Test, error) {
	t, err := w.Test(o)
	if err != nil {
		return nil, BadArgs("workload %s: %v", w.Name, err)
	}
	if t.Name == "" {
		t.Name = testName(s, w, o)
	}
	t.Nodes, t.Remote = cl.Nodes, cl.Remote
	t.Concurrency, t.TimeLimit, t.Seed = o.Concurrency, o.TimeLimit, o.Seed
	t.LeaveDBRunning, t.LogJSON, t.RunProcs = o.LeaveDBRunning, o.LogJSON, o.RunProcs
	t.Store = &store.Store{Root: o.Store}
	t.Output = cmd.ErrOrStderr()
	cfg := map[string]any{"suite": s.Name, "workload": w.Name, "nemesis": o.Nemesis, "flags": o.Flags}
	for k, v := range t.Config {
		cfg[k] = v
	}
	t.Config = cfg
	return t, nil
}

// testName is suite-workload[-nemesis,...], the run's folder name.
func testName(s Suite, w Workload, o Options) string {
	name := s.Name + "-" + w.Name
	if len(o.Nemesis) > 0 {
		name += "-" + strings.Join(o.Nemesis, ",")
	}
	return name
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
