// Package unhandled gathers the errors clients did not handle: ops carrying
// an :exception field, which Jepsen's interpreter (and Faultline's, for a
// client that panics or returns an error it did not classify) records when an
// operation blew up instead of completing as ok, fail or info on purpose.
// They are grouped by class, most frequent first, with one example each.
//
// It proves nothing about the system under test: the result is always
// valid, as in Jepsen. It exists to point at client code that needs an error
// mapped to fail or info.
//
// Streaming: Checker is a checker.Streamer holding one group per class of
// error.
package unhandled

import (
	"fmt"
	"io"
	"sort"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/verdict"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/internal/plural"
)

// Field is the op field that carries an unhandled exception.
const Field = "exception"

// Group is one class of exception.
type Group struct {
	Class   string `json:"class"`
	Count   int    `json:"count"`
	Example int    `json:"example"` // index of the first op that carried it
	Message string `json:"message,omitempty"`
}

// Details lists the classes, most frequent first.
type Details struct {
	Exceptions []Group `json:"exceptions,omitempty"`
}

// Explain lists the classes.
func (d *Details) Explain(w io.Writer) {
	if len(d.Exceptions) == 0 {
		fmt.Fprintln(w, "no unhandled errors")
	}
	for _, g := range d.Exceptions {
		fmt.Fprintf(w, "%dx %s (first at op %d): %s\n", g.Count, g.Class, g.Example, g.Message)
	}
}

// Checker returns the unhandled-errors checker. It streams
// (checker.Streamer), holding one group per class of error.
func Checker() checker.Streamer {
	return checker.Streamed(func() checker.Stream { return &stream{groups: make(map[string]*Group)} })
}

// stream is the unhandled-errors checker fed op by op.
type stream struct{ groups map[string]*Group }

func (s *stream) Add(e checker.Event) {
	op := e.Op
	ex, ok := op.Get(Field)
	if !ok || ex == nil || op.Type == history.Invoke {
		return
	}
	class, msg := describe(ex)
	g := s.groups[class]
	if g == nil {
		g = &Group{Class: class, Example: op.Index, Message: msg}
		s.groups[class] = g
	}
	g.Count++
}

func (s *stream) Result() checker.Result {
	d := &Details{}
	for _, g := range s.groups {
		d.Exceptions = append(d.Exceptions, *g)
	}
	sort.Slice(d.Exceptions, func(i, j int) bool {
		a, b := d.Exceptions[i], d.Exceptions[j]
		return a.Count > b.Count || (a.Count == b.Count && a.Class < b.Class)
	})
	res := checker.Result{Valid: checker.Valid, Details: d}
	if len(d.Exceptions) > 0 {
		res.Summary = fmt.Sprintf("%s of unhandled error; most frequent: %s x%d", plural.Count(len(d.Exceptions), "class"), d.Exceptions[0].Class, d.Exceptions[0].Count)
	}
	return res
}

// describe finds an exception's class and message: Jepsen's shape is
// {:via [{:type C :message M} ...] ...}; a map with :type / :message or a
// bare string also works.
func describe(ex any) (class, msg string) {
	m, ok := ex.(history.Map)
	if !ok {
		s, isText := history.AsString(ex)
		if isText {
			return s, ""
		}
		return verdict.EDN(ex), ""
	}
	if via, ok := m.Get(history.Keyword("via")); ok {
		if xs, ok := history.AsSlice(via); ok && len(xs) > 0 {
			if first, ok := xs[0].(history.Map); ok {
				m = first
			}
		}
	}
	t, _ := m.Get(history.Keyword("type"))
	mv, _ := m.Get(history.Keyword("message"))
	class, ok = history.AsString(t)
	if !ok {
		class = verdict.EDN(t)
	}
	msg, _ = history.AsString(mv)
	return class, msg
}
