package elle

import (
	"testing"

	"github.com/faultline/faultline/checker/elle/consistency"
	"github.com/faultline/faultline/history"
)

// An append that no read shows still came after every element any read
// shows for its key. Each case is one the checker once judged valid
// because the unread append got no edges, beside a twin that must stay
// valid, under each model where the verdict changes.
var unseenAppendCases = []struct {
	name  string
	txs   []tx
	order string
	o     Options
	want  want
}{
	// T1 appends; after it completes, T2 reads the initial state.
	{"a read of [] after an acknowledged append completed", []tx{ok(0, ap(x, 1)), ok(1, r(x))}, "", Options{},
		want{Invalid, []string{consistency.Realtime(consistency.GSingleItem)}, []int{0, 1}, []string{"T2 read key 1 = [], which does not have 1, which T1 appended; no read shows that append", "T1 completed (op 1) before T2 was invoked (op 2)"}, "", false}},
	{"... the same read concurrent with the append is valid", []tx{ok(0, ap(x, 1)), ok(1, r(x))}, "i0 i1 c0 c1", Options{},
		want{valid: Valid}},
	{"... and serializable allows the stale read", []tx{ok(0, ap(x, 1)), ok(1, r(x))}, "", models("serializable"),
		want{valid: Valid}},
	{"... a nil read is a read of the initial state too", []tx{ok(0, ap(x, 1)), ok(1, rnil(x))}, "", Options{},
		want{Invalid, []string{consistency.Realtime(consistency.GSingleItem)}, nil, nil, "", false}},

	// One process appends 1, then 2; a later read by another shows [1].
	{"a later read misses the second of two appends", []tx{ok(0, ap(x, 1)), ok(0, ap(x, 2)), ok(1, r(x, 1))}, "", Options{},
		want{Invalid, []string{consistency.Realtime(consistency.GSingleItem)}, []int{1, 2}, []string{"T2 read key 1 = [1], which does not have 2, which T1 appended"}, "", false}},
	{"... the read that shows both is valid", []tx{ok(0, ap(x, 1)), ok(0, ap(x, 2)), ok(1, r(x, 1, 2))}, "", Options{},
		want{valid: Valid}},
	// T1's append to x is the last any read shows, so T2's unread append
	// to x came after it; on y the reads show T2's append before T1's.
	{"G0 through an unread append", []tx{ok(0, ap(x, 1), ap(y, 2)), ok(1, ap(x, 2), ap(y, 1)), ok(2, r(x, 1), r(y, 1, 2))}, "i0 i1 c0 c1 i2 c2", Options{},
		want{Invalid, []string{consistency.G0}, []int{0, 1}, []string{"T2 appended 2 to key 1, which no read shows, so after T1's append of 1, the last element any read shows", "T1 appended 2 to key 2 right after T2 appended 1"}, "", true}},

	// Write skew with both appends unread.
	{"write skew, both appends unread", []tx{ok(0, r(x), ap(y, 1)), ok(1, r(y), ap(x, 1))}, "i0 i1 c0 c1", models("serializable"),
		want{Invalid, []string{consistency.G2Item}, []int{0, 1}, []string{"T1 read key 1 = [], which does not have 1, which T2 appended", "T2 read key 2 = [], which does not have 1, which T1 appended"}, "", false}},
	{"... allowed by snapshot isolation", []tx{ok(0, r(x), ap(y, 1)), ok(1, r(y), ap(x, 1))}, "i0 i1 c0 c1", models("snapshot-isolation"),
		want{Valid, []string{consistency.G2Item}, nil, nil, "", false}},
	{"... serial, the second sees the first: valid", []tx{ok(0, r(x), ap(y, 1)), ok(1, r(y, 1), ap(x, 1))}, "", models("serializable"),
		want{valid: Valid}},

	// A process reads its own key right after its own acknowledged append.
	{"a process does not see its own acknowledged append", []tx{ok(0, ap(x, 1)), ok(0, r(x))}, "", models("strong-session-serializable"),
		want{Invalid, []string{consistency.Process(consistency.GSingleItem)}, []int{0, 1}, []string{"process 0 ran T1 and then T2", "which does not have 1, which T1 appended"}, "", false}},
	{"... serializable allows it", []tx{ok(0, ap(x, 1)), ok(0, r(x))}, "", models("serializable"),
		want{valid: Valid}},
	{"... it sees it: valid", []tx{ok(0, ap(x, 1)), ok(0, r(x, 1))}, "", models("strong-session-serializable"),
		want{valid: Valid}},

	// The last append of a key is lost: the final read misses it.
	{"the last acknowledged append is lost", []tx{ok(0, ap(x, 1)), ok(1, r(x, 1), ap(x, 2)), ok(2, ap(x, 3)), ok(3, r(x, 1, 2))}, "", Options{},
		want{Invalid, []string{consistency.Realtime(consistency.GSingleItem)}, []int{2, 3}, []string{"T2 read key 1 = [1 2], which does not have 3, which T1 appended"}, "", false}},
	{"... two unread appends: the one that failed is not lost", []tx{ok(0, ap(x, 1)), fail(1, ap(x, 2)), ok(3, r(x, 1))}, "", Options{},
		want{valid: Valid}},
	{"... an info append no read shows may never have happened", []tx{ok(0, ap(x, 1)), info(1, ap(x, 2)), ok(3, r(x, 1))}, "i0 c0 i1 i2 c2", Options{},
		want{valid: Valid}},

	// An intermediate read whose overwrite no read shows (G1b): the rw
	// edge from the read to the overwriting transaction stays, as in Elle,
	// and closes a G-single cycle.
	{"intermediate read of an append overwritten unread", []tx{ok(0, ap(x, 1), ap(x, 2)), ok(1, r(x, 1))}, "i0 i1 c0 c1", models("serializable"),
		want{Invalid, []string{consistency.GSingleItem, consistency.G1b}, []int{0, 1}, []string{"T2 read key 1 = [1], which does not have 2, which T1 appended"}, "", false}},
}

func TestListAppendUnseenAppends(t *testing.T) {
	for _, c := range unseenAppendCases {
		t.Run(c.name, func(t *testing.T) {
			expect(t, AnalyzeListAppend, c.txs, c.order, c.o, c.want)
		})
	}
}

func models(ms ...string) Options { return Options{ConsistencyModels: ms} }

// rnil is a list-append read that returned nil: the initial state.
func rnil(k int) any { return []any{history.Keyword("r"), int64(k), nil} }
