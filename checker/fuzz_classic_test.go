package checker_test

import (
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/bank"
	"github.com/faultline/faultline/checker/counter"
	"github.com/faultline/faultline/checker/longfork"
	"github.com/faultline/faultline/checker/monotonic"
	"github.com/faultline/faultline/checker/queue"
	"github.com/faultline/faultline/checker/sequential"
	"github.com/faultline/faultline/checker/set"
	"github.com/faultline/faultline/checker/stats"
	"github.com/faultline/faultline/checker/unhandled"
	"github.com/faultline/faultline/checker/uniqueids"
)

// One fuzz target per classic checker (see fuzz_helpers_test.go for what
// each asserts); the option byte picks the checker's options where it has
// any.

// plain is the build of a checker without options.
func plain[C checker.Checker](c func() C) fuzzCase {
	return fuzzCase{build: func(uint8) checker.Checker { return c() }}
}

func FuzzCounter(f *testing.F)    { fuzzChecker(f, plain(counter.Checker)) }
func FuzzSet(f *testing.F)        { fuzzChecker(f, plain(set.Checker)) }
func FuzzQueue(f *testing.F)      { fuzzChecker(f, plain(queue.Checker)) }
func FuzzUniqueIDs(f *testing.F)  { fuzzChecker(f, plain(uniqueids.Checker)) }
func FuzzSequential(f *testing.F) { fuzzChecker(f, plain(sequential.Checker)) }
func FuzzStats(f *testing.F)      { fuzzChecker(f, plain(stats.Checker)) }
func FuzzUnhandled(f *testing.F)  { fuzzChecker(f, plain(unhandled.Checker)) }

func FuzzSetFull(f *testing.F) {
	fuzzChecker(f, fuzzCase{build: func(opt uint8) checker.Checker {
		return set.FullChecker(set.FullOptions{Linearizable: opt&1 == 1})
	}})
}

func FuzzTotalQueue(f *testing.F) {
	fuzzChecker(f, fuzzCase{build: func(opt uint8) checker.Checker {
		return queue.TotalChecker(queue.TotalOptions{ForbidDuplicates: opt&1 == 1})
	}})
}

// FuzzBank: bit 0 configures a total (the other bits give it), bit 1
// allows negative balances, bit 2 configures accounts 0, 1 and 2.
func FuzzBank(f *testing.F) {
	fuzzChecker(f, fuzzCase{build: func(opt uint8) checker.Checker {
		o := bank.Options{NegativeOK: opt&2 != 0}
		if opt&1 != 0 {
			total := int64(opt >> 3)
			o.Total = &total
		}
		if opt&4 != 0 {
			o.Accounts = []any{int64(0), int64(1), int64(2)}
		}
		return bank.Checker(o)
	}})
}

// FuzzLongFork: the option byte is the group size, 0 to 4.
func FuzzLongFork(f *testing.F) {
	fuzzChecker(f, fuzzCase{build: func(opt uint8) checker.Checker {
		return longfork.Checker(longfork.Options{GroupSize: int(opt % 5)})
	}})
}

// FuzzMonotonic: bit 0 observes the default fs (read, inc), else only add.
func FuzzMonotonic(f *testing.F) {
	fuzzChecker(f, fuzzCase{build: func(opt uint8) checker.Checker {
		if opt&1 == 0 {
			return monotonic.Checker(monotonic.Options{})
		}
		return monotonic.Checker(monotonic.Options{Fs: []string{"add"}})
	}})
}
