package runner

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/nemesis"
	"github.com/faultline/faultline/runner/internal/fakekv"
	"github.com/faultline/faultline/runstore"
)

// benchInterpreter runs b.N client ops from gen through the interpreter with
// ten workers and a no-op client, streaming the history to disk as a run
// does, and reports ops/s (client ops, each an invoke and a completion) and
// the generator's share per op.
func benchInterpreter(b *testing.B, gen generator.Generator) {
	benchInterpreterTo(b, gen, filepath.Join(b.TempDir(), runstore.StreamFile))
}

// benchInterpreterTo streams the history to path.
func benchInterpreterTo(b *testing.B, gen generator.Generator, path string) {
	j, err := runstore.OpenJournal(path, runstore.JournalOptions{})
	if err != nil {
		b.Fatal(err)
	}
	in := &interpreter{
		concurrency: 10, nodes: []string{"n1", "n2", "n3", "n4", "n5"},
		client: fakekv.Noop{}, nemesis: nemesis.Noop{}, log: quiet,
		phases: []generator.Generator{gen},
		record: func(op history.Op) {
			if err := j.Append(op); err != nil {
				b.Fatal(err)
			}
		},
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime(b)
	start := time.Now()
	o, err := in.run(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	if err := j.Close(); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	cpu := cpuTime(b) - cpu0
	b.StopTimer()
	if len(o.ops) != 2*b.N {
		b.Fatalf("recorded %d ops, want %d", len(o.ops), 2*b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "ops/s")
	// CPU time per op (all goroutines, user+system) is what the load of
	// other processes on a shared machine changes least.
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(in.genTime.Nanoseconds())/float64(b.N), "gen-ns/op")
	b.ReportMetric(100*float64(in.genTime)/float64(elapsed), "gen-%")
}

// cpuTime is the CPU time this process has used so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkInterpreterHandWritten uses the hand-written register-op
// generator of the fake KV.
func BenchmarkInterpreterHandWritten(b *testing.B) {
	benchInterpreter(b, &fakekv.Ops{Remaining: b.N, F: "read"})
}

// BenchmarkInterpreterCombinators uses the generator package's combinators,
// as a workload would: clients(limit(n, repeat(invoke read))).
func BenchmarkInterpreterCombinators(b *testing.B) {
	benchInterpreter(b, generator.Clients(generator.Limit(b.N, generator.Repeat(generator.Invoke("read", nil)))))
}

// BenchmarkInterpreterTmpfs is BenchmarkInterpreterHandWritten with the
// journal on tmpfs (/dev/shm), where fsync costs nothing: the difference is
// the disk's share.
func BenchmarkInterpreterTmpfs(b *testing.B) {
	dir, err := os.MkdirTemp("/dev/shm", "faultline-bench-")
	if err != nil {
		b.Skipf("no tmpfs at /dev/shm: %v", err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	benchInterpreterTo(b, &fakekv.Ops{Remaining: b.N, F: "read"}, filepath.Join(dir, runstore.StreamFile))
}
