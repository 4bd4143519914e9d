package bank

import (
	"math/rand/v2"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/histbuild"
	"github.com/faultline/faultline/history"
)

// accounts is a correct bank of 5 accounts holding 50 each; a transfer that
// would overdraw is refused (it happens, moving nothing).
type accounts struct{ bal [5]int64 }

func (a *accounts) Apply(f string, v any) any {
	if f != "transfer" {
		m := history.Map{}
		for k, b := range a.bal {
			m = append(m, history.MapEntry{Key: int64(k), Value: b})
		}
		return m
	}
	t := v.(history.Map)
	from, _ := t.Get(history.Keyword("from"))
	to, _ := t.Get(history.Keyword("to"))
	amount, _ := t.Get(history.Keyword("amount"))
	i, j, n := from.(int64), to.(int64), amount.(int64)
	if a.bal[i] >= n {
		a.bal[i] -= n
		a.bal[j] += n
	}
	return v
}

func simulate(seed uint64) *histbuild.B {
	a := &accounts{bal: [5]int64{50, 50, 50, 50, 50}}
	return histbuild.Sim{Seed: seed, Procs: 5, N: 300, InfoRate: 0.05, Store: a,
		Next: func(r *rand.Rand) (string, any) {
			if r.IntN(2) == 0 {
				return "read", nil
			}
			return "transfer", history.Map{
				{Key: history.Keyword("from"), Value: int64(r.IntN(5))},
				{Key: history.Keyword("to"), Value: int64(r.IntN(5))},
				{Key: history.Keyword("amount"), Value: int64(r.IntN(20) + 1)},
			}
		}}.Run()
}

var opts = Options{Total: new(int64(250)), Accounts: []any{0, 1, 2, 3, 4}}

// inferred checks as elle-cli does with no options: total and accounts
// from the first ok read.
var inferred = Options{}

func TestBankPassesSimulatedCorrectBanks(t *testing.T) {
	for seed := range uint64(30) {
		histbuild.Check(t, Checker(opts), simulate(seed), checker.Valid)
		r := histbuild.Check(t, Checker(inferred), simulate(seed), checker.Valid)
		if d := r.Details.(*Details); d.Total != 250 || len(d.Accounts) != 5 {
			t.Fatalf("seed %d: total %d and accounts %v taken from the first read, want 250 and 5 accounts", seed, d.Total, d.Accounts)
		}
	}
}

func TestBankCatchesAReadThatLostMoney(t *testing.T) {
	for seed := range uint64(10) {
		b := simulate(seed)
		i := b.Last(func(op *history.Op) bool { return op.F == "read" && op.Type == history.OK })
		read := append(history.Map{}, b.Value(i).(history.Map)...)
		read[3].Value = read[3].Value.(int64) - 7
		b.SetValue(i, read)
		for _, o := range []Options{opts, inferred} {
			g := histbuild.Check(t, Checker(o), b, checker.Invalid).Details.(*Details).Errors[WrongTotal]
			if g == nil || g.Count != 1 || g.First.Op != i || g.First.Total != 243 {
				t.Fatalf("seed %d, options %+v: wrong totals %+v, want op %d adding up to 243", seed, o, g, i)
			}
		}
	}
}
