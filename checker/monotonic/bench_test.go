package monotonic

import (
	"context"
	"testing"

	"github.com/faultline/faultline/checker/internal/histbuild"
	"github.com/faultline/faultline/history"
)

// BenchmarkMonotonic checks 20000 overlapping increments and reads of 8 keys
// from 5 processes; the cost per op should stay flat as histories grow (a
// binary search per observation).
func BenchmarkMonotonic(b *testing.B) {
	hb := histbuild.New()
	values := make([]int64, 8)
	for i := range 20000 {
		k := i % 8
		p := i % 5
		hb.Invoke(p, "inc", nil)
		values[k]++
		hb.OK(p, "inc", history.Map{{Key: k, Value: values[k]}})
	}
	h := hb.History()
	b.ResetTimer()
	for b.Loop() {
		if r := Checker(Options{}).Check(context.Background(), h); r.Valid.String() != "true" {
			b.Fatalf("valid = %v: %s", r.Valid, r.Summary)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(h.Len()), "ns/op-in-history")
}
