// Command clockhelper is the small static program the clock nemesis uploads
// to each node (built with CGO_ENABLED=0, so nodes need no compiler and no
// libc of a particular version). It reads and moves the node's wall clock
// with clock_gettime/clock_settime:
//
//	clockhelper now                          print CLOCK_REALTIME in ns since the epoch
//	clockhelper bump <ms>                    move the clock by ms (negative: back)
//	clockhelper strobe <ms> <period-ms> <duration-ms>
//	                                         every period, jump ms forward, then back
//	                                         at the next period, for duration; ends
//	                                         where it would have been without strobing
//
// Timing uses CLOCK_MONOTONIC, which clock_settime does not move.
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "clockhelper:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("expected a command: now, bump <ms>, strobe <ms> <period-ms> <duration-ms>")
	}
	nums := make([]int64, len(args)-1)
	for i, a := range args[1:] {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil {
			return fmt.Errorf("%s: argument %d %q: expected an integer number of milliseconds", args[0], i+1, a)
		}
		nums[i] = n
	}
	switch {
	case args[0] == "now" && len(nums) == 0:
		ns, err := now()
		if err != nil {
			return err
		}
		fmt.Println(ns)
		return nil
	case args[0] == "bump" && len(nums) == 1:
		return bump(nums[0] * int64(time.Millisecond))
	case args[0] == "strobe" && len(nums) == 3:
		if nums[1] <= 0 || nums[2] < 0 {
			return fmt.Errorf("strobe: period %d ms and duration %d ms: expected a positive period and a duration of zero or more", nums[1], nums[2])
		}
		return strobe(time.Duration(nums[0])*time.Millisecond, time.Duration(nums[1])*time.Millisecond, time.Duration(nums[2])*time.Millisecond)
	}
	return fmt.Errorf("%q with %d arguments: expected now, bump <ms>, or strobe <ms> <period-ms> <duration-ms>", args[0], len(nums))
}

func now() (int64, error) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_REALTIME, &ts); err != nil {
		return 0, fmt.Errorf("clock_gettime: %w", err)
	}
	return ts.Nano(), nil
}

func bump(delta int64) error {
	ns, err := now()
	if err != nil {
		return err
	}
	ts := unix.NsecToTimespec(ns + delta)
	if err := unix.ClockSettime(unix.CLOCK_REALTIME, &ts); err != nil {
		return fmt.Errorf("clock_settime: %w", err)
	}
	return nil
}

func strobe(delta, period, duration time.Duration) error {
	end := time.Now().Add(duration) // monotonic reading
	ahead := false
	for time.Now().Before(end) {
		d := delta
		if ahead {
			d = -delta
		}
		if err := bump(int64(d)); err != nil {
			return err
		}
		ahead = !ahead
		time.Sleep(period)
	}
	if ahead {
		return bump(int64(-delta))
	}
	return nil
}
