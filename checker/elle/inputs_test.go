package elle

import (
	"context"
	"slices"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/elle/consistency"
	"github.com/faultline/faultline/history"
)

// Histories as Elle's examples and elle-cli write them: ops without :f
// (a transaction is known by its value) and reads written [:r k], which
// Elle reads as reads of nil.
func TestElleShapedInputs(t *testing.T) {
	read2 := []any{history.Keyword("r"), int64(x)} // [:r 1]
	cases := []struct {
		name  string
		f     string
		read  any
		order string
		want  checker.Validity
		types []string
	}{
		{"no :f, a stale read after the append completed", "", r(x), "", Invalid, []string{consistency.Realtime(consistency.GSingleItem)}},
		{"no :f, the read sees the append", "", r(x, 1), "", Valid, nil},
		{"[:r k] is a read of nil: stale", "txn", read2, "", Invalid, []string{consistency.Realtime(consistency.GSingleItem)}},
		{"[:r k] is a read of nil: concurrent, valid", "txn", read2, "i0 i1 c0 c1", Valid, nil},
		{"no :f and [:r k]", "", read2, "", Invalid, []string{consistency.Realtime(consistency.GSingleItem)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := build(t, []tx{ok(0, ap(x, 1)), ok(1, c.read)}, c.order)
			ops := h.Ops()
			for i := range ops {
				ops[i].F = c.f
				if ops[i].Process == 1 && ops[i].Type == history.OK {
					ops[i].Value = []any{c.read}
				}
			}
			v, rep, err := AnalyzeListAppend(context.Background(), history.MustNew(ops...), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if v != c.want || !slices.Equal(rep.AnomalyTypes, append([]string{}, c.types...)) {
				t.Fatalf("%v %v, want %v %v\n%s", v, rep.AnomalyTypes, c.want, c.types, dump(rep))
			}
		})
	}
}

// Ops of another f (a mixed history) are not transactions, and neither
// are nemesis ops without an f.
func TestOnlyTransactionsAreChecked(t *testing.T) {
	h := history.MustNew(
		history.Op{Index: 0, Type: history.Invoke, Process: 0, F: "read", Value: nil},
		history.Op{Index: 1, Type: history.OK, Process: 0, F: "read", Value: int64(3)},
		history.Op{Index: 2, Type: history.Info, Process: history.NemesisProcess, Value: "partition"},
		history.Op{Index: 3, Type: history.Invoke, Process: 1, Value: []any{ap(x, 1)}},
		history.Op{Index: 4, Type: history.OK, Process: 1, Value: []any{ap(x, 1)}},
	)
	// One transaction depends on nothing: an empty graph, so unknown.
	v, rep, err := AnalyzeListAppend(context.Background(), h, Options{})
	if err != nil || v != checker.Unknown || rep.Txns != 1 {
		t.Fatalf("%v %+v %v, want unknown with one transaction", v, rep, err)
	}
}
