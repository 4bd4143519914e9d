package generator

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
)

// simError runs g and returns the *Error it must end with.
func simError(t *testing.T, g Generator, s Sim) *Error {
	t.Helper()
	_, err := Simulate(g, s)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("simulate returned %v, want a *generator.Error", err)
	}
	return e
}

func assertErrorPrefix(t *testing.T, err error, want string) {
	t.Helper()
	if !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("error %q\nwant it to start with %q", err, want)
	}
}

func TestValidateNamesThePathToAnOpForABusyProcess(t *testing.T) {
	bad := fixed{history.Op{Type: history.Invoke, F: "w", Process: 3, Time: int64(time.Millisecond)}}
	g := Phases(Clients(Invoke("x", nil)), Limit(10, Mix(Seq(), Seq(), bad)))
	e := simError(t, g, Sim{Concurrency: 4})
	assertErrorPrefix(t, e, "phases[1] > limit(10) > mix[2]: emitted an op for busy process 3: {")
	if e.Op == nil || e.Op.Process != 3 {
		t.Fatalf("error carries op %v, want the op for process 3", e.Op)
	}
}

func TestValidateRejectsCompletionTypesAndMissingF(t *testing.T) {
	e := simError(t, Clients(fixed{history.Op{Type: history.OK, F: "w"}}), Sim{Concurrency: 1})
	assertErrorPrefix(t, e, "clients: emitted an op of type ok; generators emit invoke, sleep or log ops")
	e = simError(t, Limit(2, Clients(Invoke("", 1))), Sim{Concurrency: 1})
	assertErrorPrefix(t, e, "limit(2) > clients > invoke(): emitted an invoke with no f")
}

func TestValidateRejectsAProcessTheGeneratorCannotSee(t *testing.T) {
	e := simError(t, Clients(fixed{history.Op{F: "kill", Process: history.NemesisProcess}}), Sim{Concurrency: 2})
	assertErrorPrefix(t, e, "clients: emitted an op for process nemesis on thread nemesis, which this generator cannot see (it sees [0 1])")
}

func TestValidateRejectsAnOpInThePast(t *testing.T) {
	g := Seq(Clients(Invoke("a", nil)), Synchronize(Clients(fixed{history.Op{F: "b", Time: 0}})))
	e := simError(t, g, Sim{Concurrency: 1})
	assertErrorPrefix(t, e, "seq[1] > synchronize > clients: emitted an op at time 0 ns, before the context's time 1000000 ns")
}

func TestValidateRejectsARetiredProcess(t *testing.T) {
	crash := func(op history.Op) (history.Op, time.Duration) { op.Type = history.Info; return op, time.Millisecond }
	g := Phases(Clients(Invoke("a", nil)), Clients(fixed{history.Op{F: "b", Process: 0, Time: int64(time.Millisecond)}}))
	e := simError(t, g, Sim{Concurrency: 2, Complete: crash})
	assertErrorPrefix(t, e, "phases[1] > clients: emitted an op for process 0, but thread 0 now runs process 2 (the old one was retired)")
}

func TestValidateNamesAGeneratorThatPanics(t *testing.T) {
	g := Clients(Limit(5, Func(func(*Context) Generator { panic("no more keys") })))
	e := simError(t, g, Sim{Concurrency: 1})
	assertErrorPrefix(t, e, "clients > limit(5) > func: generator panicked when asked for an op: no more keys")
	if e.Cause != "no more keys" || len(e.Stack) == 0 {
		t.Fatalf("cause %v, stack of %d bytes: want the panic value and its stack", e.Cause, len(e.Stack))
	}

	boom := errors.New("boom")
	g = OnUpdate(func(Generator, *Context, history.Op) Generator { panic(boom) }, Clients(Repeat(read())))
	e = simError(t, g, Sim{Concurrency: 1})
	assertErrorPrefix(t, e, "on-update: generator panicked when told of an event: boom (while told of {:index 0")
	if !errors.Is(e, boom) {
		t.Fatal("the error does not unwrap to the panic value")
	}
}

func TestSimulateChecksOpsEvenWithoutValidate(t *testing.T) {
	bad := fixed{history.Op{Type: history.Invoke, F: "w", Process: 0}}
	_, err := Simulate(bad, Sim{Concurrency: 1, NoValidate: true})
	if err == nil || !strings.Contains(err.Error(), "emitted an op for busy process 0") {
		t.Fatalf("err = %v, want the busy process refused", err)
	}
}

