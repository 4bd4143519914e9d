// Package oracle decides by brute force whether a small transactional
// history can be explained under a consistency model: it searches every
// order in which the transactions could have taken effect (every version
// order of every key comes with it) and replays the writes, so its verdict
// rests on the models' definitions and on nothing the Elle checker infers.
// Tests hold the checker against it; it is test support, exponential in the
// number of transactions, and meant for histories of about ten.
//
// The models, over list-append ([:append k v], [:r k [v ...]]) or
// rw-register ([:w k v], [:r k v]) transactions whose keys start empty
// (nil):
//
//   - serializable: the committed transactions, and any of the info ones,
//     took effect one at a time in some order, and replaying their writes
//     in that order gives every committed read exactly what it returned (a
//     read also sees its own transaction's earlier writes). Failed
//     transactions never took effect; what a transaction that did not
//     commit read is unknown and constrains nothing.
//   - strong-session-serializable: that order also keeps each process's
//     committed transactions in the order the process ran them, and puts
//     an info transaction after its process's earlier ones.
//   - strict-serializable: the order also respects real time: a
//     transaction that completed ok before another was invoked comes first.
//     An info transaction never completed, so only its invocation bounds it.
//   - snapshot-isolation: each transaction takes a snapshot and later
//     commits, all in one sequence of events; its reads see the
//     transactions committed before its snapshot plus its own earlier
//     writes, and two transactions that write a common key never overlap
//     (the one committing second took its snapshot after the first
//     committed). This is Cerone and Gotsman's SI (atomic visibility,
//     snapshots that are prefixes of the commit order, no write conflict),
//     the definition Elle's snapshot-isolation is stated against.
//   - strong-session-snapshot-isolation and strong-snapshot-isolation: a
//     transaction's snapshot also includes its process's earlier committed
//     transactions, or every transaction that completed ok before it was
//     invoked.
//
// An info transaction whose writes no committed read shows can be left out
// of any explanation (leaving it out never breaks one), and is; one whose
// write some committed read shows must have taken effect.
package oracle

import (
	"fmt"
	"slices"
	"strings"

	"github.com/faultline/faultline/history"
)

// Model is a consistency model the oracle decides.
type Model string

const (
	Serializable                   Model = "serializable"
	StrongSessionSerializable      Model = "strong-session-serializable"
	StrictSerializable             Model = "strict-serializable"
	SnapshotIsolation              Model = "snapshot-isolation"
	StrongSessionSnapshotIsolation Model = "strong-session-snapshot-isolation"
	StrongSnapshotIsolation        Model = "strong-snapshot-isolation"
)

// Models lists every model the oracle decides, under the names Elle gives
// them.
var Models = []Model{Serializable, StrongSessionSerializable, StrictSerializable, SnapshotIsolation, StrongSessionSnapshotIsolation, StrongSnapshotIsolation}

// rules are what a model demands beyond a serial order of atomic
// transactions.
type rules struct {
	snapshots bool // transactions may read an older snapshot than they commit on (SI)
	session   bool // process order
	realtime  bool // real-time order
}

func (m Model) rules() (rules, error) {
	switch m {
	case Serializable:
		return rules{}, nil
	case StrongSessionSerializable:
		return rules{session: true}, nil
	case StrictSerializable:
		return rules{session: true, realtime: true}, nil
	case SnapshotIsolation:
		return rules{snapshots: true}, nil
	case StrongSessionSnapshotIsolation:
		return rules{snapshots: true, session: true}, nil
	case StrongSnapshotIsolation:
		return rules{snapshots: true, session: true, realtime: true}, nil
	}
	return rules{}, fmt.Errorf("oracle: unknown model %q: expected one of %v", m, Models)
}

// Workload is the shape of the transactions.
type Workload string

const (
	ListAppend Workload = "list-append"
	RWRegister Workload = "rw-register"
)

// Result is the oracle's verdict and, when the history is explainable, one
// execution that explains it.
type Result struct {
	Explainable bool
	// Steps is the explaining execution, in order. Under the serial models
	// every step is Atomic.
	Steps []Step
	// States counts the search states visited, for tests of the pruning.
	States int
}

// StepKind is what happens to a transaction at a step of an execution.
type StepKind uint8

const (
	Atomic   StepKind = iota // snapshot and commit at once
	Snapshot                 // the transaction reads its snapshot
	Commit                   // its writes take effect
)

// Step is one event of an explaining execution.
type Step struct {
	Txn  int // index into History.Txns
	Kind StepKind
}

func (s Step) String() string {
	return fmt.Sprintf("%s T%d", [...]string{"atomic", "snapshot", "commit"}[s.Kind], s.Txn)
}

// String renders the execution as "atomic T0, snapshot T2, ...".
func (r Result) String() string {
	if !r.Explainable {
		return "no execution explains the history"
	}
	parts := make([]string, len(r.Steps))
	for i, s := range r.Steps {
		parts[i] = s.String()
	}
	return strings.Join(parts, ", ")
}

// DefaultMaxStates bounds a search; Check fails beyond it rather than run
// for minutes.
const DefaultMaxStates = 2_000_000

// Check decides whether h is explainable under m.
func Check(h *history.History, w Workload, m Model) (Result, error) {
	p, err := Parse(h, w)
	if err != nil {
		return Result{}, err
	}
	return p.Check(m, DefaultMaxStates)
}

// AmbiguousVersionOrder reports whether some key has writes, by two or more
// transactions that must have taken effect, that no committed read shows.
// No checker that works from the dependency graph can know their order (no
// read reveals it), and while a serial order never depends on it, snapshot
// isolation can: two such transactions that also write-skew on other keys
// cannot both have committed without one seeing the other, whichever order
// they took. Elle's graph has no edge between them and judges such a
// history by the rest.
func (p *History) AmbiguousVersionOrder() bool {
	seen := map[int32]int{} // key -> transactions with unread writes
	for i, t := range p.Txns {
		if !p.kept(i) {
			continue
		}
		var keys []int32
		for _, m := range t.Mops {
			if m.Write && !p.observed[m.Key][m.Value] && !slices.Contains(keys, m.Key) {
				keys = append(keys, m.Key)
			}
		}
		for _, k := range keys {
			seen[k]++
			if seen[k] > 1 {
				return true
			}
		}
	}
	return false
}

// LostUpdate reports whether two committed transactions read the same
// version of a key (their first micro-op on it a read, returning the same
// value) and then both wrote it. No model from snapshot isolation up
// allows that, and Elle reports it apart from the dependency graph, so a
// checker must catch it even where AmbiguousVersionOrder leaves the graph
// blind.
func (p *History) LostUpdate() bool {
	type version struct {
		key  int32
		read string
	}
	seen := map[version]int{} // -> transactions that read it, then wrote
	for _, t := range p.Txns {
		if t.Status != history.OK {
			continue
		}
		var done []int32
		for j, m := range t.Mops {
			if slices.Contains(done, m.Key) {
				continue
			}
			done = append(done, m.Key)
			if m.Write || !slices.ContainsFunc(t.Mops[j:], func(n Mop) bool { return n.Write && n.Key == m.Key }) {
				continue
			}
			v := version{m.Key, fmt.Sprint(m.Read)}
			if seen[v]++; seen[v] > 1 {
				return true
			}
		}
	}
	return false
}
