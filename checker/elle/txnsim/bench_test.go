package txnsim

import (
	"fmt"
	"testing"
)

// BenchmarkGenerate times the generation of a million-transaction
// list-append history (the size checker/elle's benchmarks check) under each
// behaviour, so that a change to the simulator can be held to their
// budget apart from the check.
func BenchmarkGenerate(b *testing.B) {
	const txns = 1_000_000
	for _, behaviour := range Behaviours {
		b.Run(fmt.Sprintf("%s/txns=%d", behaviour, txns), func(b *testing.B) {
			c := Config{Seed: 1, Txns: txns, Workload: ListAppend, Behaviour: behaviour}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				h, err := Generate(c)
				if err != nil || h.Len() != 2*txns {
					b.Fatalf("%v, want %d ops", err, 2*txns)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/txns, "ns/txn")
		})
	}
}
