package queue

import (
	"math/rand/v2"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/histbuild"
	"github.com/faultline/faultline/history"
)

// fifo is a correct queue.
type fifo struct{ items []any }

func (q *fifo) Apply(f string, v any) any {
	switch {
	case f == "enqueue":
		q.items = append(q.items, v)
		return v
	case len(q.items) == 0:
		return nil
	}
	head := q.items[0]
	q.items = q.items[1:]
	return head
}

// simulate enqueues distinct values and dequeues, then drains what is left
// from a fresh process. No info completions: a dequeue of unknown outcome
// may swallow a value, which the total-queue checker rightly calls lost.
func simulate(seed uint64) *histbuild.B {
	q := &fifo{}
	next := int64(0)
	b := histbuild.Sim{Seed: seed, Procs: 4, N: 300, Store: q,
		Next: func(r *rand.Rand) (string, any) {
			if r.IntN(2) == 0 {
				return "dequeue", nil
			}
			next++
			return "enqueue", next
		}}.Run()
	return b.Op(1000, history.OK, "drain", append([]any{}, q.items...))
}

func TestQueueCheckersPassSimulatedCorrectQueues(t *testing.T) {
	for seed := range uint64(30) {
		b := simulate(seed)
		histbuild.Check(t, Checker(), b, checker.Valid)
		histbuild.Check(t, TotalChecker(TotalOptions{ForbidDuplicates: true}), b, checker.Valid)
	}
}

func TestQueueCheckersCatchALostAndADuplicatedValue(t *testing.T) {
	for seed := range uint64(10) {
		b := simulate(seed)
		deq := b.Last(func(op *history.Op) bool { return op.F == "dequeue" && op.Type == history.OK && op.Value != nil })
		victim := b.Value(deq)
		b.SetValue(deq, nil) // the dequeue now claims the queue was empty: victim lost
		d := histbuild.Check(t, TotalChecker(TotalOptions{}), b, checker.Invalid).Details.(*TotalDetails)
		histbuild.SameValues(t, "lost", d.Lost, []any{victim})

		b = simulate(seed)
		final := b.Last(func(*history.Op) bool { return true })
		b.SetValue(final, append(b.Value(final).([]any), victim)) // victim comes out twice
		histbuild.Check(t, Checker(), b, checker.Invalid)
		d = histbuild.Check(t, TotalChecker(TotalOptions{ForbidDuplicates: true}), b, checker.Invalid).Details.(*TotalDetails)
		histbuild.SameValues(t, "duplicated", d.Duplicated, []any{victim})
	}
}
