package elle

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/faultline/faultline/checker"
)

// phaseLog records the phases a check reports.
type phaseLog struct {
	mu     sync.Mutex
	phases []string
}

func (p *phaseLog) Phase(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.phases = append(p.phases, name)
}

// Elle names its phases to whoever waits (check's progress line), in the
// order it goes through them, and says nothing to a context without a
// listener.
func TestElleReportsItsPhasesInOrder(t *testing.T) {
	cases := []struct {
		name string
		txs  []tx
		want []string
	}{
		{"a valid history ends trying the orders of appends no read shows",
			[]tx{ok(0, ap(1, 1)), ok(1, r(1, 1))},
			[]string{"analyse", "search cycles", "explain", "try write orders"}},
		{"an invalid one ends explaining its anomalies",
			[]tx{ok(0, ap(1, 1), r(2)), ok(1, ap(2, 1), r(1))},
			[]string{"analyse", "search cycles", "explain"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var log phaseLog
			ctx := checker.WithPhases(context.Background(), &log)
			ListAppend(Options{}).Check(ctx, build(t, c.txs, ""))
			if !slices.Equal(log.phases, c.want) {
				t.Fatalf("phases %q, want %q", log.phases, c.want)
			}
		})
	}
	ListAppend(Options{}).Check(context.Background(), build(t, cases[0].txs, "")) // no listener: no panic
}
