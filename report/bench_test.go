package report

import (
	"bytes"
	"strconv"
	"testing"
)

// benchSizes are the history sizes (ops) the benchmarks run at; comparing
// them in one process shows how rendering scales, which stays meaningful on
// a loaded machine where absolute times do not.
var benchSizes = []int{10_000, 100_000}

func benchHistory(ops int) genOpts {
	return genOpts{seed: 42, ops: ops, concurrency: 10, nemesis: true, seconds: 120}
}

// BenchmarkTimeline measures timeline.html generation; the target is under
// 2 s for 100k ops.
func BenchmarkTimeline(b *testing.B) {
	for _, n := range benchSizes {
		h := genHistory(benchHistory(n))
		b.Run(strconv.Itoa(n/1000)+"k", func(b *testing.B) {
			var buf bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				if err := Timeline(h, &buf); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(buf.Len()), "page-bytes")
		})
	}
}

// BenchmarkPlots measures each plot in each format.
func BenchmarkPlots(b *testing.B) {
	for _, n := range benchSizes {
		h := genHistory(benchHistory(n))
		for _, p := range (Renderer{}).plots() {
			if p.name == "bank" {
				continue // a register history; bank totals are benchmarked below
			}
			for _, f := range []Format{PNG, SVG} {
				b.Run(p.name+"/"+string(f)+"/"+strconv.Itoa(n/1000)+"k", func(b *testing.B) {
					var buf bytes.Buffer
					for b.Loop() {
						buf.Reset()
						if err := p.draw(h, &buf, f); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(buf.Len()), "file-bytes")
				})
			}
		}
	}
}

// BenchmarkWriteAll measures everything a run directory gets, drawn by one
// worker and by two (WriteAll uses one per CPU; this machine has two).
func BenchmarkWriteAll(b *testing.B) {
	for _, n := range benchSizes {
		h := genHistory(benchHistory(n))
		for _, workers := range []int{1, 2} {
			b.Run(strconv.Itoa(n/1000)+"k/workers="+strconv.Itoa(workers), func(b *testing.B) {
				for b.Loop() {
					if _, err := (Renderer{}).writeAll(b.TempDir(), h, workers); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
