package independent

import (
	"testing"

	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
)

// BenchmarkConcurrent is the per-op cost (in Simulate, 10 client threads,
// 1ms latencies) of five keys at a time, 2 threads each, 100 ops per key.
func BenchmarkConcurrent(b *testing.B) {
	fgen := func(any) generator.Generator {
		return generator.Limit(100, generator.Mix(
			generator.Repeat(generator.Invoke("read", nil)),
			generator.Repeat(generator.Invoke("write", int64(1)))))
	}
	b.ReportAllocs()
	sim, err := generator.Simulate(generator.Clients(Concurrent(2, Naturals(), fgen)),
		generator.Sim{Concurrency: 10, OpLimit: b.N, NoValidate: true})
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, op := range sim.History {
		if op.Type == history.Invoke {
			n++
		}
	}
	if n != b.N {
		b.Fatalf("%d invokes, want %d", n, b.N)
	}
}
