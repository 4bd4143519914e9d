package linear

import (
	"fmt"
	"strings"

	"github.com/faultline/faultline/checker/linear/model"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/internal/plural"
)

// Counterexample explains why a history (or one key of it) is not
// linearizable: the linearization that got furthest through the history, the
// operation it could not get past, and the model states it could be in just
// before that operation. In none of those states does the model accept the
// blocked operation, and no other order of the concurrent operations did
// better.
type Counterexample struct {
	Model string `json:"model"`
	// Key is the key whose sub-history is not linearizable, when the model
	// splits by key (Keyed).
	Key   any  `json:"key,omitempty"`
	Keyed bool `json:"keyed,omitempty"`
	// PrefixLength is the length of the longest linearizable prefix found;
	// Prefix holds its last steps (at most PrefixTail), each with the state
	// after it, and Start the state before Prefix[0].
	PrefixLength int    `json:"prefix-length"`
	Start        any    `json:"start"`
	Prefix       []Step `json:"prefix"`
	// Blocked are the operations that cannot be placed: they completed ok,
	// so they had to be linearized before their completion, but no
	// linearization could take them.
	Blocked []Operation `json:"blocked"`
	// States are the model states possible just before Blocked (at most 8).
	States []any `json:"states"`
	// Concurrent are the other operations that overlap the blocked one and
	// are not in the prefix (at most PrefixTail): the candidates that were
	// tried in every order.
	Concurrent []Operation `json:"concurrent,omitempty"`
}

// PrefixTail bounds the steps and concurrent ops a Counterexample lists.
const PrefixTail = 32

// Step is one operation of a linearization and the state after it.
type Step struct {
	Op    Operation `json:"op"`
	State any       `json:"state"`
}

// Operation is an operation as a counterexample shows it: where it is in the
// history (Invoke and Complete are positions in the History, Complete -1 if
// it never completed), who ran it, and what it did.
type Operation struct {
	Index         int    `json:"index"`
	CompleteIndex int    `json:"complete-index"`
	Invoke        int    `json:"invoke"`
	Complete      int    `json:"complete"`
	InvokeTime    int64  `json:"invoke-time"`
	CompleteTime  int64  `json:"complete-time"`
	Process       int    `json:"process"`
	F             string `json:"f"`
	Value         any    `json:"value"`
	// Outcome is ok, or info for an op whose outcome is unknown.
	Outcome string `json:"outcome"`
}

// String renders the op as "op 12 (process 3: cas [1 2], ok)".
func (o Operation) String() string {
	return fmt.Sprintf("op %d (process %s: %s %s, %s)", o.Index, history.ProcessString(o.Process), o.F, history.FormatEDN(o.Value), o.Outcome)
}

// Summary is a one-line account, for the verdict line.
func (c *Counterexample) Summary() string {
	var b strings.Builder
	if c.Keyed {
		fmt.Fprintf(&b, "key %s: ", history.FormatEDN(c.Key))
	}
	for i, o := range c.Blocked {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(o.String())
	}
	states := make([]string, len(c.States))
	for i, s := range c.States {
		states[i] = history.FormatEDN(s)
	}
	fmt.Fprintf(&b, " cannot be linearized after %s; %s %s just before: %s", plural.Count(c.PrefixLength, "op"), c.Model, plural.Noun(len(states), "state"), strings.Join(states, ", "))
	return b.String()
}

func operationOf(h *history.History, part *partition, op int32) Operation {
	r := part.refs[op]
	inv := h.At(int(r.invoke))
	mop := part.ops[op]
	o := Operation{
		Index: inv.Index, CompleteIndex: -1, Invoke: int(r.invoke), Complete: int(r.complete),
		InvokeTime: inv.Time, CompleteTime: -1, Process: inv.Process, F: mop.F, Value: mop.Value, Outcome: "info",
	}
	if mop.Known {
		o.Outcome = "ok"
	}
	if r.complete >= 0 {
		c := h.At(int(r.complete))
		o.CompleteIndex, o.CompleteTime = c.Index, c.Time
	}
	return o
}

func buildCounterexample(h *history.History, part *partition, mach model.Machine, o outcome, keyed bool, name string) *Counterexample {
	c := &Counterexample{Model: name, Key: part.key, Keyed: keyed, PrefixLength: len(o.prefix)}
	// Replay the prefix to recover the state after each step.
	s := mach.Init()
	from := max(0, len(o.prefix)-PrefixTail)
	inPrefix := make(map[int32]bool, len(o.prefix))
	for i, st := range o.prefix {
		inPrefix[st.op] = true
		if i == from {
			c.Start = mach.Show(s)
		}
		s, _, _ = mach.Step(s, int(st.op), int(st.alt))
		if i >= from {
			c.Prefix = append(c.Prefix, Step{Op: operationOf(h, part, st.op), State: mach.Show(s)})
		}
	}
	if len(o.prefix) == 0 {
		c.Start = mach.Show(s)
	}
	blocked := operationOf(h, part, o.blocked)
	c.Blocked = []Operation{blocked}
	for _, st := range o.states {
		c.States = append(c.States, mach.Show(st))
	}
	for i := range part.ops {
		r := part.refs[i]
		overlaps := int(r.invoke) < blocked.Complete && (r.complete < 0 || int(r.complete) > blocked.Invoke)
		if int32(i) != o.blocked && overlaps && !inPrefix[int32(i)] && len(c.Concurrent) < PrefixTail {
			c.Concurrent = append(c.Concurrent, operationOf(h, part, int32(i)))
		}
	}
	return c
}
