package linear

import (
	"context"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/linear/linearsim"
	"github.com/faultline/faultline/checker/linear/model"
	"github.com/faultline/faultline/history"
)

// keyedHistory is the benchmark's big history: a KV history of about
// events ops over 1,000 keys by 50 processes, 1% of ops crashing (info).
func keyedHistory(events int) *history.History {
	return linearsim.Run(linearsim.Config{Seed: 42, Ops: events / 2, Processes: 50, InfoRate: 0.01}, linearsim.KV(1000, 10))
}

func benchmarkCheck(b *testing.B, m model.Model, h *history.History) {
	b.ReportAllocs()
	c := New(m, Options{})
	for b.Loop() {
		if r := c.Check(context.Background(), h); r.Valid != checker.Valid {
			b.Fatalf("verdict %s: %s %s", r.Valid, r.Summary, r.Error)
		}
	}
	b.ReportMetric(float64(h.Len()), "ops")
}

// BenchmarkKeyed1M checks a 1,000,000-op keyed register history (1,000
// keys, 50 processes, 1% info). Goal: under 5 s on 2 cores.
func BenchmarkKeyed1M(b *testing.B) { benchmarkCheck(b, model.KV(nil), keyedHistory(1_000_000)) }

// BenchmarkKeyed100k is the same shape at a tenth of the size.
func BenchmarkKeyed100k(b *testing.B) { benchmarkCheck(b, model.KV(nil), keyedHistory(100_000)) }

// BenchmarkRegisterHighConcurrency is one cas-register with 5 values
// hammered by 10 processes: a single long search, no key split.
func BenchmarkRegisterHighConcurrency(b *testing.B) {
	h := linearsim.Run(linearsim.Config{Seed: 4, Ops: 10_000, Processes: 10}, linearsim.Register(5, true))
	benchmarkCheck(b, model.CASRegister(nil), h)
}
