package client

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/faultline/faultline/history"
)

// scripted is a client whose Invoke does what its function says.
type scripted struct {
	invoke func(op history.Op) (history.Op, error)
}

func (s scripted) Open(context.Context, string) (Client, error) { return s, nil }
func (scripted) Setup(context.Context) error                    { return nil }
func (s scripted) Invoke(_ context.Context, op history.Op) (history.Op, error) {
	return s.invoke(op)
}
func (scripted) Teardown(context.Context) error { return nil }
func (scripted) Close(context.Context) error    { return nil }

func TestCallEnforcesTheCompletionContract(t *testing.T) {
	read := history.Op{Type: history.Invoke, Process: 3, F: "read"}
	cases := []struct {
		name       string
		invoke     func(op history.Op) (history.Op, error)
		wantType   history.Type
		wantRetire bool
		violation  string // substring of the violation, "" for none
		errorHas   string // substring of the recorded error, "" for none
	}{
		{"ok is kept", func(op history.Op) (history.Op, error) { op.Type = history.OK; op.Value = int64(4); return op, nil }, history.OK, false, "", ""},
		{"fail is kept", func(op history.Op) (history.Op, error) { op.Type = history.Fail; return op, nil }, history.Fail, false, "", ""},
		{"info retires", func(op history.Op) (history.Op, error) { op.Type = history.Info; return op, nil }, history.Info, true, "", ""},
		{"error becomes info", func(op history.Op) (history.Op, error) { return op, errors.New("connection reset") }, history.Info, true, "", "connection reset"},
		{"panic becomes info", func(op history.Op) (history.Op, error) { panic("boom") }, history.Info, true, "", "client panicked: boom"},
		{"other process", func(op history.Op) (history.Op, error) { op.Type = history.OK; op.Process = 4; return op, nil }, history.Info, true, "names process 4", "names process 4"},
		{"other f", func(op history.Op) (history.Op, error) { op.Type = history.OK; op.F = "write"; return op, nil }, history.Info, true, `has f "write"`, `has f "write"`},
		{"invoke is not a completion", func(op history.Op) (history.Op, error) { return op, nil }, history.Info, true, "has type invoke", "has type invoke"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := Call(context.Background(), scripted{c.invoke}, read)
			if out.Completion.Type != c.wantType || out.Retire != c.wantRetire {
				t.Fatalf("got type %s retire %v, want %s %v", out.Completion.Type, out.Retire, c.wantType, c.wantRetire)
			}
			if out.Completion.Process != 3 || out.Completion.F != "read" {
				t.Fatalf("completion %v lost the invoke's process or f", out.Completion)
			}
			if (out.Violation != nil) != (c.violation != "") || (out.Violation != nil && !strings.Contains(out.Violation.Error(), c.violation)) {
				t.Fatalf("violation %v, want one containing %q", out.Violation, c.violation)
			}
			msg, _ := out.Completion.Error.(string)
			if c.errorHas == "" && out.Completion.Error != nil || !strings.Contains(msg, c.errorHas) {
				t.Fatalf("recorded error %v, want one containing %q", out.Completion.Error, c.errorHas)
			}
		})
	}
}
