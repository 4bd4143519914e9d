// Package model holds the sequential specifications that the linearizability
// checker (package linear) checks histories against: register, cas-register,
// mutex, set, unordered and FIFO queues, multi-register and a keyed KV map.
//
// A Model compiles the operations of one history into a Machine that steps
// integer-coded states. Values are interned to small integers when the
// Machine is built, so the search's hot loop compares and hashes uint64
// states and never boxes, allocates or calls history.Equal. Two states are
// the same model state exactly when their State numbers are equal; that is
// what lets the search memoise (linearized set, state) pairs.
//
// A read that returned nil means, by default, that the register was unset
// (nil): once written, a register cannot be read as nil again unless nil
// is written. Knossos instead lets a nil read match any state, and
// histories written for Knossos rely on that (a client that could not tell
// what it read records nil); Options.NilReadsMatchAny follows Knossos for
// the models with register reads (register, cas-register, multi-register's
// reads, kv). The price: a read that really saw a lost or torn state as nil
// passes.
//
// The package is pure: no I/O, no clocks.
package model

import (
	"fmt"
	"slices"
	"strings"

	"github.com/faultline/faultline/history"
)

// State is a model state, coded as a number by the Machine that produced it.
// Equal numbers mean equal states (the Machine interns whatever it needs).
type State uint64

// Op is one operation as a model sees it.
type Op struct {
	// Index is the op's :index in the history, for error messages.
	Index int
	// F says what the op does: read, write, cas, acquire, enqueue, ...
	F string
	// Value is the completion's value for an op that completed ok (falling
	// back to the invocation's when the completion carries none), and the
	// invocation's value for an op whose outcome is unknown.
	Value any
	// Known is true for an op that completed ok: Value holds what it
	// observed. It is false for an info or never-completed op: it may have
	// taken effect or not, and anything it would have observed is unknown.
	Known bool
}

// Model is a sequential specification.
type Model interface {
	// Name is the name the CLI knows the model by.
	Name() string
	// Build compiles ops (op i of the Machine is ops[i]) into a Machine. An
	// op the model cannot interpret is an error naming its index and what
	// was expected.
	Build(ops []Op) (Machine, error)
	// Inert reports whether op, when its outcome is unknown, can be left out
	// of the search: it would change no state and observe nothing (a read
	// whose result is unknown).
	Inert(op Op) bool
}

// Machine steps the compiled ops of one history (or one key of it).
type Machine interface {
	// Init is the initial state.
	Init() State
	// Step applies op to s. It returns the next state and whether the op is
	// allowed in s. Most ops have a single outcome, alternative 0. An op
	// whose effect is only partly known (an unacknowledged dequeue from an
	// unordered queue could have removed any element) has several: the
	// search calls Step with alt = 0, 1, ... for as long as more is true.
	// Step must be a pure function of (s, op, alt).
	Step(s State, op int, alt int) (next State, ok bool, more bool)
	// Show returns the state as an EDN-shaped value, for counterexamples.
	Show(s State) any
}

// Splitter is implemented by models over independent keys, such as the KV
// map: each op concerns one key, and a history is linearizable exactly when
// each key's sub-history is linearizable on its own (P-compositionality).
// The checker splits such histories and checks the keys in parallel.
type Splitter interface {
	// Split returns the key op concerns and the op as the per-key model
	// sees it.
	Split(op Op) (key any, inner Op, err error)
	// PerKey is the model of one key.
	PerKey() Model
}

// Names lists the models ByName knows, in the order the CLI lists them.
var Names = []string{"register", "cas-register", "mutex", "set", "unordered-queue", "fifo-queue", "multi-register", "kv"}

// NilReaders lists the models whose reads Options.NilReadsMatchAny concerns.
var NilReaders = []string{"register", "cas-register", "multi-register", "kv"}

// Options configure the models ByName builds.
type Options struct {
	// Initial is the initial value of the register-like models: register,
	// cas-register, kv's keys, and multi-register's registers (where a map
	// gives each register its own; see MultiRegister). The other models
	// start empty and refuse an Initial other than nil.
	Initial any
	// NilReadsMatchAny follows Knossos: an ok read that returned nil
	// matches any state, as if what it read were unknown. Histories
	// written for Knossos rely on it (a client that could not tell what it
	// read records nil). By default a read of nil is a read of an unset
	// register, which a register that was written can no longer return.
	// Only the models of NilReaders have such reads; the others refuse it.
	NilReadsMatchAny bool
}

// ByName returns the named model, configured by o.
func ByName(name string, o Options) (Model, error) {
	if o.NilReadsMatchAny && !slices.Contains(NilReaders, name) {
		return nil, fmt.Errorf("model %s has no register reads for nil to match (nil reads matching any state applies to %s)", name, strings.Join(NilReaders, ", "))
	}
	noInitial := func(m Model) (Model, error) {
		if o.Initial != nil {
			return nil, fmt.Errorf("model %s starts empty and takes no initial value (found %s)", name, history.FormatEDN(o.Initial))
		}
		return m, nil
	}
	switch name {
	case "register":
		return &register{name: "register", initial: o.Initial, nilAny: o.NilReadsMatchAny}, nil
	case "cas-register":
		return &register{name: "cas-register", initial: o.Initial, cas: true, nilAny: o.NilReadsMatchAny}, nil
	case "mutex":
		return noInitial(Mutex())
	case "set":
		return noInitial(Set())
	case "unordered-queue":
		return noInitial(UnorderedQueue())
	case "fifo-queue":
		return noInitial(FIFOQueue())
	case "multi-register":
		m := MultiRegister(o.Initial).(*multiRegister)
		m.nilAny = o.NilReadsMatchAny
		return m, nil
	case "kv":
		k := KV(o.Initial).(*kv)
		k.perKey.nilAny = o.NilReadsMatchAny
		return k, nil
	}
	return nil, fmt.Errorf("unknown model %q: expected one of %s", name, strings.Join(Names, ", "))
}

// opError is the error of an op a model cannot interpret.
func opError(op Op, model, expected string) error {
	return fmt.Errorf("op %d (%s %s): model %s expects %s", op.Index, op.F, history.FormatEDN(op.Value), model, expected)
}

// ReadOnly is implemented by machines that know which ops never change the
// state: op has a single alternative and, in every state s where it is
// allowed, Step returns s. The search uses it to linearize such ops as soon
// as they fit without ever trying another order.
type ReadOnly interface {
	ReadOnly(op int) bool
}
