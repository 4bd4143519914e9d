package runner

import (
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
