package monotonic

import (
	"math/rand/v2"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/histbuild"
	"github.com/faultline/faultline/history"
)

// counters is a correct store of per-key counters: inc k returns {k new},
// read returns every key's value.
type counters struct{ v [4]int64 }

func (c *counters) Apply(f string, v any) any {
	if f == "inc" {
		k, _ := history.AsInt(v)
		c.v[k]++
		return history.Map{{Key: k, Value: c.v[k]}}
	}
	return c.read()
}

func (c *counters) read() history.Map {
	m := history.Map{}
	for k, n := range c.v {
		m = append(m, history.MapEntry{Key: int64(k), Value: n})
	}
	return m
}

func simulate(seed uint64) (*histbuild.B, *counters) {
	sim := simulation(seed, 400, 0.05)
	return sim.Run(), sim.Store.(*counters)
}

// simulation is n reads and increments of four correct counters by 5
// processes, that fraction of them info.
func simulation(seed uint64, n int, info float64) histbuild.Sim {
	return histbuild.Sim{Seed: seed, Procs: 5, N: n, InfoRate: info, Store: &counters{},
		Next: func(r *rand.Rand) (string, any) {
			if r.IntN(2) == 0 {
				return "read", nil
			}
			return "inc", int64(r.IntN(4))
		}}
}

func TestMonotonicPassesSimulatedCorrectCounters(t *testing.T) {
	for seed := range uint64(30) {
		b, _ := simulate(seed)
		histbuild.Check(t, Checker(Options{}), b, checker.Valid)
	}
}

func TestMonotonicCatchesAFinalReadThatWentBackwards(t *testing.T) {
	for seed := range uint64(10) {
		b, store := simulate(seed)
		stale := store.read()
		stale[2].Value = store.v[2] - 1 // key 2 one step behind
		b.Op(1000, history.OK, "read", stale)
		final := b.Last(func(*history.Op) bool { return true })
		d := histbuild.Check(t, Checker(Options{}), b, checker.Invalid).Details.(*Details)
		v := d.Violations[0]
		if d.ViolationCount != 1 || v.Kind != RealTime || !history.Equal(v.Key, 2) || v.Later.Op != final || v.Later.Value != store.v[2]-1 || v.Earlier.Value != store.v[2] {
			t.Fatalf("seed %d: violations %+v, want one: key 2 read as %d at op %d after %d", seed, d.Violations, store.v[2]-1, final, store.v[2])
		}
	}
}

// Keys that keep rising leave the stream only the rises since the oldest
// op in flight: a history thirty times longer leaves no more on the heap.
// (Without info: each process that retires after one leaves its last
// values behind.)
func TestMonotonicStreamMemoryStaysFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 300k operations")
	}
	small, v1 := histbuild.StreamHeap(t, Checker(Options{}), simulation(1, 10_000, 0))
	large, v2 := histbuild.StreamHeap(t, Checker(Options{}), simulation(1, 300_000, 0))
	t.Logf("live heap after streaming 10k operations: %d KB; 300k operations: %d KB", small/1024, large/1024)
	if v1 != checker.Valid || v2 != checker.Valid {
		t.Fatalf("verdicts %v and %v on correct counters", v1, v2)
	}
	if large > small+512*1024 {
		t.Fatalf("the live heap grew from %d KB to %d KB with the history", small/1024, large/1024)
	}
}
