package runner

import (
	"runtime"
	"syscall"
	"time"
)

// processCPU is the CPU time (user + system, all threads) this process has
// used so far. The run phase logs its share of one core, so a user can see
// what the framework itself costs next to the database it drives.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuShare is cpu as a percentage of one core over wall.
func cpuShare(cpu, wall time.Duration) float64 {
	if wall <= 0 {
		return 0
	}
	return 100 * float64(cpu) / float64(wall)
}

// cpuPerOp is cpu in microseconds per completed client op: unlike the
// share of a core, it does not depend on the rate the test asked for.
func cpuPerOp(cpu time.Duration, completed int64) int64 {
	if completed <= 0 {
		return 0
	}
	return cpu.Microseconds() / completed
}

// capProcs sets GOMAXPROCS to n for the run phase (Test.RunProcs; n <= 0
// leaves it) and returns what restores the previous setting.
//
// Why a harness may want one processor: the run phase waits. Its
// goroutines (the control loop, one worker per thread, the clients'
// connection readers and writers) wake for a moment when a timer fires or
// a reply arrives, and sleep again. With several processors, every such
// wake-up also wakes an idle processor's thread to look for work, and
// every system call longer than a scheduler tick hands the processor to
// another thread; on a virtual machine each of those thread switches costs
// tens of microseconds. One processor keeps a wake-up on one thread: the
// etcd suite's register workload at 500 ops/s used about a fifth less CPU
// per op with GOMAXPROCS=1 than with 2, at the same throughput flat out
// (see BENCHMARKS.md). A client that does heavy CPU work per op (large
// payloads, TLS handshakes) wants more.
func capProcs(n int) (restore func()) {
	if n <= 0 || n >= runtime.GOMAXPROCS(0) {
		return func() {}
	}
	prev := runtime.GOMAXPROCS(n)
	return func() { runtime.GOMAXPROCS(prev) }
}
