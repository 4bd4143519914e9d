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
		{"no reads is unknown",
			histbuild.New().Op(1, ok, "transfer", transfer(0, 1, 5)),
			false, checker.Unknown, "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := histbuild.Check(t, Checker(Options{Total: 20, Accounts: accounts, NegativeOK: c.negativeOK}), c.h, c.want)
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
	r := Checker(Options{Total: 20}).Check(context.Background(), h)
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
	r := Checker(Options{Total: 10}).Check(context.Background(), h)
	if r.Valid != checker.Unknown || !strings.Contains(r.Error, `op 1 (process 0, :read ok): account 0 has balance "ten"`) {
		t.Fatalf("got %v %q", r.Valid, r.Error)
	}
}

func TestBankTakesJSONStringAccountsForTheirNumbers(t *testing.T) {
	h := histbuild.New().Op(0, history.OK, "read", readOf("0", 10, "1", 10))
	histbuild.Check(t, Checker(Options{Total: 20, Accounts: []any{0, 1}}), h, checker.Valid)
	h = histbuild.New().Op(0, history.OK, "read", readOf("0", 10, "x", 10))
	g := histbuild.Check(t, Checker(Options{Total: 20, Accounts: []any{0, 1}}), h, checker.Invalid).Details.(*Details).Errors[UnexpectedKey]
	if g == nil || !history.Equal(g.First.Unexpected, []any{"x"}) {
		t.Fatalf("unexpected-key errors %+v, want account x", g)
	}
}
