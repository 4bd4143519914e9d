package bank

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/histbuild"
	"github.com/faultline/faultline/history"
)

// balances builds a read value from account, balance pairs.
func readOf(kv ...any) history.Map {
	var m history.Map
	for i := 0; i < len(kv); i += 2 {
		m = append(m, history.MapEntry{Key: kv[i], Value: kv[i+1]})
	}
	return m
}

func transfer(from, to, amount int) history.Map {
	return readOf(history.Keyword("from"), from, history.Keyword("to"), to, history.Keyword("amount"), amount)
}

func TestBank(t *testing.T) {
	ok := history.OK
	accounts := []any{0, 1}
	cases := []struct {
		name       string
		h          *histbuild.B
		negativeOK bool
		want       checker.Validity
		kind       string
		wantErr    *Error
	}{
		{"reads that add up to the total pass",
			histbuild.New().Op(0, ok, "read", readOf(0, 10, 1, 10)).Op(1, ok, "transfer", transfer(0, 1, 5)).Op(0, ok, "read", readOf(0, 5, 1, 15)),
			false, checker.Valid, "", nil},
		{"a read adding up to 25 of 20 is a wrong total",
			histbuild.New().Op(0, ok, "read", readOf(0, 10, 1, 15)),
			false, checker.Invalid, WrongTotal, &Error{Type: WrongTotal, Op: 1, Total: 25}},
		{"account 0 at -3 is a negative balance",
			histbuild.New().Op(0, ok, "read", readOf(0, -3, 1, 23)),
			false, checker.Invalid, NegativeValue, &Error{Type: NegativeValue, Op: 1, Total: 20, Negative: []Balance{{Account: 0, Balance: -3}}}},
		{"a negative balance passes when allowed",
			histbuild.New().Op(0, ok, "read", readOf(0, -3, 1, 23)),
			true, checker.Valid, "", nil},
		{"account 1 without a balance is a nil balance",
			histbuild.New().Op(0, ok, "read", readOf(0, 20, 1, nil)),
			false, checker.Invalid, NilBalance, &Error{Type: NilBalance, Op: 1, Total: 20, Nil: []any{1}}},
		{"account 7 is an unexpected key",
			histbuild.New().Op(0, ok, "read", readOf(0, 10, 1, 10, 7, 0)),
			false, checker.Invalid, UnexpectedKey, &Error{Type: UnexpectedKey, Op: 1, Total: 20, Unexpected: []any{7}}},
		{"no reads is unknown: nothing was checked",
			histbuild.New().Op(1, ok, "transfer", transfer(0, 1, 5)),
			false, checker.Unknown, "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := histbuild.Check(t, Checker(Options{Total: new(int64(20)), Accounts: accounts, NegativeOK: c.negativeOK}), c.h, c.want)
			d := r.Details.(*Details)
			if c.wantErr == nil {
				if len(d.Errors) != 0 {
					t.Fatalf("errors = %+v", d.Errors)
				}
				return
			}
			g := d.Errors[c.kind]
			if g == nil {
				t.Fatalf("errors = %+v, want one %s", d.Errors, c.kind)
			}
			first := g.First
			first.badness = 0
			if g.Count != 1 || !reflect.DeepEqual(first, *c.wantErr) {
				t.Fatalf("errors = %+v, want one %+v", d.Errors, *c.wantErr)
			}
		})
	}
}

func TestBankKeepsTheWorstWrongTotalAndExplainsIt(t *testing.T) {
	h := histbuild.New().
		Op(0, history.OK, "read", readOf(0, 10, 1, 11)).
		Op(0, history.OK, "read", readOf(0, 10, 1, 2)).
		Op(0, history.OK, "read", readOf(0, 10, 1, 12)).History()
	r := Checker(Options{Total: new(int64(20))}).Check(context.Background(), h)
	g := r.Details.(*Details).Errors[WrongTotal]
	if g.Count != 3 || g.First.Op != 1 || g.Worst.Op != 3 || g.Last.Op != 5 {
		t.Fatalf("group = %+v", g)
	}
	if got := histbuild.Explain(r.Details.(*Details)); !strings.Contains(got, "wrong-total: 3 reads; first at op 1, worst at op 3 (process 0): balances add up to 12, but the bank holds 20") {
		t.Fatalf("explain = %q", got)
	}
}

