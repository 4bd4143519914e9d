// Package txnsim is a fake transactional database for testing and
// benchmarking the Elle checker: given a seed, a workload (list-append or
// rw-register) and a behaviour (strict serializable, serializable, snapshot
// isolation, read committed, prefix-consistent, lost updates, aborted
// reads), it produces a history of any size whose anomalies are known by
// construction; or (faults.go) a strict serializable database that loses
// acknowledged writes or serves stale reads, whose histories are judged
// against a brute-force oracle. Concurrency is simulated on a virtual
// clock: each of the processes runs one transaction at a time, and the
// behaviour decides when each transaction takes its snapshot and when (and
// whether) it commits.
//
// Under read committed, prefix-consistent and lost-update, a transaction
// that reads a key after writing it sees the state its writes are installed
// on (as if it held the key's write lock), which may be newer than what it
// read before: such histories also show internal anomalies, which those
// models allow.
//
// Each behaviour, the faulty ones included, is one small type behind the
// isolation interface (isolation.go, faults.go), chosen once per history:
// it draws when a transaction takes effect, whether it commits, which
// moment of the commit order each read sees, and (LostAppends alone) when
// a write is lost. Everything else is one engine (execute.go) that every
// behaviour shares: the commit order, the store its reads share their
// lists with, and the boxed values. The strategies draw from the one
// random source in the order the simulator always has, so a seed gives
// the same history it always gave (testdata/history-hashes.txt pins them).
package txnsim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/faultline/faultline/history"
)

// Workload is the shape of the transactions.
type Workload string

const (
	ListAppend Workload = "list-append" // [:append k v] and [:r k [v ...]]
	RWRegister Workload = "rw-register" // [:w k v] and [:r k v]
)

// Behaviour is the isolation the fake database provides.
type Behaviour string

const (
	// StrictSerializable applies each transaction atomically at a point
	// inside its invocation interval.
	StrictSerializable Behaviour = "strict-serializable"
	// Serializable applies each transaction atomically at a point up to Lag
	// after its invocation, possibly after it completed: a serial order
	// that may contradict real time and process order.
	Serializable Behaviour = "serializable"
	// SnapshotIsolation reads from the snapshot at invocation, commits at
	// completion, and aborts a transaction that writes a key someone else
	// committed since its snapshot (first committer wins).
	SnapshotIsolation Behaviour = "snapshot-isolation"
	// ReadCommitted runs each read against the latest committed state at
	// its own moment, and installs writes atomically at commit.
	ReadCommitted Behaviour = "read-committed"
	// PrefixConsistent reads from a snapshot that is some prefix of the
	// commit order, no older than the process's own last commit, and
	// commits without conflict checks.
	PrefixConsistent Behaviour = "prefix-consistent"
	// LostUpdate is snapshot isolation without the conflict check.
	LostUpdate Behaviour = "lost-update"
	// AbortedReads is StrictSerializable, except that some transactions are
	// reported failed although their writes stay visible.
	AbortedReads Behaviour = "aborted-reads"
)

// Behaviours lists every behaviour.
var Behaviours = []Behaviour{StrictSerializable, Serializable, SnapshotIsolation, ReadCommitted, PrefixConsistent, LostUpdate, AbortedReads, LostAppends, StaleReads}

// Config describes one history. Zero fields take Elle's defaults.
type Config struct {
	Seed      uint64
	Txns      int
	Processes int // default 20
	Workload  Workload
	Behaviour Behaviour
	// ActiveKeys are in use at once (default 10), chosen with an
	// exponential distribution; a key retires after MaxWritesPerKey writes
	// (default 256) and a fresh key takes its place.
	ActiveKeys      int
	MaxWritesPerKey int
	MaxMops         int     // micro-ops per transaction, 1 to MaxMops (default 4)
	ReadFraction    float64 // of micro-ops (default 0.5)
	// Latency is the mean transaction latency in virtual ns (default 1e6).
	Latency int64
	// Lag bounds how late Serializable may serialize a transaction after
	// its invocation (default 20 latencies).
	Lag int64
	// AbortFraction of AbortedReads transactions report fail (default 0.05).
	AbortFraction float64
	// InfoFraction of transactions complete with info (outcome unknown);
	// each of those commits or not at random, and its process retires.
	InfoFraction float64
	// LossFraction of acknowledged writes LostAppends loses (default 0.1);
	// StaleFraction of reads StaleReads serves stale (default 0.2).
	LossFraction  float64
	StaleFraction float64
	// FinalReads ends the history with a read of every key, after every
	// other transaction completed (faults.go).
	FinalReads bool
}

