package generator_test

import (
	"fmt"
	"slices"
	"time"

	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
)

// A register test: a second of staggered reads and writes while the nemesis
// starts and stops a fault every 200ms, then the fault healed, then a final
// read on every client.
func Example_registerTest() {
	g := generator.Phases(
		generator.TimeLimit(time.Second, generator.Any(
			generator.Clients(generator.Stagger(10*time.Millisecond, generator.Mix(
				generator.Repeat(generator.Invoke("read", nil)),
				generator.Repeat(generator.Invoke("write", int64(1)))))),
			generator.Nemesis(generator.Cycle(generator.Seq(
				generator.SleepFor(200*time.Millisecond), generator.Invoke("start", nil),
				generator.SleepFor(200*time.Millisecond), generator.Invoke("stop", nil)))))),
		generator.Nemesis(generator.Invoke("stop", nil)),
		generator.Clients(generator.EachThread(generator.UntilOK(generator.Repeat(generator.Invoke("read", nil))))))

	sim, err := generator.Simulate(g, generator.Sim{Concurrency: 3, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	var nemesis []string
	var invokes []history.Op
	var healed int64
	for _, op := range sim.History {
		if op.Type != history.Invoke {
			continue
		}
		if op.Process == history.NemesisProcess {
			nemesis = append(nemesis, fmt.Sprintf("%s@%v", op.F, time.Duration(op.Time)))
			healed = op.Time
		}
		invokes = append(invokes, op)
	}
	fmt.Println("faults:", nemesis[:4])
	fmt.Println("then:", nemesis[4][:4], "after the time limit:", healed >= int64(time.Second))
	final := invokes[len(invokes)-3:]
	slices.SortFunc(final, func(a, b history.Op) int { return a.Process - b.Process })
	for _, op := range final {
		fmt.Println("final:", op.F, "on process", op.Process)
	}
	// Output:
	// faults: [start@200ms stop@400ms start@600ms stop@800ms]
	// then: stop after the time limit: true
	// final: read on process 0
	// final: read on process 1
	// final: read on process 2
}
