package generator

import (
	"slices"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
)

const ms = time.Millisecond

// timesOf renders each invoke as "f@time".
func timesOf(ops []history.Op) []string {
	var out []string
	for _, op := range invokes(ops) {
		out = append(out, op.F+"@"+time.Duration(op.Time).String())
	}
	return out
}

func assertTimes(t *testing.T, sim *Simulation, want ...string) {
	t.Helper()
	if got := timesOf(sim.History); !slices.Equal(got, want) {
		t.Fatalf("invokes %v, want %v", got, want)
	}
}

func TestDelaySpacesOpsExactlyAndCatchesUp(t *testing.T) {
	sim := run(t, Clients(Delay(10*ms, Limit(4, Repeat(read())))), Sim{Concurrency: 1})
	assertTimes(t, sim, "read@0s", "read@10ms", "read@20ms", "read@30ms")

	// The first op takes 25ms, so the second is late (slot 10ms); the third
	// comes at once (its slot, 20ms, has passed), then the schedule resumes.
	slowFirst := func(op history.Op) (history.Op, time.Duration) {
		op.Type = history.OK
		if op.F == "slow" {
			return op, 25 * ms
		}
		return op, ms
	}
	g := Clients(Delay(10*ms, Seq(Invoke("slow", nil), Limit(4, Repeat(read())))))
	sim = run(t, g, Sim{Concurrency: 1, Complete: slowFirst})
	assertTimes(t, sim, "slow@0s", "read@25ms", "read@26ms", "read@30ms", "read@40ms")
}

func TestSleepKeepsItsThreadBusyAndIsNotRecorded(t *testing.T) {
	g := Clients(Seq(Invoke("a", nil), LogMsg("halfway"), SleepFor(5*ms), Invoke("b", nil)))
	sim := run(t, g, Sim{Concurrency: 1})
	assertLines(t, sim.History,
		"0s 0 invoke a nil",
		"1ms 0 ok a nil",
		"6ms 0 invoke b nil", // the log took no time, the sleep 5ms
		"7ms 0 ok b nil")
	assertLines(t, sim.Control,
		`1ms 0 log  "halfway"`,
		"1ms 0 sleep  5000000")
}

func TestAnyEmitsTheSoonestOpOfItsGenerators(t *testing.T) {
	g := Any(
		Clients(Delay(3*ms, Limit(3, Repeat(Invoke("a", nil))))),
		Clients(Delay(5*ms, Limit(3, Repeat(Invoke("b", nil))))))
	sim := run(t, g, Sim{Concurrency: 2, Seed: 5})
	got := timesOf(sim.History)
	// Both start at 0 (in an order the seed decides); then by time.
	if !slices.Equal(got[2:], []string{"a@3ms", "b@5ms", "a@6ms", "b@10ms"}) ||
		!containsAll(got[:2], "a@0s", "b@0s") {
		t.Fatalf("invokes %v, want a and b at 0, then a@3ms b@5ms a@6ms b@10ms", got)
	}
}

func TestCycleTimesRotatesOnTheClockAndKeepsState(t *testing.T) {
	g := Clients(CycleTimes(
		Window{For: 3 * ms, Gen: Repeat(Invoke("a", nil))},
		Window{For: 2 * ms, Gen: Repeat(Invoke("b", nil))}))
	sim := run(t, g, Sim{Concurrency: 1, TimeLimit: 10 * ms})
	assertTimes(t, sim, "a@0s", "a@1ms", "a@2ms", "b@3ms", "b@4ms", "a@5ms", "a@6ms", "a@7ms", "b@8ms", "b@9ms")

	// An op that would fall past its window's end waits for its next turn,
	// and the next window's generator runs meanwhile.
	g = Clients(CycleTimes(
		Window{For: 3 * ms, Gen: Delay(5*ms, Repeat(Invoke("a", nil)))},
		Window{For: 2 * ms, Gen: Repeat(Invoke("b", nil))}))
	sim = run(t, g, Sim{Concurrency: 1, TimeLimit: 10 * ms})
	assertTimes(t, sim, "a@0s", "b@3ms", "b@4ms", "a@5ms", "b@8ms", "b@9ms")
}

func TestCycleTimesEndsWithAnyOfItsGenerators(t *testing.T) {
	g := Clients(CycleTimes(
		Window{For: 2 * ms, Gen: Limit(3, Repeat(Invoke("a", nil)))},
		Window{For: 2 * ms, Gen: Repeat(Invoke("b", nil))}))
	sim := run(t, g, Sim{Concurrency: 1, TimeLimit: time.Second})
	assertTimes(t, sim, "a@0s", "a@1ms", "b@2ms", "b@3ms", "a@4ms")
}

func TestHeldOpsWaitForCompletionsThatComeFirst(t *testing.T) {
	// A staggered nemesis op lies in the future while a client op is in
	// flight: the completion is delivered first, and the client is given the
	// next op before the nemesis op's time comes.
	g := Any(
		Clients(Limit(3, Repeat(read()))),
		Nemesis(Delay(10*ms, Limit(2, Repeat(Invoke("kill", nil))))))
	sim := run(t, g, Sim{Concurrency: 1, Seed: 2})
	got := timesOf(sim.History)
	want := []string{"read@1ms", "read@2ms", "kill@10ms"}
	if len(got) != 5 || !containsAll(got[:2], "read@0s", "kill@0s") || !slices.Equal(got[2:], want) {
		t.Fatalf("invokes %v, want read and kill at 0, then %v", got, want)
	}
}

func TestAHeldOpRunsAtItsTimeWithoutAskingAgain(t *testing.T) {
	// With nothing completing in between, a held op is performed as it was
	// emitted: the generator is asked once per op, as in the interpreter.
	calls := 0
	g := Clients(Delay(10*ms, Limit(4, Func(func(*Context) Generator { calls++; return read() }))))
	sim := run(t, g, Sim{Concurrency: 1})
	assertTimes(t, sim, "read@0s", "read@10ms", "read@20ms", "read@30ms")
	if calls != 4 {
		t.Fatalf("the generator made %d ops for 4 invokes; held ops must not be asked for again", calls)
	}
}

func TestTimeLimitEndsAPendingGeneratorAtItsCutoff(t *testing.T) {
	g := Clients(TimeLimit(5*ms, Seq(Invoke("a", nil), stuck{})))
	sim := run(t, g, Sim{Concurrency: 1, TimeLimit: time.Second})
	assertTimes(t, sim, "a@0s")
	if sim.End != int64(5*ms) {
		t.Fatalf("run ended at %v, want 5ms: the time limit must end a generator that is still pending", time.Duration(sim.End))
	}
}
