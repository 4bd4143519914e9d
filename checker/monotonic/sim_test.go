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
	store := &counters{}
	b := histbuild.Sim{Seed: seed, Procs: 5, N: 400, InfoRate: 0.05, Store: store,
		Next: func(r *rand.Rand) (string, any) {
			if r.IntN(2) == 0 {
				return "read", nil
			}
			return "inc", int64(r.IntN(4))
		}}.Run()
	return b, store
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
