package codec

import (
	"fmt"
	"math"

	"github.com/faultline/faultline/history"
)

// processes keeps histories well formed where the file breaks the rule that
// a process runs one op at a time, or names no process at all. The checkers
// rely on that rule (an op's completion is its process's next op, and a
// process's ops are in order), so the reader repairs, with a Warning, and
// never guesses an order the file does not show:
//
//   - A process that invokes again after an :info completion (older Jepsen,
//     the jepsen.log files of its 2017 etcd runs for instance, kept using the
//     process; but an :info op may still take effect later, so the process is
//     not free) continues under a fresh id, as today's Jepsen and Faultline
//     retire it.
//   - A process that invokes again while its op is still outstanding is taken
//     as a new process too: the new op runs under a fresh id, and the earlier
//     one is left uncompleted, which checkers treat as :info (it may or may
//     not have happened). The file's next completion for the process
//     completes the new op.
//   - An op without a process (or with :process nil; Elle's examples and
//     hand-written histories for checkers that need no process order, such as
//     long-fork and set) gets a process of its own, a fresh id, so that no
//     checker takes two such ops for one process's sequence. A completion
//     without a process therefore has no invocation: ReadAll takes it as
//     invoked at the start of the history (history.NewInvokingAtStart).
//   - An :invoke without a process is left out: nothing says which completion
//     is its own, and keeping it beside its completion would count the
//     operation twice (once as indeterminate, free to take effect at any
//     later time, which could explain a read the completed op cannot).
//
// A fresh id is the smallest id above every id seen so far that is not
// taken; a later op that uses a taken id as written is renamed too, so two
// incarnations never share an id. Nemesis ops are never renamed: the nemesis
// completes every op with :info.
type processes struct {
	// The state of each process as written: in a slice for the usual small
	// ids (this runs for every op, and a map lookup and store per op showed
	// in profiles), in a map for the rest.
	small   []procState
	large   map[int]procState
	used    map[int]bool // ids handed out
	maxSeen int
	made    [nRepairs]int // how many times each repair was made
}

// smallProcesses bounds the ids kept in the slice.
const smallProcesses = 1 << 16

type procState struct {
	seen        bool
	afterInfo   bool  // its last op was an :info completion
	outstanding bool  // its last op was an invoke
	invokeLine  int32 // the line of that invoke
	id          int   // the id the process has in the history now
}

// repair is one kind of repair processes makes.
type repair uint8

const (
	afterInfo        repair = iota // invoked again after :info: fresh id
	whileOutstanding               // invoked again before completing: fresh id
	noProcess                      // an op without a process: a process of its own
	noProcessInvoke                // an :invoke without a process: left out
	nRepairs
)

// firstWarning says what a repair did, the first time it is made in a file;
// summaryWarning counts them at the end when there were more.
var firstWarning = [nRepairs]string{
	afterInfo:        "process %d invokes again after an :info completion (older Jepsen did not retire processes); it continues as process %d, and so does every such process after it, with a fresh id",
	whileOutstanding: "process %d invokes again while its op on line %d is still outstanding; the new op runs as process %d and the earlier one is left uncompleted (it may or may not have happened); every such process after it is renamed the same way",
	noProcess:        "op has no process; it runs as process %d, a process of its own, so that no checker takes it and another op for one process's sequence; every op without a process gets a fresh one",
	noProcessInvoke:  "an :invoke without a process is left out: nothing says which completion is its own (its completion, if any, is kept as an op of its own); so is every :invoke without a process",
}

var summaryWarning = [nRepairs]string{
	afterInfo:        "%d processes in all invoked again after an :info completion and were given fresh ids",
	whileOutstanding: "%d processes in all invoked again while an op of theirs was outstanding and were given fresh ids",
	noProcess:        "%d ops in all had no process and were given processes of their own",
	noProcessInvoke:  "%d :invoke ops in all had no process and were left out",
}

func (p *processes) get(in int) procState {
	if in < smallProcesses {
		if in < len(p.small) {
			return p.small[in]
		}
		return procState{}
	}
	return p.large[in]
}

func (p *processes) put(in int, st procState) {
	if in >= smallProcesses {
		p.large[in] = st
		return
	}
	if in >= len(p.small) {
		p.small = append(p.small, make([]procState, in+1-len(p.small))...)
	}
	p.small[in] = st
}

// assign rewrites op.Process to its incarnation's id (hasProcess says
// whether the file named one). keep is false for an op to leave out. The
// warning is set for the first repair of each kind in a file.
func (p *processes) assign(op *history.Op, hasProcess bool, file string, line int) (keep bool, w *Warning) {
	if hasProcess && op.Process == history.NemesisProcess {
		return true, nil
	}
	if p.used == nil {
		p.large, p.used, p.maxSeen = make(map[int]procState), make(map[int]bool), -1
	}
	if !hasProcess {
		if op.Type == history.Invoke {
			return false, p.made1(noProcessInvoke, file, line)
		}
		op.Process = p.fresh()
		return true, p.made1(noProcess, file, line, op.Process)
	}
	in := op.Process
	p.maxSeen = max(p.maxSeen, in)
	st := p.get(in)
	switch {
	case !st.seen:
		st.seen = true
		st.id = in
		if p.used[in] {
			st.id = p.fresh()
		}
		p.used[st.id] = true
	case op.Type == history.Invoke && st.afterInfo:
		old := st.id
		st.id = p.fresh()
		w = p.made1(afterInfo, file, line, old, st.id)
	case op.Type == history.Invoke && st.outstanding:
		old := st.id
		st.id = p.fresh()
		w = p.made1(whileOutstanding, file, line, old, st.invokeLine, st.id)
	}
	st.afterInfo = op.Type == history.Info
	st.outstanding = op.Type == history.Invoke
	if st.outstanding {
		st.invokeLine = int32(min(line, math.MaxInt32))
	}
	p.put(in, st)
	op.Process = st.id
	return true, w
}

// made1 counts one repair and returns its warning if it is the first of its
// kind.
func (p *processes) made1(r repair, file string, line int, args ...any) *Warning {
	p.made[r]++
	if p.made[r] > 1 {
		return nil
	}
	return &Warning{File: file, Line: line, Col: 1, Msg: fmt.Sprintf(firstWarning[r], args...)}
}

func (p *processes) fresh() int {
	id := p.maxSeen + 1
	for p.used[id] {
		id++
	}
	p.used[id] = true
	p.maxSeen = id
	return id
}

// summary is the end-of-file warnings counting repairs beyond the first of
// each kind.
func (p *processes) summary(file string) []Warning {
	var out []Warning
	for r, n := range p.made {
		if n > 1 {
			out = append(out, Warning{File: file, Msg: fmt.Sprintf(summaryWarning[r], n)})
		}
	}
	return out
}

// dropped is the number of ops left out.
func (p *processes) dropped() int { return p.made[noProcessInvoke] }
