package etcd

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/pflag"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/client"
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/nemesis/combined"
	"github.com/faultline/faultline/runner"
	"github.com/faultline/faultline/suite"
	"github.com/faultline/faultline/workload/register"
	"github.com/faultline/faultline/workload/set"
	"github.com/faultline/faultline/workload/txn"
)

// Flags of the suite, on top of the CLI's standard ones.
const (
	flagVersion           = "version"
	flagTarballURL        = "tarball-url"
	flagSerializableReads = "serializable-reads"
	flagOpTimeout         = "op-timeout"
	flagOpsPerKey         = "ops-per-key"
	flagRate              = "rate"
	flagPreVote           = "pre-vote"
	flagRecoveryTime      = "recovery-time"
)

// Suite is the etcd suite: `faultline etcd test ...`.
func Suite() suite.Suite {
	return suite.Suite{
		Name: "etcd",
		// Not file corruption (the DB names no data files to corrupt),
		// membership changes (it does not implement nemesis/membership's
		// Member) or lose-unfsynced-writes (etcd's data directory is not
		// mounted on lazyfs).
		Faults: []string{combined.Partition, FaultPartitionLeader, combined.Kill, combined.Pause, combined.Packet, combined.Clock},
		Workloads: []suite.Workload{
			{Name: "register", Summary: "reads, writes and cas on independent keys; linearizable per key", Test: registerTest},
			{Name: "set", Summary: "unique adds and whole-set reads, a final read on every thread; set-full", Test: setTest},
			{Name: "append", Summary: "Elle list-append transactions, final reads of every key on every thread; strict-serializable", Test: txnTest(txn.Append)},
			{Name: "wr", Summary: "Elle rw-register transactions, final reads of every key on every thread; strict-serializable", Test: txnTest(txn.Write)},
		},
		Nemeses: []string{"", combined.Partition, combined.Kill, combined.Pause, combined.Partition + "," + combined.Kill + "," + combined.Pause},
		Flags: func(fs *pflag.FlagSet) {
			fs.String(flagVersion, "", "etcd release to install on the nodes, such as 3.5.17 (default: use the etcd binary the nodes have, /usr/bin/etcd)")
			fs.String(flagTarballURL, "", "etcd release tarball to install instead (URL the nodes fetch, or a file here)")
			fs.Bool(flagSerializableReads, false, "read with serializable consistency: served by the node alone, possibly stale")
			fs.Duration(flagOpTimeout, time.Second, "timeout of each etcd request")
			fs.Int(flagOpsPerKey, 200, "register: ops on each key before moving to a fresh one")
			fs.Bool(flagPreVote, true, "run etcd with Raft pre-vote (etcd 3.5's default; 3.4's is off), so healed partitions do not force fresh elections")
			fs.Float64(flagRate, 0, "client ops per second, about, over all threads (0: as fast as the threads go)")
			fs.String(flagRecoveryTime, "10", "set, append, wr: after the faults are healed, how long (seconds, or a duration such as 500ms) the cluster gets to recover before the final reads (Jepsen's etcd test waits 10 s)")
		},
	}
}

// common is what every workload's test shares: the DB, its faults, and the
// client options, read from the flags.
type common struct {
	db       *DB
	faults   combined.Package
	client   ClientOptions
	rate     float64
	recovery time.Duration
}

func parseCommon(o suite.Options) (common, error) {
	var c common
	timeout, err := time.ParseDuration(orDefault(o.Flags[flagOpTimeout], "1s"))
	if err != nil || timeout <= 0 {
		return c, fmt.Errorf("--%s %q: expected a positive duration such as 1s", flagOpTimeout, o.Flags[flagOpTimeout])
	}
	serializable, err := strconv.ParseBool(orDefault(o.Flags[flagSerializableReads], "false"))
	if err != nil {
		return c, fmt.Errorf("--%s %q: expected true or false", flagSerializableReads, o.Flags[flagSerializableReads])
	}
	if c.rate, err = strconv.ParseFloat(orDefault(o.Flags[flagRate], "0"), 64); err != nil || c.rate < 0 {
		return c, fmt.Errorf("--%s %q: expected a number of ops per second, 0 for no limit", flagRate, o.Flags[flagRate])
	}
	if c.recovery, err = parseWait(orDefault(o.Flags[flagRecoveryTime], "10")); err != nil {
		return c, fmt.Errorf("--%s: %w", flagRecoveryTime, err)
	}
	preVote, err := strconv.ParseBool(orDefault(o.Flags[flagPreVote], "true"))
	if err != nil {
		return c, fmt.Errorf("--%s %q: expected true or false", flagPreVote, o.Flags[flagPreVote])
	}
	book := NewAddrBook()
	c.db = &DB{Version: o.Flags[flagVersion], TarballURL: o.Flags[flagTarballURL], Book: book, PreVote: preVote}
	c.client = ClientOptions{Book: book, Timeout: timeout, SerializableReads: serializable}
	if c.faults, err = BuildFaults(o.CombinedOptions(combined.Options{})); err != nil {
		return c, err
	}
	return c, nil
}

