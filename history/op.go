// Package history holds the operations a test records and the rules that give
// them meaning: an invoke starts an operation and the same process's next op
// completes it as ok (it happened), fail (it certainly did not) or info (unknown:
// it may take effect at any time after its invocation, or never). Checkers,
// codecs, the runner and the reports all speak in these types.
//
// A History is immutable once built, so any number of goroutines may read
// one at once (checker.Compose runs its checkers in parallel on one). Its
// methods hand out copies, never its slice: At(i) and the All loop give each
// Op by value, Operations yields invocations and completions by value, and
// Ops copies the whole slice. A copy of an op is 13 words, what ranging over
// a slice of ops by value costs; on the largest check measured (a million
// Elle transactions) it adds about 2% to the instructions of the analysis
// and nothing visible to its time, so no faster, mutable view is offered.
// Op's methods take a pointer so that calling one on such a copy copies
// nothing more; a hot loop's helpers should take *Op of the loop's copy for
// the same reason.
//
// What a copy does not copy is the data an op points to: Value, Error and
// the Extra fields are shared between the copies and the History. They are
// EDN data that nothing in Faultline changes once an op is recorded, and no
// caller may; Op.Set gives an op a new Extra rather than write into the
// shared one.
//
// The package is pure: no I/O, no clocks. Codecs live in sub-packages.
package history

import (
	"fmt"
	"strconv"
)

// Type says what an Op is: the start of an operation or one of its three
// possible completions. Sleep and Log are control ops that generators hand to
// workers; they are performed, never recorded.
type Type uint8

const (
	Invoke Type = iota // an operation begins
	OK                 // it completed and took effect
	Fail               // it completed and certainly did not take effect
	Info               // its outcome is unknown
	Sleep              // a worker pauses for Value (nanoseconds); never recorded
	Log                // a worker logs Value; never recorded
)

var typeNames = [...]string{"invoke", "ok", "fail", "info", "sleep", "log"}

// String returns the name Jepsen uses for the type, without the colon.
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "type(" + strconv.Itoa(int(t)) + ")"
}

// ParseType turns "invoke", "ok", "fail" or "info" (with or without a leading
// colon) into a Type.
func ParseType(s string) (Type, error) {
	if len(s) > 0 && s[0] == ':' {
		s = s[1:]
	}
	for i, n := range typeNames {
		if n == s {
			return Type(i), nil
		}
	}
	return 0, fmt.Errorf("unknown op type %q: expected invoke, ok, fail or info", s)
}

// IsCompletion reports whether t ends an operation.
func (t Type) IsCompletion() bool { return t == OK || t == Fail || t == Info }

// NemesisProcess is the process of operations performed by the nemesis
// (Jepsen writes it as :process :nemesis).
const NemesisProcess = -1

// Op is one event of a history. Index is the op's position in the history and
// Time the nanoseconds since the test started. F names what the operation does
// (read, write, cas, txn, ...); it is "" for an op that had no :f (Elle's
// histories often leave it out: a transaction is known by its value). Value and Error hold EDN-shaped data (see
// value.go). Extra keeps any other fields a history carried, in order, so that
// reading and writing a Jepsen history loses nothing.
type Op struct {
	Index   int
	Time    int64
	Type    Type
	Process int
	F       string
	Value   any
	Error   any
	Extra   []Field
}

// Field is an extra named field of an op, such as :node or :start-ts.
type Field struct {
	Name  string
	Value any
}

// IsNemesis reports whether the op was performed by the nemesis.
func (o *Op) IsNemesis() bool { return o.Process == NemesisProcess }

// IsClient reports whether the op was performed by a client process.
func (o *Op) IsClient() bool { return o.Process != NemesisProcess }

// Get returns the extra field with the given name.
func (o *Op) Get(name string) (any, bool) {
	for _, f := range o.Extra {
		if f.Name == name {
			return f.Value, true
		}
	}
	return nil, false
}

// Set sets (or adds) an extra field. It gives the op a new Extra instead of
// writing into the one it has, which copies of the op (a History's, for one)
// share.
func (o *Op) Set(name string, v any) {
	extra := make([]Field, len(o.Extra), len(o.Extra)+1)
	copy(extra, o.Extra)
	for i := range extra {
		if extra[i].Name == name {
			extra[i].Value = v
			o.Extra = extra
			return
		}
	}
	o.Extra = append(extra, Field{Name: name, Value: v})
}

// ProcessString renders the process as Jepsen does: a number or "nemesis".
func ProcessString(p int) string {
	if p == NemesisProcess {
		return "nemesis"
	}
	return strconv.Itoa(p)
}

// String renders the op as one EDN map, the form Jepsen prints.
func (o Op) String() string {
	var b []byte
	b = append(b, "{:index "...)
	b = strconv.AppendInt(b, int64(o.Index), 10)
	b = append(b, ", :time "...)
	b = strconv.AppendInt(b, o.Time, 10)
	b = append(b, ", :type :"...)
	b = append(b, o.Type.String()...)
	b = append(b, ", :process "...)
	if o.Process == NemesisProcess {
		b = append(b, ":nemesis"...)
	} else {
		b = strconv.AppendInt(b, int64(o.Process), 10)
	}
	if o.F != "" { // an op without :f, as Elle's examples have them
		b = append(b, ", :f "...)
		b = AppendEDN(b, Keyword(o.F))
	}
	b = append(b, ", :value "...)
	b = AppendEDN(b, o.Value)
	if o.Error != nil {
		b = append(b, ", :error "...)
		b = AppendEDN(b, o.Error)
	}
	for _, f := range o.Extra {
		b = append(b, ", "...)
		b = AppendEDN(b, Keyword(f.Name))
		b = append(b, ' ')
		b = AppendEDN(b, f.Value)
	}
	b = append(b, '}')
	return string(b)
}
