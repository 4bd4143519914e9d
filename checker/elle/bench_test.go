package elle

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/elle/txnsim"
)

// cpuTime is the CPU this process has used (all threads, GC included). On
// a machine shared with other builds, CPU time per op is steadier than
// wall time, so the benchmarks report both.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchSizes go from 10k to 1M transactions so that growth can be read off
// one run: Elle's default shape (1-4 micro-ops, 10 active keys on an
// exponential distribution, 256 appends per key, 20 processes).
var benchSizes = []int{10_000, 100_000, 1_000_000}

func BenchmarkListAppendStrictSerializable(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("txns=%d", n), func(b *testing.B) {
			h := simulate(b, txnsim.Config{Seed: 1, Txns: n, Workload: txnsim.ListAppend, Behaviour: txnsim.StrictSerializable})
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuTime()
			for i := 0; i < b.N; i++ {
				v, _, err := AnalyzeListAppend(context.Background(), h, Options{})
				if err != nil || v != checker.Valid {
					b.Fatalf("%v %v", v, err)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N)/float64(n), "cpu-ns/txn")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/txn")
		})
	}
}

func BenchmarkRWRegisterStrictSerializable(b *testing.B) {
	for _, n := range benchSizes[:2] {
		b.Run(fmt.Sprintf("txns=%d", n), func(b *testing.B) {
			h := simulate(b, txnsim.Config{Seed: 1, Txns: n, Workload: txnsim.RWRegister, Behaviour: txnsim.StrictSerializable})
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				v, _, err := AnalyzeRWRegister(context.Background(), h, registerOptions)
				if err != nil || v != checker.Valid {
					b.Fatalf("%v %v", v, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/txn")
		})
	}
}

// BenchmarkListAppendSnapshotIsolation measures a history full of cycles:
// the cost of the component search, not just of building the graph.
func BenchmarkListAppendSnapshotIsolation(b *testing.B) {
	for _, n := range benchSizes[:2] {
		b.Run(fmt.Sprintf("txns=%d", n), func(b *testing.B) {
			h := simulate(b, txnsim.Config{Seed: 1, Txns: n, Workload: txnsim.ListAppend, Behaviour: txnsim.SnapshotIsolation})
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, _, err := AnalyzeListAppend(context.Background(), h, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
