// Package suite says what a test suite is: its workloads, the faults it
// can take, its own options, how it reaches its nodes (SSH by default, the
// local cluster when none are named), and the test-all matrix. A suite is
// one package under suites/ that returns a Suite; the CLI turns flags into
// Options and calls Build, and a program that embeds Faultline can do the
// same without the CLI.
//
// Adding a suite: write its DB, clients and workloads, return a Suite from
// a function (etcd.Suite is the example), and add one line where
// cmd/faultline lists its suites.
package suite

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/nemesis/target"
	"github.com/faultline/faultline/runner"
)

// Suite is a test suite: everything the CLI needs to offer test, test-all
// and analyze for one database. Nothing is registered globally; a binary
// mounts the suites it carries.
type Suite struct {
	// Name names the suite's command and prefixes test names.
	Name      string
	Workloads []Workload
	// Faults are the --nemesis names the suite can take, in the order help
	// lists them (nemesis/combined's names, and any of the suite's own,
	// which its workloads build). A name not here is refused before
	// anything is touched. Empty: the suite takes no faults.
	Faults []string
	// Nemeses lists the fault sets test-all runs every workload under (each
	// entry is one --nemesis value, comma-separated, "" for none); each must
	// name only Faults. Empty: one run without faults.
	Nemeses []string
	// Check refuses the suite's own options (its flags in Options.Flags)
	// before any cluster is looked for; its error is an OptionsError. Nil:
	// nothing to check beyond workloads and faults.
	Check func(o Options) error
	// Axes are more dimensions of test-all's matrix: each is one of the
	// suite's own flags and the values test-all runs every workload and
	// fault set under (unless the flag is given). Test names carry the
	// axes' values.
	Axes []Axis
	// Flags registers the suite's own flags (--version, --tarball-url, ...)
	// on test, test-all and analyze. Their values reach the workloads as
	// strings in Options.Flags.
	Flags func(fs *pflag.FlagSet)
	// Connect reaches the nodes named in Options.Nodes. Nil: SSH
	// (control/ssh) with the login options.
	Connect ClusterFunc
	// Local is the cluster used when no nodes are named. Nil: the local
	// cluster that `faultline cluster up` built (see AutoLocal for one
	// built on demand).
	Local ClusterFunc
}

// Axis is one flag test-all varies, and its values.
type Axis struct {
	Flag   string
	Values []string
}

// Workload is one --workload of a suite.
type Workload struct {
	Name, Summary string
	// Test builds the workload's test from the options: DB, client,
	// nemesis, generators and checker. Build fills in the rest (name,
	// nodes, remote, concurrency, limits, seed, store). Test must not
	// touch the cluster: analyze calls it only to get the checker.
	Test func(o Options) (*runner.Test, error)
}

// Options are a run's common settings, as the CLI's flags of test,
// test-all and analyze give them.
type Options struct {
	Workload string
	// Nemesis names the faults to inject (Suite.Faults); "" and "none" are
	// no fault.
	Nemesis []string
	// NemesisInterval is about how often each fault switches on or off
	// (zero: nemesis/combined's default).
	NemesisInterval time.Duration
	// NemesisTargets are the specs the faults that target nodes (kill,
	// pause, packet, clock, file, lose-unfsynced-writes) choose from at
	// random for each op; partitions keep their shapes. Empty: one,
	// minority, majority, all.
	NemesisTargets []target.Spec

	Nodes    []string
	Username string
	Password string
	// SSHPrivateKey is the path of a private key file.
	SSHPrivateKey         string
	StrictHostKeyChecking bool
	// Concurrency is the number of client threads.
	Concurrency    int
	TimeLimit      time.Duration
	TestCount      int
	LeaveDBRunning bool
	// RunProcs caps GOMAXPROCS during the run phase (runner.Test.RunProcs).
	RunProcs int
	LogJSON  bool
	Seed     uint64
	// Store is the folder holding the runs.
	Store string
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

// OptionsError is a mistake in what was asked for (an unknown workload, a
// fault the suite cannot take, no usable cluster), as opposed to a failure
// while doing it. The CLI exits 254 for it.
type OptionsError struct{ Err error }

func (e *OptionsError) Error() string { return e.Err.Error() }
func (e *OptionsError) Unwrap() error { return e.Err }

// badOptions makes an OptionsError.
func badOptions(format string, args ...any) error {
	return &OptionsError{Err: fmt.Errorf(format, args...)}
}

// IsOptionsError reports whether err is, or wraps, an OptionsError.
func IsOptionsError(err error) bool {
	var oe *OptionsError
	return errors.As(err, &oe)
}

// Workload finds the named workload; "" is the only one of a one-workload
// suite.
func (s Suite) Workload(name string) (Workload, error) {
	if name == "" && len(s.Workloads) == 1 {
		return s.Workloads[0], nil
	}
	for _, w := range s.Workloads {
		if w.Name == name {
			return w, nil
		}
	}
	return Workload{}, badOptions("--workload %q: expected one of %s", name, s.WorkloadNames())
}

// WorkloadNames lists the workloads' names, comma-separated.
func (s Suite) WorkloadNames() string {
	names := make([]string, len(s.Workloads))
	for i, w := range s.Workloads {
		names[i] = w.Name
	}
	return strings.Join(names, ", ")
}

// FaultNames lists the faults the suite takes, comma-separated, or says
// that it takes none.
func (s Suite) FaultNames() string {
	if len(s.Faults) == 0 {
		return "none"
	}
	return strings.Join(s.Faults, ", ")
}

// CheckFaults refuses fault names the suite cannot take, listing those it
// can: a fault a database cannot take would otherwise fail only at setup,
// after the cluster was built. "" and "none" are no fault.
func (s Suite) CheckFaults(names []string) error {
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" || n == "none" || slices.Contains(s.Faults, n) {
			continue
		}
		return badOptions("--nemesis %s: %s cannot take this fault; it takes %s", n, s.Name, s.FaultNames())
	}
	return nil
}

// Cluster finds the nodes: the ones named, reached with Connect (SSH by
// default), or else Local (the local cluster by default).
func (s Suite) Cluster(ctx context.Context, o Options) (Cluster, error) {
	if len(o.Nodes) > 0 {
		if s.Connect != nil {
			return s.Connect(ctx, o)
		}
		return SSH(o), nil
	}
	if s.Local != nil {
		return s.Local(ctx, o)
	}
	return LocalCluster(ctx, o)
}