func (c *Config) defaults() error {
	if c.Processes <= 0 {
		c.Processes = 20
	}
	if c.ActiveKeys <= 0 {
		c.ActiveKeys = 10
	}
	if c.MaxWritesPerKey <= 0 {
		c.MaxWritesPerKey = 256
	}
	if c.MaxMops <= 0 {
		c.MaxMops = 4
	}
	if c.ReadFraction == 0 {
		c.ReadFraction = 0.5
	}
	if c.Latency <= 0 {
		c.Latency = 1_000_000
	}
	if c.Lag <= 0 {
		c.Lag = 20 * c.Latency
	}
	if c.AbortFraction == 0 {
		c.AbortFraction = 0.05
	}
	if c.LossFraction == 0 {
		c.LossFraction = 0.1
	}
	if c.StaleFraction == 0 {
		c.StaleFraction = 0.2
	}
	if c.Workload == "" {
		c.Workload = ListAppend
	}
	if c.Workload != ListAppend && c.Workload != RWRegister {
		return fmt.Errorf("txnsim: unknown workload %q: expected %s or %s", c.Workload, ListAppend, RWRegister)
	}
	if c.Behaviour == "" {
		c.Behaviour = StrictSerializable
	}
	if !slices.Contains(Behaviours, c.Behaviour) {
		return fmt.Errorf("txnsim: unknown behaviour %q: expected one of %v", c.Behaviour, Behaviours)
	}
	return nil
}

// plannedTxn is a transaction before execution.
type plannedTxn struct {
	process  int
	invoke   int64
	complete int64
	commitAt int64 // when it takes effect, in commit order
	mops     []mop
	outcome  history.Type
	applied  bool // its writes took effect
}

type mop struct {
	write bool
	key   int
	val   int // for writes
}

// Generate produces the history described by c.
func Generate(c Config) (*history.History, error) {
	h, _, err := GenerateLabelled(c)
	return h, err
}

// Labels are facts about a generated history that the simulator knows and
// a checker has to discover.
type Labels struct {
	// RealtimeViolated: some transaction took effect before another that
	// had completed before it was even invoked. Only Serializable does this.
	RealtimeViolated bool
}

// GenerateLabelled produces the history described by c and its labels.
func GenerateLabelled(c Config) (*history.History, Labels, error) {
	if err := c.defaults(); err != nil {
		return nil, Labels{}, err
	}
	rng := rand.New(rand.NewPCG(c.Seed, c.Seed^0x9e3779b97f4a7c15))
	txns := plan(&c, rng)
	if c.FinalReads {
		txns = withFinalReads(&c, txns)
	}
	results := execute(&c, rng, txns)
	h, err := record(&c, txns, results)
	return h, Labels{RealtimeViolated: realtimeViolated(txns)}, err
}

// realtimeViolated sweeps transactions by invocation, keeping the latest
// effect time of those already completed: a transaction taking effect
// before that breaks real-time order.
func realtimeViolated(txns []plannedTxn) bool {
	byInvoke := make([]int, len(txns))
	byComplete := make([]int, len(txns))
	for i := range txns {
		byInvoke[i], byComplete[i] = i, i
	}
	sort.Slice(byInvoke, func(a, b int) bool { return txns[byInvoke[a]].invoke < txns[byInvoke[b]].invoke })
	sort.Slice(byComplete, func(a, b int) bool { return txns[byComplete[a]].complete < txns[byComplete[b]].complete })
	latest, j := int64(-1), 0
	for _, i := range byInvoke {
		t := &txns[i]
		for j < len(byComplete) && txns[byComplete[j]].complete < t.invoke {
			if d := &txns[byComplete[j]]; d.applied && d.commitAt > latest {
				latest = d.commitAt
			}
			j++
		}
		if t.applied && t.commitAt < latest {
			return true
		}
	}
	return false
}

