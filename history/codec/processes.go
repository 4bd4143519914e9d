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
	state   map[int]procState // process as written -> its current incarnation
	used    map[int]bool      // ids handed out
	maxSeen int
	renames int
}

type procState struct {
	id        int  // the id the process has in the history now
	afterInfo bool // its last op was an :info completion
}

// assign rewrites op.Process to its incarnation's id. It returns a warning
// for the first rename of a file.
func (p *processes) assign(op *history.Op, file string, line int) (Warning, bool) {
	if op.Process == history.NemesisProcess {
		return Warning{}, false
	}
	if p.state == nil {
		p.state, p.used, p.maxSeen = make(map[int]procState), make(map[int]bool), -1
	}
	in := op.Process
	p.maxSeen = max(p.maxSeen, in)
	st, seen := p.state[in]
	var w Warning
	renamed := false
	switch {
	case !seen:
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
	p.state[in] = st
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