func TestBankRejectsNonNumericBalancesWithTheAccount(t *testing.T) {
	h := histbuild.New().Op(0, history.OK, "read", readOf(0, "ten")).History()
	r := Checker(Options{Total: new(int64(10))}).Check(context.Background(), h)
	if r.Valid != checker.Unknown || !strings.Contains(r.Error, `op 1 (process 0, :read ok): account 0 has balance "ten"`) {
		t.Fatalf("got %v %q", r.Valid, r.Error)
	}
}

func TestBankTakesJSONStringAccountsForTheirNumbers(t *testing.T) {
	h := histbuild.New().Op(0, history.OK, "read", readOf("0", 10, "1", 10))
	histbuild.Check(t, Checker(Options{Total: new(int64(20)), Accounts: []any{0, 1}}), h, checker.Valid)
	h = histbuild.New().Op(0, history.OK, "read", readOf("0", 10, "x", 10))
	g := histbuild.Check(t, Checker(Options{Total: new(int64(20)), Accounts: []any{0, 1}}), h, checker.Invalid).Details.(*Details).Errors[UnexpectedKey]
	if g == nil || !history.Equal(g.First.Unexpected, []any{"x"}) {
		t.Fatalf("unexpected-key errors %+v, want account x", g)
	}
}

// Without a configured total or accounts the checker takes them from the
// history as elle-cli does, and says so: a right history passes, money
// created or destroyed later still fails, and so does an account the first
// read did not name.
func TestBankTakesTotalAndAccountsFromTheFirstReadWhenNotConfigured(t *testing.T) {
	ok := history.OK
	cases := []struct {
		name     string
		opts     Options
		h        *histbuild.B
		want     checker.Validity
		summary  string // exact
		kind     string // the one error kind expected
		errTotal int64  // the sum of the balances the wrong read could add up
	}{
		{"reads that agree with the first one pass, and the summary says where the total came from",
			Options{}, histbuild.New().Op(0, ok, "read", readOf(0, 10, 1, 10)).Op(1, ok, "transfer", transfer(0, 1, 5)).Op(0, ok, "read", readOf(0, 5, 1, 15)),
			checker.Valid, "total 20 and 2 accounts [0 1] taken from the first ok read (op 1)", "", 0},
		{"a later read that lost 5 is a wrong total against the first read's 20",
			Options{}, histbuild.New().Op(0, ok, "read", readOf(0, 10, 1, 10)).Op(0, ok, "read", readOf(0, 5, 1, 10)),
			checker.Invalid, "1 of 2 reads wrong; wrong-total x1 (first op 3); total 20 and 2 accounts [0 1] taken from the first ok read (op 1)", WrongTotal, 15},
		{"an account the first read did not name is unexpected",
			Options{}, histbuild.New().Op(0, ok, "read", readOf(0, 10, 1, 10)).Op(0, ok, "read", readOf(0, 10, 1, 5, 2, 5)),
			checker.Invalid, "1 of 2 reads wrong; unexpected-key x1 (first op 3); total 20 and 2 accounts [0 1] taken from the first ok read (op 1)", UnexpectedKey, 15},
		{"a first read with a nil balance is charged with it, and the total comes from the next read",
			Options{}, histbuild.New().Op(0, ok, "read", readOf(0, 10, 1, nil)).Op(0, ok, "read", readOf(0, 12, 1, 8)).Op(0, ok, "read", readOf(0, 2, 1, 18)),
			checker.Invalid, "1 of 3 reads wrong; nil-balance x1 (first op 1); 2 accounts [0 1] taken from the first ok read (op 1); total 20 taken from op 3, the first ok read that could be summed", NilBalance, 10},
		{"a configured total is kept and the accounts still come from the first read",
			Options{Total: new(int64(30))}, histbuild.New().Op(0, ok, "read", readOf(0, 10, 1, 20)),
			checker.Valid, "2 accounts [0 1] taken from the first ok read (op 1)", "", 0},
		{"configured accounts are kept and only the total comes from the first read",
			Options{Accounts: []any{0, 1, 2}}, histbuild.New().Op(0, ok, "read", readOf(0, 10, 1, 20)).Op(0, ok, "read", readOf(0, 10, 1, 21)),
			checker.Invalid, "1 of 2 reads wrong; wrong-total x1 (first op 3); total 30 taken from the first ok read (op 1)", WrongTotal, 31},
		{"with everything configured the summary says nothing of the first read",
			Options{Total: new(int64(20)), Accounts: []any{0, 1}}, histbuild.New().Op(0, ok, "read", readOf(0, 10, 1, 10)),
			checker.Valid, "", "", 0},
		{"when no read can be summed no total is checked, and the summary says so",
			Options{}, histbuild.New().Op(0, ok, "read", readOf(0, nil, 1, 10)),
			checker.Invalid, "1 of 1 read wrong; nil-balance x1 (first op 1); 2 accounts [0 1] taken from the first ok read (op 1); no ok read could be summed, so no total was checked", NilBalance, 10},
		{"a first read of negative balances sets the total and is charged with them",
			Options{}, histbuild.New().Op(0, ok, "read", readOf(0, -5, 1, 25)).Op(0, ok, "read", readOf(0, 10, 1, 10)),
			checker.Invalid, "1 of 2 reads wrong; negative-value x1 (first op 1); total 20 and 2 accounts [0 1] taken from the first ok read (op 1)", NegativeValue, 20},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := histbuild.Check(t, Checker(c.opts), c.h, c.want)
			if r.Summary != c.summary {
				t.Fatalf("summary = %q\nwant      %q", r.Summary, c.summary)
			}
			d := r.Details.(*Details)
			if c.kind == "" {
				if d.ErrorCount != 0 {
					t.Fatalf("errors = %+v", d.Errors)
				}
				return
			}
			g := d.Errors[c.kind]
			if d.ErrorCount != 1 || g == nil {
				t.Fatalf("errors = %+v, want one %s", d.Errors, c.kind)
			}
			if g.First.Total != c.errTotal {
				t.Fatalf("the %s read sums to %d, want %d", c.kind, g.First.Total, c.errTotal)
			}
		})
	}
}

