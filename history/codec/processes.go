package codec

import (
	"fmt"

	"github.com/faultline/faultline/history"
)

// processes keeps histories well formed when a process invokes again after an
// :info completion. Older Jepsen (the jepsen.log files of its 2017 etcd runs,
// for instance) kept using a process after an :info; but an :info op may
// still take effect later, so the process is not free, and the checkers
// assume a process runs one op at a time. So such a process continues under
// a fresh id, as today's Jepsen and Faultline retire it: the smallest id
// above every id seen so far that is not taken. A later op that uses a taken
// id as written is renamed too, so two incarnations never share an id.
// Nemesis ops are never renamed: the nemesis completes every op with :info.
type processes struct {
	// The state of each process as written: in a slice for the usual small
	// ids (this runs for every op, and a map lookup and store per op showed
	// in profiles), in a map for the rest.
	small   []procState
	large   map[int]procState
	used    map[int]bool // ids handed out
	maxSeen int
	renames int
}

// smallProcesses bounds the ids kept in the slice.
const smallProcesses = 1 << 16

type procState struct {
	seen      bool
	id        int  // the id the process has in the history now
	afterInfo bool // its last op was an :info completion
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

// assign rewrites op.Process to its incarnation's id. It returns a warning
// for the first rename of a file.
func (p *processes) assign(op *history.Op, file string, line int) (Warning, bool) {
	if op.Process == history.NemesisProcess {
		return Warning{}, false
	}
	if p.used == nil {
		p.large, p.used, p.maxSeen = make(map[int]procState), make(map[int]bool), -1
	}
	in := op.Process
	p.maxSeen = max(p.maxSeen, in)
	st := p.get(in)
	var w Warning
	renamed := false
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
		p.renames++
		if p.renames == 1 {
			renamed = true
			w = Warning{File: file, Line: line, Col: 1, Msg: fmt.Sprintf("process %d invokes again after an :info completion (older Jepsen did not retire processes); it continues as process %d, and so does every such process after it, with a fresh id", old, st.id)}
		}
	}
	st.afterInfo = op.Type == history.Info
	p.put(in, st)
	op.Process = st.id
	return w, renamed
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

// summary is the end-of-file warning counting renames beyond the first.
func (p *processes) summary(file string) []Warning {
	if p.renames <= 1 {
		return nil
	}
	return []Warning{{File: file, Msg: fmt.Sprintf("%d processes in all invoked again after an :info completion and were given fresh ids", p.renames)}}
}
