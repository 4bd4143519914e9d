package runner

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
)

// registerSchedule is a workload's schedule built from the generator
// package's combinators, as a real suite writes it: random register ops at a
// staggered rate with the slow nemesis cycling, cut at the time limit, then
// the nemesis healed, then one successful read per thread.
func registerSchedule(limit time.Duration) generator.Generator {
	g := generator.Func
	writes := g(func(ctx *generator.Context) generator.Generator {
		return generator.Invoke("write", int64(ctx.Rand.IntN(5)))
	})
	cas := g(func(ctx *generator.Context) generator.Generator {
		return generator.Invoke("cas", []any{int64(ctx.Rand.IntN(5)), int64(ctx.Rand.IntN(5))})
	})
	return generator.Phases(
		generator.TimeLimit(limit, generator.Any(
			generator.Clients(generator.Stagger(200*time.Microsecond, generator.Mix(
				generator.Repeat(generator.Invoke("read", nil)), writes, cas))),
			generator.Nemesis(generator.Cycle(generator.Seq(
				generator.SleepFor(40*time.Millisecond), generator.Invoke("start-slow", nil),
				generator.SleepFor(40*time.Millisecond), generator.Invoke("stop-slow", nil)))))),
		generator.Nemesis(generator.Invoke("stop-slow", nil)),
		generator.Clients(generator.EachThread(generator.UntilOK(generator.Repeat(generator.Invoke("read", nil))))))
}

func TestRunDrivesTheGeneratorPackagesCombinators(t *testing.T) {
	for _, c := range []struct {
		name string
		lag  int
		want checker.Validity
	}{{"correct", 0, checker.Valid}, {"stale", 3, checker.Invalid}} {
		t.Run(c.name, func(t *testing.T) {
			test, _, _, _ := kvTest(t, c.lag)
			test.Generator = registerSchedule(300 * time.Millisecond)
			out, err := Run(context.Background(), test)
			if err != nil {
				t.Fatal(err)
			}
			if out.Result.Valid != c.want {
				t.Fatalf("verdict %v, want %v: %s", out.Result.Valid, c.want, out.Result.Summary)
			}
			ops := slices.Collect(out.History.Operations())
			var nemesisFs []string
			for _, op := range ops {
				if op.Invoke.IsNemesis() {
					nemesisFs = append(nemesisFs, op.Invoke.F)
				}
				if op.Invoke.Type != history.Invoke || op.Invoke.F == "" {
					t.Fatalf("a control op was recorded: %v", op.Invoke)
				}
			}
			if len(nemesisFs) < 4 || nemesisFs[0] != "start-slow" || nemesisFs[len(nemesisFs)-1] != "stop-slow" {
				t.Fatalf("nemesis ops %v: want the cycle (sleeps performed by the nemesis worker, unrecorded) ending healed", nemesisFs)
			}
			// The final phase: one ok read per client thread, after the limit.
			final := map[int]bool{}
			for _, op := range ops[len(ops)-test.Concurrency:] {
				if op.Invoke.F != "read" || op.Outcome() != history.OK || op.Invoke.Time < int64(300*time.Millisecond) {
					t.Fatalf("final op %v / %v: want ok reads after the time limit", op.Invoke, op.Complete)
				}
				final[op.Invoke.Process%test.Concurrency] = true
			}
			if len(final) != test.Concurrency {
				t.Fatalf("final reads on threads %v, want every one of %d", final, test.Concurrency)
			}
		})
	}
}
