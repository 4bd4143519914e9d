package elle

import (
	"testing"

	"github.com/faultline/faultline/checker/elle/consistency"
)

// Cases the oracle property test found the checker judging valid.
var listAppendOracleCases = []struct {
	name  string
	txs   []tx
	order string
	o     Options
	want  want
}{
	// T1 reads x twice before appending; T2 reads x and appends: both
	// overwrote the version the other read. Only the first read of a key
	// before a transaction's append makes it a read-modify-write, and a
	// second, later read must not hide it.
	{"lost update by a transaction that reads the key twice first", []tx{ok(0, r(x), r(x), ap(x, 1)), ok(1, r(x), ap(x, 2))}, "i0 i1 c0 c1", models("snapshot-isolation"),
		want{Invalid, []string{consistency.G2Item, consistency.LostUpdate}, []int{0, 1}, []string{"2 committed transactions read key 1 = [] and each appended to it"}, consistency.LostUpdate, false}},
	{"... one of them sees the other's append: no lost update", []tx{ok(0, r(x), r(x), ap(x, 1)), ok(1, r(x, 1), ap(x, 2))}, "", models("snapshot-isolation"),
		want{valid: Valid}},

	// A transaction's own appends, shown out of the order it made them.
	// An incompatible order is a G1a (Elle's implication), so
	// read-committed forbids it; the key keeps its edges between different
	// transactions.
	{"own appends read out of order", []tx{ok(0, ap(x, 2), ap(x, 3)), ok(1, ap(x, 1)), ok(2, r(x, 3, 2, 1))}, "", models("read-committed"),
		want{Invalid, []string{consistency.IncompatibleOrder}, []int{2, 0}, []string{"T1 read key 1 = [3 2 1], which has 3 before 2, but T2 appended 2 first"}, consistency.IncompatibleOrder, false}},
	{"own appends read without the earlier one", []tx{ok(0, ap(x, 2), ap(x, 3)), ok(1, ap(x, 1)), ok(2, r(x, 1, 3))}, "", models("read-committed"),
		want{Invalid, []string{consistency.IncompatibleOrder}, []int{2, 0}, []string{"T1 read key 1 = [1 3], which has 3 but not 2, which T2 appended before it"}, consistency.IncompatibleOrder, false}},
	{"... in order: valid", []tx{ok(0, ap(x, 2), ap(x, 3)), ok(1, ap(x, 1)), ok(2, r(x, 2, 3, 1))}, "", Options{},
		want{valid: Valid}},
}

func TestListAppendOracleFindings(t *testing.T) {
	for _, c := range listAppendOracleCases {
		t.Run(c.name, func(t *testing.T) {
			expect(t, AnalyzeListAppend, c.txs, c.order, c.o, c.want)
		})
	}
}
