package generator

import (
	"testing"
	"time"

	"github.com/faultline/faultline/history"
)

// TestEveryCombinatorNamesItselfInErrorPaths wraps a generator that emits a
// completion (never allowed) in each combinator and checks the path the
// error names: it is how a user finds the culprit in a large tree.
func TestEveryCombinatorNamesItselfInErrorPaths(t *testing.T) {
	bad := fixed{history.Op{Type: history.OK, F: "w"}}
	clientBad := Clients(bad)
	keepAll := func(history.Op) bool { return true }
	same := func(op history.Op) history.Op { return op }
	cases := []struct {
		want string
		gen  Generator
	}{
		{"limit(10)", Limit(10, bad)},
		{"limit(1)", Once(bad)},
		{"repeat", Repeat(bad)},
		{"repeat(3)", RepeatN(3, bad)},
		{"cycle", Cycle(bad)},
		{"cycle(2)", CycleN(2, bad)},
		{"until-ok", UntilOK(bad)},
		{"process-limit(4)", ProcessLimit(4, bad)},
		{"concurrency-limit(2)", ConcurrencyLimit(2, bad)},
		{"time-limit(1s)", TimeLimit(time.Second, bad)},
		{"stagger(1ms)", Stagger(time.Millisecond, bad)},
		{"delay(1ms)", Delay(time.Millisecond, bad)},
		{"cycle-times(2)[1]", CycleTimes(Window{For: time.Millisecond, Gen: Repeat(SleepFor(time.Millisecond))}, Window{For: time.Second, Gen: bad})},
		{"seq[1]", Seq(Invoke("ok", nil), bad)},
		{"phases[0]", Phases(bad)},
		{"then[0]", Then(Invoke("later", nil), bad)},
		{"synchronize", Synchronize(bad)},
		{"mix[1]", Mix(Seq(), bad)},
		{"any[1]", Any(Seq(), bad)},
		{"flip-flop[0]", FlipFlop(bad, bad)},
		{"clients", clientBad},
		{"nemesis", Nemesis(bad)},
		{"on-threads", OnThreads(func(Thread) bool { return true }, bad)},
		{"each-thread[nemesis]", EachThread(bad)},
		{"clients > each-thread[0]", Clients(EachThread(bad))},
		{"each-process[nemesis]", EachProcess(bad)},
		{"reserve[0]", Reserve([]Reservation{{Threads: 1, Gen: bad}}, nil)},
		{"reserve[rest]", Reserve([]Reservation{{Threads: 1, Gen: nil}}, bad)},
		{"map", Map(same, bad)},
		{"f-map", FMap(nil, bad)},
		{"filter", Filter(keepAll, bad)},
		{"on-update", OnUpdate(nil, bad)},
		{"func", Func(func(*Context) Generator { return bad })},
		{"limit(2)", Validate(Validate(Limit(2, bad)))}, // Validate adds no step
	}
	for _, c := range cases {
		e := simError(t, c.gen, Sim{Concurrency: 1})
		assertErrorPrefix(t, e, c.want+": emitted an op of type ok")
	}
	// Leaves name themselves when they are at fault as an only child.
	for want, g := range map[string]Generator{
		"invoke()":   Invoke("", nil),
		"sleep(-1s)": SleepFor(-time.Second),
		"fail(x)":    Op(history.Op{Type: history.Fail, F: "x"}),
	} {
		e := simError(t, g, Sim{Concurrency: 1})
		if len(e.Path) == 0 || e.Path[len(e.Path)-1] != want {
			t.Fatalf("path %v, want it to end with %s (%v)", e.Path, want, e)
		}
	}
}
