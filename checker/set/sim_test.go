package set

import (
	"math/rand/v2"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/histbuild"
	"github.com/faultline/faultline/checker/internal/valueset"
	"github.com/faultline/faultline/history"
)

// setStore is a correct grow-only set.
type setStore struct{ elems *valueset.Multiset }

func (s *setStore) Apply(f string, v any) any {
	if f == "add" {
		if !s.elems.Has(v) {
			s.elems.Add(v, 1)
		}
		return v
	}
	return s.elems.Distinct()
}

// simulate runs adds of distinct elements and reads, then one final read
// of everything by a fresh process.
func simulate(seed uint64) (*histbuild.B, *setStore) {
	store := &setStore{elems: valueset.New()}
	next := int64(0)
	b := histbuild.Sim{Seed: seed, Procs: 5, N: 300, InfoRate: 0.05, Store: store,
		Next: func(r *rand.Rand) (string, any) {
			if r.IntN(3) == 0 {
				return "read", nil
			}
			next++
			return "add", next
		}}.Run()
	return b.Op(1000, history.OK, "read", store.elems.Distinct()), store
}

func TestSetCheckersPassSimulatedCorrectSets(t *testing.T) {
	for seed := range uint64(30) {
		b, _ := simulate(seed)
		histbuild.Check(t, Checker(), b, checker.Valid)
		histbuild.Check(t, FullChecker(FullOptions{Linearizable: true}), b, checker.Valid)
	}
}

func TestSetCheckersCatchAnElementDroppedFromTheFinalRead(t *testing.T) {
	for seed := range uint64(10) {
		b, _ := simulate(seed)
		acked := b.Last(func(op *history.Op) bool { return op.F == "add" && op.Type == history.OK })
		victim := b.Value(acked)
		final := b.Last(func(*history.Op) bool { return true })
		var kept []any
		for _, e := range b.Value(final).([]any) {
			if !history.Equal(e, victim) {
				kept = append(kept, e)
			}
		}
		b.SetValue(final, kept)
		d := histbuild.Check(t, Checker(), b, checker.Invalid).Details.(*Details)
		histbuild.SameValues(t, "set lost", d.Lost, []any{victim})
		fd := histbuild.Check(t, FullChecker(FullOptions{}), b, checker.Invalid).Details.(*FullDetails)
		histbuild.SameValues(t, "set-full lost", fd.Lost, []any{victim})
	}
}
