package checker_test

import (
	"slices"
	"testing"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/counter"
	"github.com/faultline/faultline/checker/elle"
	"github.com/faultline/faultline/checker/independent"
	"github.com/faultline/faultline/checker/linear"
	"github.com/faultline/faultline/checker/linear/model"
	"github.com/faultline/faultline/checker/set"
	"github.com/faultline/faultline/checker/uniqueids"
)

// The fuzz targets of the checkers that search: linearizability (each
// model), Elle's list-append and rw-register (option combinations), and
// the independent lifting of other checkers. See fuzz_helpers_test.go for
// what each asserts.

// linearLimits keep one fuzz input from searching for long: a history of
// at most linearMaxOps ops, and a time and memory limit past which the
// verdict is unknown (which fuzzChecker does not compare).
const linearMaxOps = 40

func fuzzLinear(m model.Model) checker.Checker {
	return linear.New(m, linear.Options{Workers: 1, Timeout: 250 * time.Millisecond, MaxMemory: 64 << 20})
}

// FuzzLinear: the option byte's low three bits pick the model
// (model.Names), bit 3 turns on Knossos's nil reads for the models that
// have register reads, bit 4 gives the register-like models the initial
// value 0.
func FuzzLinear(f *testing.F) {
	fuzzChecker(f, fuzzCase{maxOps: linearMaxOps, bounded: true, build: func(opt uint8) checker.Checker {
		name := model.Names[int(opt&7)%len(model.Names)]
		var o model.Options
		if slices.Contains(model.NilReaders, name) {
			o.NilReadsMatchAny = opt&8 != 0
			if opt&16 != 0 {
				o.Initial = int64(0)
			}
		}
		m, err := model.ByName(name, o)
		if err != nil {
			panic(err) // the options above are ones every model takes
		}
		return fuzzLinear(m)
	}})
}

// FuzzIndependent lifts a checker to [key value] histories: the option
// byte picks counter, set-full, unique-ids or linearizability of a
// cas-register.
func FuzzIndependent(f *testing.F) {
	fuzzChecker(f, fuzzCase{maxOps: 4 * linearMaxOps, bounded: true, build: func(opt uint8) checker.Checker {
		var inner checker.Checker
		switch opt % 4 {
		case 0:
			inner = counter.Checker()
		case 1:
			inner = set.FullChecker(set.FullOptions{})
		case 2:
			inner = uniqueids.Checker()
		default:
			inner = fuzzLinear(model.CASRegister(nil))
		}
		return independent.Checker(inner, independent.Options{Parallelism: 1})
	}})
}

// elleModels are the consistency models the option byte's top three bits
// pick from: the default, models of every strength, one Elle defines beyond
// its anomalies (linearizable: never valid), and no model with anomalies
// named instead.
var elleModels = []elle.Options{
	{},
	{ConsistencyModels: []string{"serializable"}},
	{ConsistencyModels: []string{"snapshot-isolation"}},
	{ConsistencyModels: []string{"read-committed"}},
	{ConsistencyModels: []string{"repeatable-read", "strong-session-PL-1"}},
	{ConsistencyModels: []string{"linearizable"}},
	{ConsistencyModels: []string{"none"}, Anomalies: []string{"G1", "lost-update"}},
	{ConsistencyModels: []string{}, Anomalies: []string{"G-single-item-process", "internal"}},
}

// elleOptions: bits 0-4 turn on rw-register's version-order inferences and
// garbage reads, bits 5-7 pick the models. The cycle search has a small
// budget of edge visits (the same answer on every machine) rather than a
// timeout.
func elleOptions(opt uint8) elle.Options {
	o := elleModels[opt>>5]
	o.InitialNil = opt&1 != 0
	o.WritesFollowReads = opt&2 != 0
	o.SequentialKeys = opt&4 != 0
	o.LinearizableKeys = opt&8 != 0
	o.GarbageReads = opt&16 != 0
	o.CycleSearchBudget = 200_000
	return o
}

// elleMaxOps keeps each input's analysis short, so the fuzzer tries many.
const elleMaxOps = 400

func FuzzListAppend(f *testing.F) {
	fuzzChecker(f, fuzzCase{maxOps: elleMaxOps, build: func(opt uint8) checker.Checker { return elle.ListAppend(elleOptions(opt)) }})
}

func FuzzRWRegister(f *testing.F) {
	fuzzChecker(f, fuzzCase{maxOps: elleMaxOps, build: func(opt uint8) checker.Checker { return elle.RWRegister(elleOptions(opt)) }})
}
