package linear

import (
	"fmt"

	"github.com/faultline/faultline/checker/linear/model"
)

// outcome is what a search of one partition found.
type outcome struct {
	verdict verdict
	reason  string // why the search gave up, for an unknown verdict
	// For an invalid verdict: the furthest point any linearization reached.
	prefix  []linStep     // that linearization, in order
	blocked int32         // the op whose completion it could not get past
	states  []model.State // the states possible just before that op
}

type verdict uint8

const (
	valid verdict = iota
	invalid
	unknown
)

// linStep is one op of a linearization, with the alternative that took it.
type linStep struct {
	op, alt int32
}

// frame is one entry of the undo stack: a call entry that was lifted, the
// state before it, and which alternative of its step was taken.
type frame struct {
	entry  int32
	alt    int32
	more   bool
	commit bool  // the op was read-only: if what follows fails, so does what precedes
	phase  uint8 // the scan phase the op was taken in
	node   int32
	state  model.State
}

// Scan phases: at each point the search tries the candidates in two passes
// over the entry list: read-only ops first (taking one that fits never
// needs undoing in favour of another op), then all the others. (Trying info
// ops in a third, last pass looks tempting, since they are rarely needed
// early, but measured far slower: a missing info write is found late.)
const (
	phaseRead uint8 = iota
	phaseOther
)

// lnode is a node of the tree of linearizations the search has built: an op
// and its predecessor. A frame's node names the whole linearization up to
// it, so the furthest one can be kept without copying the stack.
type lnode struct {
	op, alt, parent int32
}

// budget bounds a search: it stops when stop reports true (checked every
// few thousand steps) or its memo outgrows maxBytes.
type budget struct {
	stop     func() (string, bool)
	maxBytes int64 // this search's share of total
	total    int64 // the memory budget of all searches at once, for messages
}

