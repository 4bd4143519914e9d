package elle

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
)

// tx is a transaction of a hand-built history: its process, how it ended,
// and its micro-ops as they completed (reads filled in).
type tx struct {
	p    int
	typ  history.Type
	mops []any
}

func ok(p int, mops ...any) tx   { return tx{p, history.OK, mops} }
func fail(p int, mops ...any) tx { return tx{p, history.Fail, mops} }
func info(p int, mops ...any) tx { return tx{p, history.Info, mops} }

func ap(k, v int) any { return []any{history.Keyword("append"), int64(k), int64(v)} }
func w(k, v int) any  { return []any{history.Keyword("w"), int64(k), int64(v)} }

// r reads a list (list-append).
func r(k int, vs ...int) any {
	l := make([]any, len(vs))
	for i, v := range vs {
		l[i] = int64(v)
	}
	return []any{history.Keyword("r"), int64(k), l}
}

// rv reads a register; v < 0 reads nil.
func rv(k, v int) any {
	var x any
	if v >= 0 {
		x = int64(v)
	}
	return []any{"r", int64(k), x}
}

// build makes a history from transactions and an event order such as
// "i0 i1 c0 c1" (invoke txn 0, invoke txn 1, complete 0, complete 1). An
// empty order runs the transactions one after another.
func build(t testing.TB, txs []tx, order string) *history.History {
	t.Helper()
	if order == "" {
		var parts []string
		for i := range txs {
			parts = append(parts, fmt.Sprintf("i%d c%d", i, i))
		}
		order = strings.Join(parts, " ")
	}
	invs := make([][]any, len(txs))
	for i, x := range txs {
		invs[i] = make([]any, len(x.mops))
		for j, m := range x.mops {
			ms := m.([]any)
			if f, _ := history.AsString(ms[0]); f == "r" {
				invs[i][j] = []any{ms[0], ms[1], nil}
			} else {
				invs[i][j] = m
			}
		}
	}
	var ops []history.Op
	for _, ev := range strings.Fields(order) {
		var i int
		fmt.Sscanf(ev[1:], "%d", &i)
		x := txs[i]
		op := history.Op{Index: len(ops), Time: int64(len(ops)), Process: x.p, F: "txn", Type: x.typ, Value: invs[i]}
		switch {
		case ev[0] == 'i':
			op.Type = history.Invoke
		case x.typ == history.OK:
			op.Value = x.mops
		}
		ops = append(ops, op)
	}
	h, err := history.New(ops)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

type want struct {
	valid   checker.Validity
	types   []string // exactly these anomaly types
	txns    []int    // for the first anomaly of types[0]: indices (into txs) of its transactions, in order
	explain []string // substrings of that anomaly's explanation
	of      string   // inspect this type instead of types[0]
	atLeast bool     // types must be among those found, not all of them
}

func expect(t *testing.T, analyzeFn func(context.Context, *history.History, Options) (checker.Validity, *Report, error), txs []tx, order string, o Options, w want) *Report {
	t.Helper()
	h := build(t, txs, order)
	v, rep, err := analyzeFn(context.Background(), h, o)
	if err != nil {
		t.Fatalf("error: %v", err)
	}
	if v != w.valid {
		t.Errorf("valid = %v, want %v (anomalies %v)", v, w.valid, rep.AnomalyTypes)
	}
	if w.atLeast {
		for _, typ := range w.types {
			if !slices.Contains(rep.AnomalyTypes, typ) {
				t.Fatalf("anomaly types = %v, want %s among them\n%s", rep.AnomalyTypes, typ, dump(rep))
			}
		}
	} else if !slices.Equal(rep.AnomalyTypes, w.types) && !(len(w.types) == 0 && len(rep.AnomalyTypes) == 0) {
		t.Fatalf("anomaly types = %v, want %v\n%s", rep.AnomalyTypes, w.types, dump(rep))
	}
	if len(w.types) == 0 {
		return rep
	}
	of := w.types[0]
	if w.of != "" {
		of = w.of
	}
	i := slices.IndexFunc(rep.Anomalies, func(a Anomaly) bool { return a.Type == of })
	an := rep.Anomalies[i]
	if w.txns != nil {
		var got []int
		for _, ref := range an.Txns {
			got = append(got, ref.Index/2) // serial order: txn i is invoked at op 2i
		}
		if order != "" {
			got = got[:0]
			for _, ref := range an.Txns {
				ev := strings.Fields(order)[ref.Index]
				var n int
				fmt.Sscanf(ev[1:], "%d", &n)
				got = append(got, n)
			}
		}
		if !sameCycle(got, w.txns) {
			t.Errorf("%s transactions = %v, want %v\n%s", an.Type, got, w.txns, dump(rep))
		}
	}
	text := strings.Join(an.Explanation, "\n")
	for _, s := range w.explain {
		if !strings.Contains(text, s) {
			t.Errorf("%s explanation lacks %q:\n%s", an.Type, s, text)
		}
	}
	return rep
}

// sameCycle compares two transaction lists, allowing a rotation (a cycle
// may be reported from any starting point).
func sameCycle(got, want []int) bool {
	if len(got) != len(want) {
		return false
	}
	for s := range got {
		match := true
		for i := range want {
			if got[(s+i)%len(got)] != want[i] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return len(got) == 0
}

func dump(r *Report) string {
	var b strings.Builder
	for _, a := range r.Anomalies {
		fmt.Fprintf(&b, "%s:\n", a.Type)
		for _, e := range a.Explanation {
			fmt.Fprintf(&b, "  %s\n", e)
		}
	}
	return b.String()
}
