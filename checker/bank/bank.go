// Package bank checks histories of Jepsen's bank workload: :transfer ops
// ({:from a :to b :amount n}) move money between accounts, and :read ops
// return every account's balance as a map {account balance}. Transfers are
// not checked; every ok read is.
//
// It proves that no ok read saw money created or destroyed (the balances add
// up to the total), that no read saw a missing (nil) balance or an account
// outside the set of accounts, and, unless negative balances are allowed,
// that no balance went below zero. Each read is charged with its first
// problem only, in that order: unexpected account, nil balance, wrong total,
// negative balance. It cannot prove transfers were serializable: a lost
// update that moves money consistently passes.
//
// The total and the accounts may be configured, as Jepsen's test map does.
// Left out, they are taken from the history as elle-cli does: the accounts
// are those of the first ok read, and the total is the sum of the first ok
// read whose balances can be summed (every account allowed, every balance
// present; elle-cli sums the very first read and fails on a nil balance).
// The result says where they came from, because a wrong first read then
// makes every right one look wrong.
//
// Streaming: Checker is a checker.Streamer holding the total, the accounts,
// counts and the first, worst and last read of each kind of error.
package bank

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/verdict"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/internal/plural"
)

// Options configure the checker. The zero value checks as elle-cli does
// when given no options: total and accounts from the first ok read, no
// negative balances.
type Options struct {
	// Total is what every read's balances must add up to; nil takes it
	// from the first ok read that can be summed.
	Total *int64
	// Accounts are the accounts a read may name; nil takes those of the
	// first ok read.
	Accounts   []any
	NegativeOK bool // allow balances below zero
}

// Where the total and the accounts came from (Details.TotalSource,
// Details.AccountsSource).
const (
	Configured = "configured" // given in Options
	FromRead   = "first-read" // taken from a read of the history
	NoSource   = "none"       // not configured, and no read to take it from
)

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
	// TotalSource says where Total came from: Configured, FromRead (the
	// read at op TotalFrom) or NoSource (no read could be summed, so no
	// total was checked).
	TotalSource string `json:"total-source"`
	TotalFrom   int    `json:"total-from,omitempty"`
	// AccountsSource says where Accounts came from: Configured, FromRead
	// (the first ok read, op FirstRead) or NoSource (no ok read).
	AccountsSource string `json:"accounts-source"`
	Accounts       []any  `json:"accounts,omitempty"`
	FirstRead      int    `json:"first-read"` // op index of the first ok read; -1 if none
}