// search decides whether part is linearizable under machine, by the
// Wing-Gong search with Lowe's improvements: the history is a doubly linked
// list of call and return entries; linearizing an op lifts its call and
// return out of the list, and an undo stack puts them back on backtracking;
// the set of (linearized ops, state) configurations already explored is
// memoised, the linearized set kept compact (see linset) with an
// incremental (Zobrist) hash. An op with no return entry (info) never blocks
// the search, so it may be linearized at any point after its call, or never.
//
// Three prunings keep the search small, each sound because whatever a
// pruned branch could do a kept one can do too: read-only ops are tried
// first and, once one fits, no other order is tried at that point (a read
// that fits can go first in any linearization from there); identical info
// ops are linearized in invocation order only; and the memo treats a
// configuration as explored when one with the same ok ops and state but
// fewer info ops was (see memo).
func search(part *partition, mach model.Machine, b budget, sc *scratch) outcome {
	n := len(part.ops)
	if part.oks == 0 {
		return outcome{verdict: valid}
	}
	// Entries: 0 is the head, 1..len(events) the events, tail a sentinel
	// return entry that is never reached while an ok op is left.
	ne := len(part.events) + 2
	tail := int32(ne - 1)
	next := take(&sc.next, ne)
	prev := take(&sc.prev, ne)
	entOp := take(&sc.entOp, ne)
	match := take(&sc.match, ne) // call: its return entry or -1; return: -2
	callEntry := take(&sc.callEntry, n)
	for i := range next {
		next[i], prev[i] = int32(i+1), int32(i-1)
		match[i] = -2
	}
	next[tail] = tail
	for e, ev := range part.events {
		entry := int32(e + 1)
		entOp[entry] = ev.op
		if ev.ret {
			match[callEntry[ev.op]] = entry
		} else {
			callEntry[ev.op] = entry
			match[entry] = -1
		}
	}
	phase := take(&sc.phase, n)
	ro, _ := mach.(model.ReadOnly)
	for i, op := range part.ops {
		phase[i] = phaseOther
		if op.Known && ro != nil && ro.ReadOnly(i) {
			phase[i] = phaseRead
		}
	}
	// Skip the read-only pass when there are no read-only ops.
	firstPhase := phaseOther
	for _, p := range phase {
		if p == phaseRead {
			firstPhase = phaseRead
			break
		}
	}
	twin := sc.infoTwins(part.ops)
	set := newLinset(part, sc)
	cache := sc.newMemo(1+set.window, len(set.info), n)
	var (
		stack     = sc.stack[:0]
		nodes     = sc.nodes[:0]
		top       = int32(-1)
		state     = mach.Init()
		remaining = part.oks
		entry     = next[0]
		alt       int32
		scan      = firstPhase
		steps     uint32
		// the furthest point reached: the position of the return entry
		// that stopped the search there.
		bestPos    = int32(-1)
		bestNode   int32
		bestOp     int32
		bestStates []model.State
	)
	defer func() { sc.stack, sc.nodes = stack[:0], nodes[:0] }() // keep grown buffers
	for remaining > 0 {
		steps++
		if steps&4095 == 0 {
			if why, stop := b.stop(); stop {
				return outcome{verdict: unknown, reason: why}
			}
			if b.maxBytes > 0 && cache.bytes()+int64(len(nodes))*12 > b.maxBytes {
				return outcome{verdict: unknown, reason: fmt.Sprintf("memory budget of %.1f MiB exhausted", float64(b.total)/(1<<20))}
			}
		}
		if m := match[entry]; m != -2 { // a call entry: try to linearize it now
			op := entOp[entry]
			if phase[op] != scan || (twin[op] >= 0 && !set.has(twin[op])) {
				entry = next[entry]
				continue
			}
			ns, ok, more := mach.Step(state, int(op), int(alt))
			if ok {
				set.add(op)
				if cache.insert(set.hash, ns, set.encode()) {
					nodes = append(nodes, lnode{op: op, alt: alt, parent: top})
					top = int32(len(nodes) - 1)
					stack = append(stack, frame{entry: entry, alt: alt, more: more, commit: scan == phaseRead, phase: scan, node: top, state: state})
					state = ns
					// lift the call and its return out of the list
					next[prev[entry]], prev[next[entry]] = next[entry], prev[entry]
					if m >= 0 {
						next[prev[m]], prev[next[m]] = next[m], prev[m]
						remaining--
					}
					entry, alt, scan = next[0], 0, firstPhase
					continue
				}
				set.remove(op)
			}
			if more {
				alt++
			} else {
				entry, alt = next[entry], 0
			}
			continue
		}
		if entry == tail {
			panic("linear: search reached the end of the entry list with ok ops left")
		}
		if scan == phaseRead { // the next pass over the candidates
			entry, scan = next[0], phaseOther
			continue
		}
		// A return entry: its op had to be linearized by now. Note how far
		// this linearization got, then backtrack.
		if pos := part.refs[entOp[entry]].complete; pos > bestPos {
			bestPos, bestNode, bestOp = pos, top, entOp[entry]
			bestStates = append(bestStates[:0], state)
		} else if pos == bestPos && len(bestStates) < maxStates && !containsState(bestStates, state) {
			bestStates = append(bestStates, state)
		}
		for {
			if len(stack) == 0 {
				return outcome{verdict: invalid, prefix: linearization(nodes, bestNode), blocked: bestOp, states: bestStates}
			}
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			set.remove(entOp[f.entry])
			state = f.state
			top = nodes[f.node].parent
			// unlift: the return first, then the call (the reverse of lift)
			if m := match[f.entry]; m >= 0 {
				next[prev[m]], prev[next[m]] = m, m
				remaining++
			}
			next[prev[f.entry]], prev[next[f.entry]] = f.entry, f.entry
			if f.commit {
				// A read-only op that fits can go first in any
				// linearization from here, so nothing else from here
				// can succeed either: keep backtracking.
				continue
			}
			scan = f.phase
			if f.more {
				entry, alt = f.entry, f.alt+1
			} else {
				entry, alt = next[f.entry], 0
			}
			break
		}
	}
	return outcome{verdict: valid}
}

// maxStates caps how many distinct states a counterexample lists.
const maxStates = 8

func containsState(ss []model.State, s model.State) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// linearization walks the tree of linearizations back from node.
func linearization(nodes []lnode, node int32) []linStep {
	var out []linStep
	for ; node >= 0; node = nodes[node].parent {
		out = append(out, linStep{op: nodes[node].op, alt: nodes[node].alt})
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}
