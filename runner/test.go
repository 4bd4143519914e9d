// Package runner runs a test: it sets the cluster up, drives it with the
// test's generator through one worker per client thread plus a nemesis
// worker, streams every op into the store, tears the cluster down, checks the
// history and stores the verdict. Analyze re-checks a stored history.
//
// The phases of Run, in order (DESIGN.md, "The flow of one test"):
//
//	setup:    connect to every node; OS setup on every node; DB teardown then
//	          DB setup on every node (nodes of one step meet at barriers);
//	          client setup once per node; nemesis setup
//	run:      the interpreter (interpreter.go), under the time limit
//	teardown: nemesis heals; client teardown; DB logs downloaded; DB
//	          teardown unless LeaveDBRunning; OS teardown
//	analyse:  checker → results → store → verdict
//
// Teardown runs however the run ended (an error, a time limit, a Ctrl-C),
// with its own deadline, so a cluster is never left partitioned.
package runner

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/client"
	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/faultband"
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/nemesis"
	"github.com/faultline/faultline/nemesis/ledger"
	"github.com/faultline/faultline/osetup"
	"github.com/faultline/faultline/runstore"
)

// Test is everything one run needs. Nil OS, DB and Nemesis mean "nothing to
// do"; Client, Generator and Checker are required.
type Test struct {
	// Name names the run's folder in the store (store/<Name>/<start>/).
	Name string
	// Nodes are the nodes of the cluster, in order; client thread i talks
	// to Nodes[i mod len(Nodes)].
	Nodes []string
	// Remote connects to the nodes (SSH, the local cluster, a fake).
	Remote control.Remote

	OS      osetup.OS
	DB      db.DB
	Client  client.Client
	Nemesis nemesis.Nemesis
	// Ledger is the fault ledger (nemesis/ledger) the run claims its nodes
	// in: before the OS and database setup it heals what dead runs left on
	// them, refuses nodes a live run holds, and records every fault before
	// it is applied. Suites set it (suite.Build: ledger.DefaultDir()); nil
	// runs without one, for tests on fake nodes that cannot run the
	// healing commands.
	Ledger *ledger.Ledger

	// Generator is the main schedule (client and nemesis ops), cut at
	// TimeLimit; FinalGenerator (optional) runs after every op of the main
	// phase has completed, with no time limit (final reads, say).
	Generator      generator.Generator
	FinalGenerator generator.Generator
	Checker        checker.Checker
	// Faults are the fault bands the plots and the timeline shade: the
	// nemesis's families (nemesis/combined's Package.Faults, with a suite's
	// own families added). Nil: faultband.Default().
	Faults faultband.Table

	// Concurrency is the number of client threads (see ParseConcurrency).
	Concurrency int
	// TimeLimit ends the main phase (zero: run until the generator is done).
	TimeLimit time.Duration
	// Seed seeds the generator context's random source.
	Seed uint64
	// LeaveDBRunning skips DB teardown, so the cluster can be inspected.
	LeaveDBRunning bool

	// Store is where the run is saved.
	Store *runstore.Store
	// Config is recorded as config.json, with secrets redacted.
	Config map[string]any

	// Output receives the log (and, on a terminal, the live status line);
	// nil means os.Stderr. LogJSON writes JSON log lines instead of text.
	Output  io.Writer
	LogJSON bool
	// ProgressEvery is how often a run with no terminal logs its progress
	// (default 10 s).
	ProgressEvery time.Duration
	// TeardownTimeout bounds teardown and log collection (default 2 min);
	// it applies even when the run was interrupted.
	TeardownTimeout time.Duration
	// Grace bounds how long an interrupted run waits for clients that
	// ignore cancellation (default 5 s).
	Grace time.Duration
	// DrainTimeout bounds how long a phase that has nothing more to start
	// waits for its outstanding ops (default 5 min): a client or nemesis
	// call that never returns is recorded as info and the run ends, heals
	// and is checked, instead of hanging. The wait names the ops it waits
	// for every 30 s.
	DrainTimeout time.Duration
	// RunProcs, above zero, caps GOMAXPROCS at RunProcs while the workload
	// runs; setup, teardown and the checker get the process's own setting
	// back. GOMAXPROCS belongs to the whole process, so zero leaves it
	// alone: a program that embeds the runner opts in, knowing that its
	// other goroutines share the cap during the run phase. The CLI's
	// --run-procs sets 1 unless told otherwise (see capProcs for why one
	// processor suits a harness that mostly waits).
	RunProcs int
}

// validate says what is missing from a test before anything is touched.
func (t *Test) validate() error {
	var missing []string
	if t.Name == "" {
		missing = append(missing, "Name")
	}
	if len(t.Nodes) == 0 {
		missing = append(missing, "Nodes")
	}
	if t.Remote == nil {
		missing = append(missing, "Remote")
	}
	if t.Client == nil {
		missing = append(missing, "Client")
	}
	if t.Generator == nil {
		missing = append(missing, "Generator")
	}
	if t.Checker == nil {
		missing = append(missing, "Checker")
	}
	if t.Store == nil {
		missing = append(missing, "Store")
	}
	if len(missing) > 0 {
		return fmt.Errorf("test %q: missing %s", t.Name, strings.Join(missing, ", "))
	}
	if t.Concurrency < 1 {
		return fmt.Errorf("test %q: concurrency %d: expected at least 1", t.Name, t.Concurrency)
	}
	return nil
}

// ParseConcurrency reads a concurrency as Jepsen users write it: a number of
// threads ("10"), or a multiple of the node count ("3n" = 3 x nodes).
func ParseConcurrency(s string, nodes int) (int, error) {
	orig := strings.TrimSpace(s)
	s, mult := orig, 1
	if rest, ok := strings.CutSuffix(s, "n"); ok {
		s, mult = rest, nodes
		if s == "" {
			s = "1"
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("concurrency %q: expected a positive number of threads, or a multiple of the node count such as 3n", orig)
	}
	if mult < 1 {
		return 0, fmt.Errorf("concurrency %q: there are no nodes to multiply by", orig)
	}
	return n * mult, nil
}
