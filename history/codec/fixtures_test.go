package codec

import (
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
)

// The fixtures in testdata/histories are made here, not typed by hand:
//
//	go test ./history/codec -run TestFixtures -update
//
// rewrites them; without -update the test checks that the committed files are
// exactly what the generator makes and that every format of a fixture reads
// back as the same history.
var update = flag.Bool("update", false, "rewrite the fixtures in testdata/histories")

const fixtureDir = "../../testdata/histories"

// casRegisterSim simulates clients of a linearizable compare-and-set
// register: each operation takes effect atomically at a random moment between
// its invocation and its completion, so the history it records is
// linearizable by construction. Some operations time out and complete with
// :info (taking effect or not), after which the process is retired and the
// thread continues as process+concurrency, as Jepsen does. A nemesis
// partitions and heals the cluster now and then.
type casRegisterSim struct {
	rng         *rand.Rand
	concurrency int
	register    any // nil until the first write
	now         int64
	ops         []history.Op
	// setters[v] lists, for each value, the positions of the invocations of
	// ops that may have set the register to v, and whether each certainly
	// completed (ok) or may still take effect (info).
	threads []simThread
}

type simThread struct {
	process int
	busy    bool
	invoke  history.Op
	applied bool
	timeout bool
}

func (s *casRegisterSim) record(op history.Op) {
	s.now += 1 + s.rng.Int64N(3_000_000)
	op.Index, op.Time = len(s.ops), s.now
	s.ops = append(s.ops, op)
}

// step advances one thread: invoke, take effect, or complete.
func (s *casRegisterSim) step(th *simThread, invoking bool) {
	switch {
	case !th.busy && invoking:
		op := history.Op{Type: history.Invoke, Process: th.process}
		switch s.rng.IntN(3) {
		case 0:
			op.F = "read"
		case 1:
			op.F, op.Value = "write", int64(s.rng.IntN(5))
		default:
			op.F, op.Value = "cas", []any{int64(s.rng.IntN(5)), int64(s.rng.IntN(5))}
		}
		th.busy, th.invoke, th.applied, th.timeout = true, op, false, s.rng.IntN(12) == 0
		s.record(op)
	case th.busy && !th.applied && !(th.timeout && s.rng.IntN(2) == 0):
		th.applied = true
		done := th.invoke
		done.Type = history.OK
		switch done.F {
		case "read":
			done.Value = s.register
		case "write":
			s.register = done.Value
		case "cas":
			cas := done.Value.([]any)
			if history.Equal(s.register, cas[0]) {
				s.register = cas[1]
			} else {
				done.Type = history.Fail
			}
		}
		th.invoke = done // the completion to record
	case th.busy:
		done := th.invoke
		if th.timeout {
			done.Type, done.Error = history.Info, history.Keyword("timeout")
			if done.F == "read" {
				done.Value = nil
			}
		} else if !th.applied {
			return // takes effect first
		}
		s.record(done)
		th.busy = false
		if done.Type == history.Info {
			th.process += s.concurrency
		}
	}
}

func (s *casRegisterSim) nemesis(f string, value any) {
	s.record(history.Op{Type: history.Invoke, Process: history.NemesisProcess, F: f})
	s.record(history.Op{Type: history.Info, Process: history.NemesisProcess, F: f, Value: value})
}

// casRegisterHistory runs the simulation until about n ops are recorded.
func casRegisterHistory(seed uint64, n int) []history.Op {
	s := &casRegisterSim{rng: rand.New(rand.NewPCG(seed, 1)), concurrency: 5}
	for i := 0; i < s.concurrency; i++ {
		s.threads = append(s.threads, simThread{process: i})
	}
	partitioned := false
	for len(s.ops) < n || s.anyBusy() {
		if len(s.ops) < n && s.rng.IntN(40) == 0 {
			if partitioned {
				s.nemesis("stop-partition", history.Keyword("network-healed"))
			} else {
				s.nemesis("start-partition", history.Map{{Key: "n1", Value: []any{"n4", "n5"}}, {Key: "n4", Value: []any{"n1", "n2", "n3"}}})
			}
			partitioned = !partitioned
			continue
		}
		s.step(&s.threads[s.rng.IntN(len(s.threads))], len(s.ops) < n)
	}
	return s.ops
}

func (s *casRegisterSim) anyBusy() bool {
	for _, th := range s.threads {
		if th.busy {
			return true
		}
	}
	return false
}

