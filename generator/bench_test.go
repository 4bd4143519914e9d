package generator

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime is the CPU time this process has used (user and system, all
// threads, the garbage collector's included). The machine is shared, so wall
// time per op says as much about the neighbours as about the code; CPU time
// per op is the steadier figure.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchWorkloads are generator trees of the shapes tests use, measured per
// invocation in Simulate with 10 client threads and 1ms latencies. "bare" is
// the floor: Simulate's own bookkeeping with the simplest generator.
func benchWorkloads() []struct {
	name string
	gen  func() Generator
} {
	mix3 := func() Generator {
		return Mix(Repeat(Invoke("read", nil)), Repeat(Invoke("write", 1)), Repeat(Invoke("cas", []any{1, 2})))
	}
	return []struct {
		name string
		gen  func() Generator
	}{
		{"bare", func() Generator { return Clients(Repeat(Invoke("read", nil))) }},
		{"mix3-stagger-timelimit", func() Generator {
			return Clients(TimeLimit(time.Hour, Stagger(10*time.Microsecond, mix3())))
		}},
		{"clients-mix3+nemesis-cycle", func() Generator {
			return Any(
				Clients(TimeLimit(time.Hour, Stagger(10*time.Microsecond, mix3()))),
				Nemesis(Stagger(time.Millisecond, Cycle(Seq(Invoke("start", nil), Invoke("stop", nil))))))
		}},
		{"phases-each-thread-until-ok", func() Generator {
			return Phases(
				Clients(Limit(1<<62, mix3())),
				Clients(EachThread(UntilOK(Repeat(Invoke("read", nil))))))
		}},
		{"reserve-3-ranges", func() Generator {
			return Clients(Reserve([]Reservation{
				{Threads: 3, Gen: Repeat(Invoke("write", 1))},
				{Threads: 3, Gen: Repeat(Invoke("cas", []any{1, 2}))},
			}, Repeat(Invoke("read", nil))))
		}},
	}
}

// BenchmarkSimulate reports the cost per op (ns/op and allocs/op are per
// invocation) of generator plus simulated interpreter.
func BenchmarkSimulate(b *testing.B) {
	for _, w := range benchWorkloads() {
		for _, validate := range []bool{false, true} {
			name := w.name
			if validate {
				name += "/validated"
			}
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				cpu := cpuTime()
				sim, err := Simulate(w.gen(), Sim{Concurrency: 10, Seed: 1, OpLimit: b.N, NoValidate: !validate})
				b.StopTimer()
				b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
				if err != nil {
					b.Fatal(err)
				}
				if got := len(invokes(sim.History)); got != b.N {
					b.Fatalf("%d invokes, want %d", got, b.N)
				}
			})
		}
	}
}
