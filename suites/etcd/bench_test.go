package etcd_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faultline/faultline/cli"
)

// BenchmarkRegisterWithPartitions is the README's main job on the test
// cluster: register with partitions for FAULTLINE_BENCH_TIME_LIMIT seconds
// (default 60), through the CLI, in this process. It reports the client
// ops completed per second of workload, and the CPU time this process (the
// whole framework: SSH setup, runner, clients, checker, reports; the etcd
// daemons are other processes) used per second of wall time of the whole
// command, as a percentage of one core; and, from run.log, the run phase's
// own ops/s and CPU share (the figures of the CPU target). Run it with -benchtime 1x;
// FAULTLINE_BENCH_CONCURRENCY (default 2n) and FAULTLINE_BENCH_RATE (ops/s,
// default unlimited) shape the load.
func BenchmarkRegisterWithPartitions(b *testing.B) {
	limit := os.Getenv("FAULTLINE_BENCH_TIME_LIMIT")
	if limit == "" {
		limit = "60"
	}
	concurrency := os.Getenv("FAULTLINE_BENCH_CONCURRENCY")
	if concurrency == "" {
		concurrency = "2n"
	}
	args := []string{"test", "--workload", "register", "--nemesis", "partition", "--time-limit", limit, "--concurrency", concurrency}
	if rate := os.Getenv("FAULTLINE_BENCH_RATE"); rate != "" {
		args = append(args, "--rate", rate)
	}
	for b.Loop() {
		before := cpuTime(b)
		start := time.Now()
		code, _, l := run(b, args...)
		wall := time.Since(start)
		cpu := cpuTime(b) - before
		if code != cli.ExitValid {
			b.Fatalf("exit %d", code)
		}
		client, _ := counts(l)
		var first, last int64 = -1, 0
		for _, op := range l.History.All() {
			if op.IsClient() {
				if first < 0 {
					first = op.Time
				}
				last = op.Time
			}
		}
		completed := client["ok"] + client["fail"] + client["info"]
		runSecs := time.Duration(last - first).Seconds()
		b.ReportMetric(float64(completed)/runSecs, "ops/s")
		b.ReportMetric(float64(client["ok"])/runSecs, "ok-ops/s")
		b.ReportMetric(100*cpu.Seconds()/wall.Seconds(), "%cpu-of-one-core")
		b.ReportMetric(cpu.Seconds()*1e6/float64(completed), "cpu-µs/op")
		b.ReportMetric(wall.Seconds(), "command-s")
		phase := runPhase(b, l.Dir)
		b.ReportMetric(phase["framework-cpu-percent"], "run-%cpu-of-one-core")
		b.ReportMetric(phase["client-ops-per-sec"], "run-ops/s")
	}
}

// runPhase reads the numbers of run.log's "run phase ended" line (a
// key=value log line): the run phase alone, without setup, checking and
// reports.
func runPhase(b *testing.B, dir string) map[string]float64 {
	data, err := os.ReadFile(filepath.Join(dir, "run.log"))
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if !strings.Contains(line, `msg="run phase ended"`) {
			continue
		}
		nums := map[string]float64{}
		for _, field := range strings.Fields(line) {
			k, v, _ := strings.Cut(field, "=")
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				nums[k] = f
			}
		}
		return nums
	}
	b.Fatalf("no run phase ended line in %s/run.log", dir)
	return nil
}

// cpuTime is the user+system CPU time this process has used so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