// staleRead picks a completed read and a value v it can be made to return so
// that the history is certainly not linearizable: every op that may have set
// v completed ok (none is info or pending, which could take effect at any
// later time), and all of them completed before some ok op set the register to
// another value, which itself completed before the read was invoked. So in
// every linearization the register holds something else from that op on.
func staleRead(ops []history.Op) (read int, v any, overwriter int, ok bool) {
	h := history.MustNew(ops...)
	type setter struct{ inv, done int }
	setters := map[string][]setter{}
	values := map[string]any{}
	unsure := map[string]bool{}
	var overwrites []history.Operation
	for o := range h.Operations() {
		if o.Invoke.IsNemesis() || o.Invoke.F == "read" || o.Outcome() == history.Fail {
			continue
		}
		nv := o.Invoke.Value
		if o.Invoke.F == "cas" {
			nv = o.Invoke.Value.([]any)[1]
		}
		k := history.Key(nv)
		values[k] = nv
		if o.Outcome() != history.OK {
			unsure[k] = true
			continue
		}
		setters[k] = append(setters[k], setter{o.Invoke.Index, o.Complete.Index})
		overwrites = append(overwrites, o)
	}
	ors := slices.Collect(h.Operations())
	for i := len(ors) - 1; i >= 0; i-- {
		r := ors[i]
		if r.Invoke.F != "read" || r.Outcome() != history.OK {
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(setters)) { // sorted: the fixture must not depend on map order
			ss := setters[k]
			if unsure[k] || history.Equal(values[k], r.Complete.Value) {
				continue
			}
			last := 0
			for _, s := range ss {
				last = max(last, s.done)
			}
			for _, w := range overwrites {
				wv := w.Invoke.Value
				if w.Invoke.F == "cas" {
					wv = wv.([]any)[1]
				}
				if w.Invoke.Index > last && w.Complete.Index < r.Invoke.Index && !history.Equal(wv, values[k]) {
					return r.Complete.Index, values[k], w.Complete.Index, true
				}
			}
		}
	}
	return 0, nil, 0, false
}

type fixture struct {
	name   string
	header string // comment lines for the EDN form
	ops    []history.Op
	// elle marks a history written as Elle's examples are: completions
	// alone, without :f, so only its EDN form is made, and reading it makes
	// up an invocation for every op.
	elle bool
}

func fixtures(t testing.TB) []fixture {
	// The first seed whose history has a read that can be made stale.
	var ok, stale []history.Op
	var read, over int
	var v any
	for seed := uint64(1); ; seed++ {
		if seed > 100 {
			t.Fatal("no simulated history has a read that can be made stale")
		}
		ok = casRegisterHistory(seed, 200)
		var found bool
		if read, v, over, found = staleRead(ok); found {
			break
		}
	}
	stale = append([]history.Op(nil), ok...)
	old := stale[read].Value
	stale[read].Value = v
	gen := "; Generated by TestFixtures in history/codec (go test ./history/codec -run TestFixtures -update).\n"
	return []fixture{
		{name: "cas-register-ok", header: gen + "; A linearizable cas-register history: 5 client threads, :info timeouts (the process\n; then continues under a new id), nemesis partitions.\n", ops: ok},
		{name: "cas-register-stale-read", header: gen + fmt.Sprintf("; cas-register-ok with one stale read, so NOT linearizable: op %d (the :ok :read of process %d)\n; returns %s instead of %s, but op %d had set the register to another value, and\n; completed, before that read began, and nothing could set %s again.\n",
			read, stale[read].Process, history.FormatEDN(v), history.FormatEDN(old), over, history.FormatEDN(v)), ops: stale},
		{name: "list-append-completions", elle: true, header: gen + "; A strict-serializable list-append history written as Elle's examples are: completions\n; alone (no invocations), without :f. 3 processes run transactions one after another on\n; keys 0-3, each taking effect at its completion.\n", ops: serialListAppend(7, 30)},
	}
}

// serialListAppend makes n :ok list-append transactions of processes 0-2 on
// keys 0-3, executed one at a time in completion order (so strict
// serializable), recorded as completions alone without :f.
func serialListAppend(seed uint64, n int) []history.Op {
	rng := rand.New(rand.NewPCG(seed, 2))
	lists := map[int64][]any{}
	next := int64(1)
	var ops []history.Op
	for i := range n {
		var txn []any
		for range 1 + rng.IntN(3) {
			k := int64(rng.IntN(4))
			if rng.IntN(2) == 0 {
				txn = append(txn, []any{kw("append"), k, next})
				lists[k] = append(lists[k], next)
				next++
			} else {
				txn = append(txn, []any{kw("r"), k, append([]any{}, lists[k]...)})
			}
		}
		ops = append(ops, history.Op{Index: i, Time: int64(i+1) * 1_000_000, Type: history.OK, Process: rng.IntN(3), Value: txn})
	}
	return ops
}

