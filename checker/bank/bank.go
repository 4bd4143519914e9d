// Package bank checks histories of Jepsen's bank workload: :transfer ops
// ({:from a :to b :amount n}) move money between accounts, and :read ops
// return every account's balance as a map {account balance}. Transfers are
// not checked; every ok read is.
//
// It proves that no ok read saw money created or destroyed (the balances add
// up to the configured total), that no read saw a missing (nil) balance or
// an account outside the configured set, and, unless negative balances are
// allowed, that no balance went below zero. Each read is charged with its
// first problem only, in that order: unexpected account, nil balance, wrong
// total, negative balance. It cannot prove transfers were serializable: a
// lost update that moves money consistently passes.
package bank

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/verdict"
	"github.com/faultline/faultline/history"
)

// Options configure the checker.
type Options struct {
	Total      int64 // what every read's balances must add up to
	Accounts   []any // the accounts a read may name; nil allows any
	NegativeOK bool  // allow balances below zero
}

// Kinds of error, as Jepsen names them.
const (
	UnexpectedKey = "unexpected-key"
	NilBalance    = "nil-balance"
	WrongTotal    = "wrong-total"
	NegativeValue = "negative-value"
)

// Balance is one account's balance in a read.
type Balance struct {
	Account any   `json:"account"`
	Balance int64 `json:"balance"`
}

// Error is one bad read.
type Error struct {
	Type       string    `json:"type"`
	Op         int       `json:"op"` // index of the read's completion
	Process    int       `json:"process"`
	Total      int64     `json:"total"`                // the balances' sum (when all were numbers)
	Negative   []Balance `json:"negative,omitempty"`   // negative-value: the balances below zero
	Nil        []any     `json:"nil,omitempty"`        // nil-balance: accounts without a balance
	Unexpected []any     `json:"unexpected,omitempty"` // unexpected-key: accounts not configured
	badness    int64
}

// Group summarises the errors of one kind: how many, the first, the worst
// (furthest off) and the last.
type Group struct {
	Count int   `json:"count"`
	First Error `json:"first"`
	Worst Error `json:"worst"`
	Last  Error `json:"last"`
}

// Details is what the checker found.
type Details struct {
	ReadCount  int               `json:"read-count"`
	ErrorCount int               `json:"error-count"`
	Total      int64             `json:"expected-total"`
	Errors     map[string]*Group `json:"errors,omitempty"`
}

// Explain describes the worst error of each kind in plain words.
func (d *Details) Explain(w io.Writer) {
	fmt.Fprintf(w, "%d reads checked, %d wrong\n", d.ReadCount, d.ErrorCount)
	kinds := make([]string, 0, len(d.Errors))
	for k := range d.Errors {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		g := d.Errors[k]
		e := g.Worst
		fmt.Fprintf(w, "%s: %d reads; first at op %d, worst at op %d (process %s): ", k, g.Count, g.First.Op, e.Op, history.ProcessString(e.Process))
		switch k {
		case WrongTotal:
			fmt.Fprintf(w, "balances add up to %d, but the bank holds %d\n", e.Total, d.Total)
		case NegativeValue:
			fmt.Fprintf(w, "negative balances %s\n", balances(e.Negative))
		case NilBalance:
			fmt.Fprintf(w, "no balance for accounts %s\n", verdict.List(e.Nil, 20))
		case UnexpectedKey:
			fmt.Fprintf(w, "accounts that do not exist: %s\n", verdict.List(e.Unexpected, 20))
		}
	}
}

func balances(bs []Balance) string {
	s := ""
	for i, b := range bs {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("account %s: %d", verdict.EDN(b.Account), b.Balance)
	}
	return s
}

// Checker returns the bank checker. Without any ok read the result is
// unknown.
func Checker(opts Options) checker.Checker {
	return checker.Func(func(ctx context.Context, h *history.History) checker.Result { return check(ctx, h, opts) })
}

func check(ctx context.Context, h *history.History, opts Options) checker.Result {
	d := &Details{Total: opts.Total, Errors: make(map[string]*Group)}
	ops, cancelled := verdict.ClientOps(ctx, h)
	for _, op := range ops {
		if op.F != "read" || op.Type != history.OK {
			continue
		}
		m, ok := op.Value.(history.Map)
		if !ok {
			return verdict.BadOp(op, "a bank read must return a map {account balance}, found %s", verdict.EDN(op.Value))
		}
		d.ReadCount++
		e, bad := checkRead(op, m, opts)
		if bad != "" {
			return verdict.BadOp(op, "%s", bad)
		}
		if e != nil {
			d.ErrorCount++
			d.add(*e)
		}
	}
	if r, stop := cancelled(); stop {
		return r
	}
	res := checker.Result{Valid: checker.Valid, Details: d}
	switch {
	case d.ErrorCount > 0:
		res.Valid = checker.Invalid
		res.Summary = d.summary()
	case d.ReadCount == 0:
		res.Valid = checker.Unknown
		res.Summary = "no ok reads: nothing to check"
	}
	return res
}

// checkRead returns the read's first problem, or nil; bad says why the read
// could not be checked at all.
func checkRead(op *history.Op, m history.Map, opts Options) (e *Error, bad string) {
	e = &Error{Op: op.Index, Process: op.Process}
	var negatives int64
	for _, entry := range m {
		if opts.Accounts != nil && !member(opts.Accounts, entry.Key) {
			e.Unexpected = append(e.Unexpected, entry.Key)
			continue
		}
		if entry.Value == nil {
			e.Nil = append(e.Nil, entry.Key)
			continue
		}
		b, ok := history.AsInt(entry.Value)
		if !ok {
			return nil, fmt.Sprintf("account %s has balance %s: expected an integer or nil", verdict.EDN(entry.Key), verdict.EDN(entry.Value))
		}
		e.Total += b
		if b < 0 {
			e.Negative = append(e.Negative, Balance{Account: entry.Key, Balance: b})
			negatives -= b
		}
	}
	switch {
	case len(e.Unexpected) > 0:
		e.Type, e.badness = UnexpectedKey, int64(len(e.Unexpected))
	case len(e.Nil) > 0:
		e.Type, e.badness = NilBalance, int64(len(e.Nil))
	case e.Total != opts.Total:
		e.Type, e.badness = WrongTotal, max(e.Total-opts.Total, opts.Total-e.Total)
	case len(e.Negative) > 0 && !opts.NegativeOK:
		e.Type, e.badness = NegativeValue, negatives
	default:
		return nil, ""
	}
	return e, ""
}

// member reports whether account x is one of xs. JSON object keys are
// always strings, so a JSON history's account "3" is account 3.
func member(xs []any, x any) bool {
	if s, ok := x.(string); ok {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			x = n
		}
	}
	for _, y := range xs {
		if history.Equal(x, y) {
			return true
		}
	}
	return false
}

func (d *Details) add(e Error) {
	g := d.Errors[e.Type]
	if g == nil {
		d.Errors[e.Type] = &Group{Count: 1, First: e, Worst: e, Last: e}
		return
	}
	g.Count++
	g.Last = e
	if e.badness > g.Worst.badness {
		g.Worst = e
	}
}

func (d *Details) summary() string {
	s := fmt.Sprintf("%d of %d reads wrong", d.ErrorCount, d.ReadCount)
	for _, k := range []string{WrongTotal, NegativeValue, NilBalance, UnexpectedKey} {
		if g := d.Errors[k]; g != nil {
			s += fmt.Sprintf("; %s x%d (first op %d)", k, g.Count, g.First.Op)
		}
	}
	return s
}
