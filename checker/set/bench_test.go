package set

import (
	"context"
	"fmt"
	"testing"

	"github.com/faultline/faultline/checker/internal/histbuild"
	"github.com/faultline/faultline/history"
)

// setHistory adds n elements from 4 processes and reads the whole set after
// every 10 adds, so the read count grows with n and each read is ~n/2 big.
func setHistory(n int) *history.History {
	b := histbuild.New()
	var present []any
	for e := range n {
		b.Op(e%4, history.OK, "add", e)
		present = append(present, e)
		if e%10 == 9 {
			b.Op(4, history.OK, "read", append([]any(nil), present...))
		}
	}
	return b.History()
}

// BenchmarkSetVsSetFull compares the final-read set checker with set-full,
// which follows every element through every read (reads x elements work).
func BenchmarkSetVsSetFull(b *testing.B) {
	for _, n := range []int{500, 2000} {
		h := setHistory(n)
		b.Run(fmt.Sprintf("set/elements=%d", n), func(b *testing.B) {
			for b.Loop() {
				Checker().Check(context.Background(), h)
			}
		})
		b.Run(fmt.Sprintf("set-full/elements=%d", n), func(b *testing.B) {
			for b.Loop() {
				FullChecker(FullOptions{}).Check(context.Background(), h)
			}
		})
	}
}