// logBase is the wall-clock time of time 0 in the jepsen.log fixtures.
var logBase = time.Date(2024, 1, 2, 10, 11, 12, 0, time.UTC)

// jepsenLog writes ops as Jepsen 0.3 logs them (logback's
// "%d{ISO8601}{GMT}\t%p\t[%t] %c: %m%n"), among lines that are not ops;
// txt is ops written as history.txt rows.
func jepsenLog(ops []history.Op, txt string) string {
	var b strings.Builder
	b.WriteString(logBase.Format("2006-01-02 15:04:05,000") + "{GMT}\tINFO\t[jepsen test runner] jepsen.core: Relative time begins now\n")
	rows := strings.SplitAfter(txt, "\n")
	for i, op := range ops {
		thread := "jepsen nemesis"
		if op.IsClient() {
			thread = fmt.Sprintf("jepsen worker %d", op.Process%5)
		}
		fmt.Fprintf(&b, "%s{GMT}\tINFO\t[%s] jepsen.util: %s", logBase.Add(time.Duration(op.Time)).Format("2006-01-02 15:04:05,000"), thread, rows[i])
	}
	b.WriteString(logBase.Add(time.Duration(ops[len(ops)-1].Time)).Format("2006-01-02 15:04:05,000") + "{GMT}\tINFO\t[jepsen test runner] jepsen.core: Run complete, writing\n")
	return b.String()
}

func TestFixtures(t *testing.T) {
	for _, fx := range fixtures(t) {
		forms := map[string]string{".edn": fx.header + writeString(t, EDN, fx.ops)}
		if !fx.elle {
			forms[".jsonl"] = writeString(t, JSON, fx.ops)
			forms[".txt"] = writeString(t, JepsenLog, fx.ops)
			forms[".log"] = jepsenLog(fx.ops, forms[".txt"])
		}
		for ext, text := range forms {
			path := filepath.Join(fixtureDir, fx.name+ext)
			if *update {
				if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./history/codec -run TestFixtures -update)", err)
			}
			if string(got) != text {
				t.Errorf("%s differs from what the generator makes (run with -update after changing the generator)", path)
			}
			h, warnings, err := ReadFile(path, Auto)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			start := 0
			if fx.elle {
				// Every op is a completion without an invocation: one made
				// up for each, at the start, and a warning that says so.
				start = len(fx.ops)
				if h.StartInvokes() != start || len(warnings) != 1 || !strings.HasPrefix(warnings[0].Msg, fmt.Sprintf("%d ops have no invocation", start)) {
					t.Fatalf("%s: %d made-up invocations, warnings %v", path, h.StartInvokes(), warnings)
				}
			} else if len(warnings) > 0 {
				t.Fatalf("%s: %v", path, warnings)
			}
			for i, op := range h.Ops()[start:] {
				want := fx.ops[i]
				switch ext {
				case ".txt":
					want.Time = 0
				case ".log":
					// Milliseconds since the first op's line.
					ms := func(t int64) int64 { return t / 1e6 * 1e6 }
					want.Time = ms(want.Time) - ms(fx.ops[0].Time)
				}
				if !reflect.DeepEqual(op, want) {
					t.Fatalf("%s op %d = %v, want %v", path, i, op, want)
				}
			}
		}
	}
}

func TestFixtureHistoriesHaveWhatTheirNamesPromise(t *testing.T) {
	fx := fixtures(t)
	h := history.MustNew(fx[0].ops...)
	counts := map[string]int{}
	for o := range h.Operations() {
		counts[o.Outcome().String()]++
		if o.Invoke.IsNemesis() {
			counts["nemesis"]++
		}
	}
	if n := h.Len(); n < 190 || n > 230 || counts["info"] < 3 || counts["nemesis"] < 2 || counts["fail"] < 3 {
		t.Fatalf("fixture has %d ops and %v; want ~200 with info, fail and nemesis ops", n, counts)
	}
	if !strings.Contains(fx[1].header, "NOT linearizable: op ") {
		t.Fatalf("stale fixture header = %q", fx[1].header)
	}
	diff := 0
	for i := range fx[0].ops {
		if !reflect.DeepEqual(fx[0].ops[i], fx[1].ops[i]) {
			diff++
		}
	}
	if diff != 1 {
		t.Fatalf("stale fixture differs from the ok one in %d ops, want exactly 1", diff)
	}
}
