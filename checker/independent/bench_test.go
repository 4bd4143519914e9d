package independent

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/faultline/faultline/checker/internal/histbuild"
	"github.com/faultline/faultline/checker/set"
	"github.com/faultline/faultline/history"
)

// BenchmarkIndependentParallelism checks 16 keys of set-full histories (1500 elements each) one
// key at a time and GOMAXPROCS keys at a time, to show what the parallel
// per-key checking buys; split-only is the sequential part (ByKey) both
// share.
func BenchmarkIndependentParallelism(b *testing.B) {
	hb := histbuild.New()
	for k := range 16 {
		var present []any
		for e := range 1500 {
			hb.Op(k%8, history.OK, "add", []any{k, e})
			present = append(present, e)
			if e%10 == 9 {
				hb.Op(8+k%8, history.OK, "read", []any{k, append([]any(nil), present...)})
			}
		}
	}
	h := hb.History()
	b.Run("split-only", func(b *testing.B) {
		for b.Loop() {
			h.ByKey(history.TupleKey)
		}
	})
	for _, n := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("parallelism=%d", n), func(b *testing.B) {
			c := Checker(set.FullChecker(set.FullOptions{}), Options{Parallelism: n})
			for b.Loop() {
				if r := c.Check(context.Background(), h); r.Details.(*Details).InvalidCount != 0 {
					b.Fatalf("unexpected invalid keys: %s", r.Summary)
				}
			}
		})
	}
}