func TestSimulateReportsAStalledGenerator(t *testing.T) {
	if _, err := Simulate(stuck{}, Sim{Concurrency: 1}); !errors.Is(err, ErrStalled) {
		t.Fatalf("err = %v, want ErrStalled", err)
	}
	// With a time limit, the clock moves on and the run ends at the limit.
	sim, err := Simulate(stuck{}, Sim{Concurrency: 1, TimeLimit: 5 * time.Millisecond})
	if err != nil || sim.End != int64(5*time.Millisecond) {
		t.Fatalf("end %v, err %v: want the run to end at 5ms", time.Duration(sim.End), err)
	}
}

func TestValidateRejectsAProcessNoThreadRunsYet(t *testing.T) {
	e := simError(t, RepeatN(3, Clients(fixed{history.Op{F: "w", Process: 5}})), Sim{Concurrency: 2})
	assertErrorPrefix(t, e, "repeat(3) > clients: emitted an op for process 5, which no thread runs yet (thread 1 runs process 1)")
}

func TestOneSeedReproducesOneSchedule(t *testing.T) {
	g := Any(
		Clients(TimeLimit(time.Second, Stagger(5*time.Millisecond, Mix(Repeat(read()), Repeat(Invoke("write", 1)))))),
		Nemesis(Stagger(50*time.Millisecond, Cycle(Seq(Invoke("start", nil), Invoke("stop", nil))))))
	a := lines(run(t, g, Sim{Concurrency: 3, Seed: 42, TimeLimit: time.Second}).History)
	b := lines(run(t, g, Sim{Concurrency: 3, Seed: 42, TimeLimit: time.Second}).History)
	c := lines(run(t, g, Sim{Concurrency: 3, Seed: 43, TimeLimit: time.Second}).History)
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Fatal("the same seed gave two different histories")
	}
	if strings.Join(a, "\n") == strings.Join(c, "\n") {
		t.Fatal("seeds 42 and 43 gave the same history")
	}
	if len(a) < 200 {
		t.Fatalf("only %d ops in a second at one per 5ms", len(a))
	}
}

func TestValidateRejectsASleepWithoutADuration(t *testing.T) {
	bad := Map(func(op history.Op) history.Op { op.Value = "5s"; return op }, SleepFor(5*time.Second))
	e := simError(t, Clients(bad), Sim{Concurrency: 1})
	assertErrorPrefix(t, e, `clients > map: emitted a sleep whose value "5s" is not a duration in nanoseconds`)
}

func TestAGeneratorValueCanBeRunManyTimesAtOnce(t *testing.T) {
	// Generators are immutable values: running one tree in four goroutines
	// at once gives four identical histories (and no data race under -race).
	g := Phases(
		Any(Clients(Reserve([]Reservation{{Threads: 1, Gen: Limit(20, Repeat(Invoke("w", 1)))}}, Limit(30, Repeat(read())))),
			Nemesis(Limit(3, Stagger(time.Millisecond, Repeat(Invoke("kill", nil)))))),
		Clients(EachThread(UntilOK(Repeat(read())))))
	want := strings.Join(lines(run(t, g, Sim{Concurrency: 3, Seed: 9}).History), "\n")
	got := make(chan string, 4)
	for range 4 {
		go func() {
			sim, err := Simulate(g, Sim{Concurrency: 3, Seed: 9})
			if err != nil {
				got <- err.Error()
				return
			}
			got <- strings.Join(lines(sim.History), "\n")
		}()
	}
	for range 4 {
		if h := <-got; h != want {
			t.Fatalf("a concurrent run differed:\n%s\nwant:\n%s", h, want)
		}
	}
}

func TestBadArgumentsSayWhichAndWhatWasExpected(t *testing.T) {
	for want, build := range map[string]func(){
		"generator.CycleTimes: window 1 lasts 0s: expected a positive duration": func() {
			CycleTimes(Window{For: time.Second, Gen: read()}, Window{Gen: read()})
		},
		"generator.Reserve: reservation 0 has -2 threads: expected 0 or more": func() {
			Reserve([]Reservation{{Threads: -2, Gen: read()}}, read())
		},
	} {
		got := func() (msg any) {
			defer func() { msg = recover() }()
			build()
			return nil
		}()
		if got != want {
			t.Fatalf("panic %v, want %q", got, want)
		}
	}
	if _, err := Simulate(read(), Sim{Concurrency: -1}); err == nil || !strings.Contains(err.Error(), "concurrency -1: expected 0 or more client threads") {
		t.Fatalf("err = %v", err)
	}
	e := simError(t, fixed{history.Op{F: "w", Process: 0}}, Sim{Concurrency: 0})
	assertErrorPrefix(t, e, "emitted an op for client process 0, but the test has no client threads")
}
