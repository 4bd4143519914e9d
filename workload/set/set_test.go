package set

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
)

// run simulates the workload (main phase, then the final reads) against a
// set that forgets the element lose (-1: none) once it has been read.
func run(t *testing.T, lose int64, ops int) *history.History {
	t.Helper()
	var elems []int64
	seen := false
	complete := func(op history.Op) (history.Op, time.Duration) {
		op.Type = history.OK
		switch op.F {
		case Add:
			elems = append(elems, op.Value.(int64))
		case Read:
			var out []any
			for _, e := range elems {
				if e == lose && seen {
					continue
				}
				if e == lose {
					seen = true
				}
				out = append(out, e)
			}
			op.Value = out
		}
		return op, time.Millisecond
	}
	g := generator.Phases(generator.Limit(ops, generator.Clients(Generator(Options{}))), FinalGenerator())
	sim, err := generator.Simulate(g, generator.Sim{Concurrency: 4, Seed: 3, Complete: complete})
	if err != nil {
		t.Fatal(err)
	}
	return history.MustNew(sim.History...)
}

func TestGeneratorAddsUniqueElementsAndReadsNowAndThen(t *testing.T) {
	h := run(t, -1, 500)
	adds, reads := map[int64]bool{}, 0
	for _, op := range h.All() {
		if op.Type != history.Invoke {
			continue
		}
		switch op.F {
		case Add:
			e := op.Value.(int64)
			if adds[e] {
				t.Fatalf("op %d adds %d a second time", op.Index, e)
			}
			adds[e] = true
		case Read:
			reads++
		}
	}
	if reads < 4+20 || reads > 4+100 {
		t.Fatalf("%d reads among 500 ops and 4 final reads, expected about one in 11 plus the final ones", reads)
	}
}

func TestCheckerPassesACorrectSetAndFindsALostElement(t *testing.T) {
	if r := Checker(Options{Linearizable: true}).Check(context.Background(), run(t, -1, 500)); r.Valid != checker.Valid {
		t.Fatalf("correct set: %v %s", r.Valid, r.Summary)
	}
	r := Checker(Options{Linearizable: true}).Check(context.Background(), run(t, 3, 500))
	if r.Valid != checker.Invalid || !strings.HasPrefix(r.Summary, "1 lost") {
		t.Fatalf("set losing 3: %v %q, expected 1 lost", r.Valid, r.Summary)
	}
}