func TestBankDetailsSayWhereTotalAndAccountsCameFrom(t *testing.T) {
	h := histbuild.New().Op(0, history.OK, "read", readOf("0", 10, "1", 10)).Op(0, history.OK, "read", readOf("0", 10, "1", 11))
	d := histbuild.Check(t, Checker(Options{}), h, checker.Invalid).Details.(*Details)
	if d.TotalSource != FromRead || d.TotalFrom != 1 || d.Total != 20 || d.AccountsSource != FromRead || d.FirstRead != 1 || !history.Equal(d.Accounts, []any{"0", "1"}) {
		t.Fatalf("details = %+v", d)
	}
	got := histbuild.Explain(d)
	for _, want := range []string{
		"2 reads checked, 1 wrong\n",
		"total 20 and 2 accounts [\"0\" \"1\"] taken from the first ok read (op 1): if that read is the wrong one, every right one looks wrong",
		"wrong-total: 1 read; first at op 3, worst at op 3 (process 0): balances add up to 21, but the bank holds 20 (the sum of op 1)\n",
	} {
		if !strings.Contains(got, want) {
			t.Fatalf("explain = %q\nwant it to contain %q", got, want)
		}
	}
	d = histbuild.Check(t, Checker(Options{Total: new(int64(20)), Accounts: []any{0, 1}}), h, checker.Invalid).Details.(*Details)
	if d.TotalSource != Configured || d.AccountsSource != Configured {
		t.Fatalf("configured: details = %+v", d)
	}
	if got := histbuild.Explain(d); strings.Contains(got, "taken from") || strings.Contains(got, "the sum of op") {
		t.Fatalf("configured total explained as taken from a read: %q", got)
	}
}
