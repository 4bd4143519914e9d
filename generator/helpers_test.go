package generator

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
)

// run simulates g with the given concurrency and seed 1, failing the test on
// an error.
func run(t *testing.T, g Generator, s Sim) *Simulation {
	t.Helper()
	sim, err := Simulate(g, s)
	if err != nil {
		t.Fatalf("simulate: %v", err)
	}
	return sim
}

// lines renders ops as "time process type f value", one string per op, the
// form the tests compare exactly.
func lines(ops []history.Op) []string {
	out := make([]string, len(ops))
	for i, op := range ops {
		out[i] = fmt.Sprintf("%v %s %s %s %s", time.Duration(op.Time), history.ProcessString(op.Process),
			op.Type, op.F, history.FormatEDN(op.Value))
	}
	return out
}

// invokes returns only the invocations of a history.
func invokes(ops []history.Op) []history.Op {
	var out []history.Op
	for _, op := range ops {
		if op.Type == history.Invoke {
			out = append(out, op)
		}
	}
	return out
}

// fs returns the f of each op.
func fs(ops []history.Op) []string {
	out := make([]string, len(ops))
	for i, op := range ops {
		out[i] = op.F
	}
	return out
}

func assertLines(t *testing.T, got []history.Op, want ...string) {
	t.Helper()
	if g := lines(got); !slices.Equal(g, want) {
		t.Fatalf("history:\n  %s\nwant:\n  %s", strings.Join(g, "\n  "), strings.Join(want, "\n  "))
	}
}

func assertFs(t *testing.T, got []history.Op, want ...string) {
	t.Helper()
	if g := fs(got); !slices.Equal(g, want) {
		t.Fatalf("fs %v, want %v", g, want)
	}
}

// read is the op most tests use.
func read() Generator { return Invoke("read", nil) }

// latencyByProcess completes client ops ok after the latency given for their
// thread (default 1ms), nemesis ops info at once.
func latencyByProcess(conc int, lat map[int]time.Duration) func(history.Op) (history.Op, time.Duration) {
	return func(op history.Op) (history.Op, time.Duration) {
		if op.Process == history.NemesisProcess {
			op.Type = history.Info
			return op, 0
		}
		op.Type = history.OK
		if d, ok := lat[op.Process%conc]; ok {
			return op, d
		}
		return op, time.Millisecond
	}
}

// fixed is a misbehaving generator for validation tests: it emits op as is,
// forever.
type fixed struct{ op history.Op }

func (f fixed) Op(*Context) (Result, Generator)       { return Result{Status: Emit, Op: f.op}, f }
func (f fixed) Update(*Context, history.Op) Generator { return f }

// stuck is pending forever.
type stuck struct{}

func (stuck) Op(*Context) (Result, Generator)       { return Result{Status: Pending}, stuck{} }
func (stuck) Update(*Context, history.Op) Generator { return stuck{} }
