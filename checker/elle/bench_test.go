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

// benchCheck times the check of a simulated history of each size, outside
// the generation, and fails if the verdict is not want.
func benchCheck(b *testing.B, sizes []int, c txnsim.Config, o Options, want checker.Validity) {
	analyze := analyzerFor(c.Workload)
	for _, n := range sizes {
		b.Run(fmt.Sprintf("txns=%d", n), func(b *testing.B) {
			c.Txns = n
			h := simulate(b, c)
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuTime()
			for i := 0; i < b.N; i++ {
				v, _, err := analyze(context.Background(), h, o)
				if err != nil || v != want {
					b.Fatalf("verdict %v, want %v (%v)", v, want, err)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N)/float64(n), "cpu-ns/txn")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/txn")
		})
	}
}

func BenchmarkListAppendStrictSerializable(b *testing.B) {
	benchCheck(b, benchSizes, txnsim.Config{Seed: 1, Workload: txnsim.ListAppend, Behaviour: txnsim.StrictSerializable}, Options{}, checker.Valid)
}

func BenchmarkRWRegisterStrictSerializable(b *testing.B) {
	benchCheck(b, benchSizes[:2], txnsim.Config{Seed: 1, Workload: txnsim.RWRegister, Behaviour: txnsim.StrictSerializable}, registerOptions, checker.Valid)
}

// BenchmarkListAppendSnapshotIsolation measures a history full of small
// cycles: thousands of components, each searched for every class.
func BenchmarkListAppendSnapshotIsolation(b *testing.B) {
	benchCheck(b, benchSizes, txnsim.Config{Seed: 1, Workload: txnsim.ListAppend, Behaviour: txnsim.SnapshotIsolation}, Options{}, checker.Invalid)
}

// BenchmarkListAppendSerializable measures the other extreme: a serial
// order that ignores real time joins nearly every transaction into one
// strongly connected component.
func BenchmarkListAppendSerializable(b *testing.B) {
	benchCheck(b, benchSizes, txnsim.Config{Seed: 1, Workload: txnsim.ListAppend, Behaviour: txnsim.Serializable}, Options{}, checker.Invalid)
}