// test assembles a runner.Test: the workload's client ops alongside the
// faults, then (when there is a final phase) the faults healed, a pause
// for the cluster to recover (none when there were no faults), and the
// final ops.
func (c common) test(cl client.Client, gen, final generator.Generator, chk checker.Checker, config map[string]any) *runner.Test {
	if c.rate > 0 {
		gen = generator.Stagger(time.Duration(float64(time.Second)/c.rate), gen)
	}
	main := generator.Clients(gen)
	if c.faults.Generator != nil {
		main = generator.Any(main, c.faults.Generator)
	}
	var finalPhase generator.Generator
	if final != nil {
		var steps []generator.Generator
		if c.faults.Final != nil {
			steps = append(steps, generator.LogMsg("healing every fault"), c.faults.Final)
			if c.recovery > 0 {
				steps = append(steps, generator.LogMsg(fmt.Sprintf("waiting %v for the cluster to recover", c.recovery)), generator.SleepFor(c.recovery))
			}
		}
		steps = append(steps, generator.LogMsg("final reads"), final)
		finalPhase = generator.Phases(steps...)
		config["recovery-time"] = c.recovery.String()
	}
	config["serializable-reads"] = c.client.SerializableReads
	config["pre-vote"] = c.db.PreVote
	return &runner.Test{
		DB: c.db, Client: cl, Nemesis: c.faults.Nemesis, Faults: c.faults.Faults,
		Generator: main, FinalGenerator: finalPhase,
		Checker: suite.Summarized("", chk), Config: config,
	}
}

func registerTest(o suite.Options) (*runner.Test, error) {
	c, err := parseCommon(o)
	if err != nil {
		return nil, err
	}
	perKey, err := strconv.Atoi(orDefault(o.Flags[flagOpsPerKey], "200"))
	if err != nil || perKey < 1 {
		return nil, fmt.Errorf("--%s %q: expected a positive number of ops", flagOpsPerKey, o.Flags[flagOpsPerKey])
	}
	ro := register.Options{ThreadsPerKey: threadsPerKey(o), OpsPerKey: perKey}
	return c.test(registerClient{conn{ClientOptions: c.client}}, register.Generator(ro), nil, register.Checker(),
		map[string]any{"threads-per-key": ro.ThreadsPerKey, "ops-per-key": perKey}), nil
}

func setTest(o suite.Options) (*runner.Test, error) {
	c, err := parseCommon(o)
	if err != nil {
		return nil, err
	}
	so := set.Options{Linearizable: !c.client.SerializableReads}
	return c.test(setClient{conn{ClientOptions: c.client}}, set.Generator(so), set.FinalGenerator(), set.Checker(so),
		map[string]any{"linearizable": so.Linearizable}), nil
}

func txnTest(write history.Keyword) func(o suite.Options) (*runner.Test, error) {
	return func(o suite.Options) (*runner.Test, error) {
		c, err := parseCommon(o)
		if err != nil {
			return nil, err
		}
		to := txn.Options{Write: write, ConsistencyModels: []string{"strict-serializable"}}
		main, final := txn.Generators(to)
		return c.test(txnClient{conn: conn{ClientOptions: c.client}, write: write}, main, final, txn.Checker(to),
			map[string]any{"consistency-models": to.ConsistencyModels}), nil
	}
}

// threadsPerKey puts every register key on every node when the concurrency
// allows (a multiple of the node count), else on all threads.
func threadsPerKey(o suite.Options) int {
	n := len(o.Nodes)
	if n > 0 && o.Concurrency >= n && o.Concurrency%n == 0 {
		return n
	}
	return max(1, o.Concurrency)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// parseSeconds reads seconds ("5", as the CLI's --time-limit takes them) or
// a duration ("500ms").
func parseSeconds(s string) (time.Duration, error) {
	if n, err := strconv.ParseFloat(s, 64); err == nil && n > 0 {
		return time.Duration(n * float64(time.Second)), nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return d, nil
	}
	return 0, fmt.Errorf("%q: expected seconds (5) or a duration (500ms)", s)
}

// parseWait is parseSeconds that also takes zero (no wait).
func parseWait(s string) (time.Duration, error) {
	if n, err := strconv.ParseFloat(s, 64); err == nil && n == 0 {
		return 0, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d == 0 {
		return 0, nil
	}
	d, err := parseSeconds(s)
	if err != nil {
		return 0, fmt.Errorf("%q: expected seconds (5), a duration (500ms) or 0", s)
	}
	return d, nil
}
