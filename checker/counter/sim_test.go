package counter

import (
	"math/rand/v2"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/histbuild"
	"github.com/faultline/faultline/history"
)

func simulate(seed uint64) *histbuild.B { return simulation(seed, 300).Run() }

// simulation is a correct counter under n operations of 5 processes, 5% of
// them info.
func simulation(seed uint64, n int) histbuild.Sim {
	return histbuild.Sim{Seed: seed, Procs: 5, N: n, InfoRate: 0.05, Store: &histbuild.Counter{},
		Next: func(r *rand.Rand) (string, any) {
			if r.IntN(2) == 0 {
				return "add", int64(r.IntN(5) + 1)
			}
			return "read", nil
		}}
}

func TestCounterPassesSimulatedCorrectCounters(t *testing.T) {
	for seed := range uint64(30) {
		histbuild.Check(t, Checker(), simulate(seed), checker.Valid)
	}
}

func TestCounterCatchesAReadCorruptedInASimulatedHistory(t *testing.T) {
	for seed := range uint64(10) {
		b := simulate(seed)
		i := b.Last(func(op *history.Op) bool { return op.F == "read" && op.Type == history.OK })
		b.SetValue(i, int64(1_000_000))
		errs := histbuild.Check(t, Checker(), b, checker.Invalid).Details.(*Details).Errors
		if len(errs) != 1 || errs[0].Index != i || errs[0].Value != 1_000_000 {
			t.Fatalf("seed %d: errors %+v, want only op %d reading 1000000", seed, errs, i)
		}
	}
}