// Explain describes the worst error of each kind in plain words.
func (d *Details) Explain(w io.Writer) {
	fmt.Fprintf(w, "%s checked, %d wrong\n", plural.Count(d.ReadCount, "read"), d.ErrorCount)
	if s := d.inferred(); s != "" {
		fmt.Fprintf(w, "%s: if that read is the wrong one, every right one looks wrong; configure the total and accounts instead\n", s)
	}
	kinds := make([]string, 0, len(d.Errors))
	for k := range d.Errors {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		g := d.Errors[k]
		e := g.Worst
		fmt.Fprintf(w, "%s: %s; first at op %d, worst at op %d (process %s): ", k, plural.Count(g.Count, "read"), g.First.Op, e.Op, history.ProcessString(e.Process))
		switch k {
		case WrongTotal:
			fmt.Fprintf(w, "balances add up to %d, but the bank holds %d", e.Total, d.Total)
			if d.TotalSource == FromRead {
				fmt.Fprintf(w, " (the sum of op %d)", d.TotalFrom)
			}
			fmt.Fprintln(w)
		case NegativeValue:
			fmt.Fprintf(w, "negative %s in %s\n", plural.Noun(len(e.Negative), "balance"), balances(e.Negative))
		case NilBalance:
			fmt.Fprintf(w, "no balance for %s %s\n", plural.Noun(len(e.Nil), "account"), verdict.List(e.Nil, 20))
		case UnexpectedKey:
			fmt.Fprintf(w, "%s that %s not exist: %s\n", plural.Noun(len(e.Unexpected), "account"), plural.Pick(len(e.Unexpected), "does", "do"), verdict.List(e.Unexpected, 20))
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
//
// It streams (checker.Streamer), holding the total and accounts, counts,
// and the first, worst and last read of each kind of error.
func Checker(opts Options) checker.Streamer {
	return checker.Streamed(func() checker.Stream {
		s := newStream(opts)
		return verdict.ClientStream(s.add, s.result)
	})
}

// rules are what each read is checked against. The total and accounts not
// configured are unknown until a read gives them.
type rules struct {
	total         int64
	totalKnown    bool
	accounts      []any
	accountsKnown bool
	negativeOK    bool
}

// stream is the bank checker fed op by op.
type stream struct {
	d *Details
	r rules
}

func newStream(opts Options) *stream {
	d := &Details{Errors: make(map[string]*Group), TotalSource: NoSource, AccountsSource: NoSource, FirstRead: -1}
	r := rules{accounts: opts.Accounts, accountsKnown: opts.Accounts != nil, negativeOK: opts.NegativeOK}
	if opts.Total != nil {
		r.total, r.totalKnown = *opts.Total, true
		d.TotalSource, d.Total = Configured, *opts.Total
	}
	if r.accountsKnown {
		d.AccountsSource, d.Accounts = Configured, opts.Accounts
	}
	return &stream{d: d, r: r}
}

func (s *stream) add(ev checker.Event) (checker.Result, bool) {
	op := ev.Op
	if op.F != "read" || op.Type != history.OK {
		return checker.Result{}, false
	}
	d, r := s.d, &s.r
	m, ok := op.Value.(history.Map)
	if !ok {
		return verdict.BadOp(op, "a bank read must return a map {account balance}, found %s", verdict.EDN(op.Value)), true
	}
	if d.ReadCount == 0 {
		d.FirstRead = op.Index
	}
	d.ReadCount++
	if !r.accountsKnown {
		r.accounts, r.accountsKnown = keys(m), true
		d.AccountsSource, d.Accounts = FromRead, r.accounts
	}
	e, bad := inspect(op, m, r.accounts)
	if bad != "" {
		return verdict.BadOp(op, "%s", bad), true
	}
	if !r.totalKnown && len(e.Unexpected) == 0 && len(e.Nil) == 0 {
		// The first read that can be summed sets the total.
		r.total, r.totalKnown = e.Total, true
		d.TotalSource, d.Total, d.TotalFrom = FromRead, e.Total, op.Index
	}
	if r.judge(e) {
		d.ErrorCount++
		d.add(*e)
	}
	return checker.Result{}, false
}

func (s *stream) result() checker.Result {
	d := s.d
	res := checker.Result{Valid: checker.Valid, Details: d, Summary: d.inferred()}
	switch {
	case d.ErrorCount > 0:
		res.Valid = checker.Invalid
		res.Summary = strings.TrimSuffix(d.summary()+"; "+res.Summary, "; ")
	case d.ReadCount == 0:
		res.Valid = checker.Unknown
		res.Summary = "no ok reads: nothing to check"
	}
	return res
}

// inspect reads one read's balances into e: accounts outside accounts,
// accounts without a balance, negative balances and the sum of the rest.
// bad says why the read could not be checked at all.
func inspect(op history.Op, m history.Map, accounts []any) (e *Error, bad string) {
	e = &Error{Op: op.Index, Process: op.Process}
	for _, entry := range m {
		if !member(accounts, entry.Key) {
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
		}
	}
	return e, ""
}

// judge gives an inspected read its first problem and reports whether it
// has one. Without a known total a read's sum is not judged (only reads
// that cannot be summed are left to judge then, and they have a worse
// problem).
func (r *rules) judge(e *Error) bool {
	switch {
	case len(e.Unexpected) > 0:
		e.Type, e.badness = UnexpectedKey, int64(len(e.Unexpected))
	case len(e.Nil) > 0:
		e.Type, e.badness = NilBalance, int64(len(e.Nil))
	case r.totalKnown && e.Total != r.total:
		e.Type, e.badness = WrongTotal, max(e.Total-r.total, r.total-e.Total)
	case len(e.Negative) > 0 && !r.negativeOK:
		e.Type = NegativeValue
		for _, b := range e.Negative {
			e.badness -= b.Balance
		}
	default:
		return false
	}
	return true
}

// keys returns a read's accounts in the read's order.
func keys(m history.Map) []any {
	ks := make([]any, len(m))
	for i, e := range m {
		ks[i] = e.Key
	}
	return ks
}

// member reports whether account x is one of xs. JSON object keys are
// always strings, so a JSON history's account "3" is account 3.
func member(xs []any, x any) bool {
	x = account(x)
	for _, y := range xs {
		if history.Equal(x, account(y)) {
			return true
		}
	}
	return false
}

// account is x, or the integer a string x spells.
func account(x any) any {
	if s, ok := x.(string); ok {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	}
	return x
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
	s := fmt.Sprintf("%d of %s wrong", d.ErrorCount, plural.Count(d.ReadCount, "read"))
	for _, k := range []string{WrongTotal, NegativeValue, NilBalance, UnexpectedKey} {
		if g := d.Errors[k]; g != nil {
			s += fmt.Sprintf("; %s x%d (first op %d)", k, g.Count, g.First.Op)
		}
	}
	return s
}

// inferred says what was taken from the history rather than configured,
// and from which read; "" when nothing was.
func (d *Details) inferred() string {
	var parts []string
	total := fmt.Sprintf("total %d", d.Total)
	if d.AccountsSource == FromRead {
		accounts := plural.Count(len(d.Accounts), "account") + " " + verdict.List(d.Accounts, 10)
		if d.TotalSource == FromRead && d.TotalFrom == d.FirstRead {
			accounts = total + " and " + accounts
		}
		parts = append(parts, fmt.Sprintf("%s taken from the first ok read (op %d)", accounts, d.FirstRead))
	}
	switch {
	case d.TotalSource == FromRead && d.TotalFrom == d.FirstRead && d.AccountsSource != FromRead:
		parts = append(parts, fmt.Sprintf("%s taken from the first ok read (op %d)", total, d.TotalFrom))
	case d.TotalSource == FromRead && d.TotalFrom != d.FirstRead:
		parts = append(parts, fmt.Sprintf("%s taken from op %d, the first ok read that could be summed", total, d.TotalFrom))
	case d.TotalSource == NoSource && d.ReadCount > 0:
		parts = append(parts, "no ok read could be summed, so no total was checked")
	}
	return strings.Join(parts, "; ")
}
