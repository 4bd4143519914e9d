package history

import "testing"

// keyedHistory builds n completed ops over k integer keys, as an independent
// register history would have.
func keyedHistory(n, k int) *History {
	ops := make([]Op, 0, 2*n)
	for i := 0; i < n; i++ {
		key := int64(i % k)
		p := i % 50
		ops = append(ops,
			Op{Index: 2 * i, Type: Invoke, Process: p, F: "write", Value: []any{key, int64(i)}},
			Op{Index: 2*i + 1, Type: OK, Process: p, F: "write", Value: []any{key, int64(i)}})
	}
	return MustNew(ops...)
}

func BenchmarkByKey(b *testing.B) {
	h := keyedHistory(100_000, 1000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if ks := h.ByKey(TupleKey); len(ks) != 1000 {
			b.Fatal(len(ks))
		}
	}
}