// plan lays the transactions out in time and chooses their micro-ops.
func plan(c *Config, rng *rand.Rand) []plannedTxn {
	free := make([]int64, c.Processes)
	pid := make([]int, c.Processes)
	for i := range free {
		free[i] = rng.Int64N(c.Latency)
		pid[i] = i
	}
	slots := make([]int, c.ActiveKeys)
	for i := range slots {
		slots[i] = i
	}
	nextKey := c.ActiveKeys
	writes := map[int]int{}
	txns := make([]plannedTxn, 0, c.Txns)
	for len(txns) < c.Txns {
		w := 0
		for i := range free {
			if free[i] < free[w] {
				w = i
			}
		}
		d := 1 + int64(rng.ExpFloat64()*float64(c.Latency))
		t := plannedTxn{process: pid[w], invoke: free[w], complete: free[w] + d, outcome: history.OK}
		n := 1 + rng.IntN(c.MaxMops)
		t.mops = make([]mop, n)
		for j := range t.mops {
			s := 0
			for s < len(slots)-1 && rng.Float64() < 0.3 {
				s++ // slot i has probability about 0.7 * 0.3^i: exponential
			}
			k := slots[s]
			m := mop{key: k}
			if rng.Float64() >= c.ReadFraction {
				writes[k]++
				m.write, m.val = true, writes[k]
				if writes[k] >= c.MaxWritesPerKey {
					slots[s] = nextKey
					nextKey++
				}
			}
			t.mops[j] = m
		}
		if c.InfoFraction > 0 && rng.Float64() < c.InfoFraction {
			t.outcome = history.Info
			pid[w] += c.Processes
		}
		free[w] = t.complete + 1 + rng.Int64N(c.Latency/10+1)
		txns = append(txns, t)
	}
	return txns
}

var (
	kwAppend = any(history.Keyword("append"))
	kwW      = any(history.Keyword("w"))
	kwR      = any(history.Keyword("r"))
)

// record turns executed transactions into a history: invocations carry
// reads as nil, ok completions carry what was read, fail and info
// completions repeat the invocation.
func record(c *Config, txns []plannedTxn, results [][]any) (*history.History, error) {
	keys, vals := &boxes{}, &boxes{}
	wf := kwAppend
	if c.Workload == RWRegister {
		wf = kwW
	}
	type event struct {
		time int64
		txn  int32
		done bool
	}
	events := make([]event, 0, 2*len(txns))
	for i, t := range txns {
		events = append(events, event{t.invoke, int32(i), false}, event{t.complete, int32(i), true})
	}
	slices.SortFunc(events, func(a, b event) int {
		switch {
		case a.time < b.time:
			return -1
		case a.time > b.time:
			return 1
		}
		return int(a.txn - b.txn)
	})
	invokes := make([][]any, len(txns))
	ops := make([]history.Op, 0, len(events))
	for _, e := range events {
		t := &txns[e.txn]
		op := history.Op{Index: len(ops), Time: e.time, Process: t.process, F: "txn"}
		if !e.done {
			inv := make([]any, len(t.mops))
			for j, m := range t.mops {
				if m.write {
					inv[j] = []any{wf, keys.get(m.key), vals.get(m.val)}
				} else {
					inv[j] = []any{kwR, keys.get(m.key), nil}
				}
			}
			invokes[e.txn] = inv
			op.Type, op.Value = history.Invoke, inv
		} else {
			op.Type, op.Value = t.outcome, invokes[e.txn]
			if t.outcome == history.OK {
				done := make([]any, len(t.mops))
				for j, m := range t.mops {
					if m.write {
						done[j] = invokes[e.txn][j]
					} else {
						done[j] = []any{kwR, keys.get(m.key), results[e.txn][j]}
					}
				}
				op.Value = done
			}
		}
		ops = append(ops, op)
	}
	return history.New(ops)
}
