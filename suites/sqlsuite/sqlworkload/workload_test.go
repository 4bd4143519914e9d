package sqlworkload

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/suites/sqlsuite/internal/loopback"
	"github.com/faultline/faultline/suites/sqlsuite/sqlclient"
)

// open builds a workload on a loopback server and opens one worker's
// client with the tables created.
func open(t *testing.T, srv loopback.Server, name string, o Options) (Workload, func(op history.Op) history.Op) {
	t.Helper()
	d, err := sqlclient.DialectFor(srv.Protocol)
	if err != nil {
		t.Fatal(err)
	}
	o.Env = Env{
		Config: sqlclient.Config{Dialect: d, Isolation: sqlclient.Serializable, TxnTimeout: 10 * time.Second},
		Endpoint: func(string) (sqlclient.Endpoint, error) {
			return sqlclient.Endpoint{Host: srv.Host, Port: srv.Port, User: srv.User, Password: srv.Password, Database: srv.Database}, nil
		},
	}
	var b Builder
	for _, x := range Builders() {
		if x.Name == name {
			b = x
		}
	}
	w, err := b.Build(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c, err := w.Client.Open(ctx, "n1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(ctx) })
	if err := c.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	return w, func(op history.Op) history.Op {
		t.Helper()
		op.Type = history.Invoke
		done, err := c.Invoke(ctx, op)
		if err != nil {
			t.Fatalf("%s: %v", history.FormatEDN(op.Value), err)
		}
		return done
	}
}

func txnOp(mops ...[]any) history.Op {
	v := make([]any, len(mops))
	for i, m := range mops {
		v[i] = m
	}
	return history.Op{F: "txn", Value: v}
}

// On both databases: append writes comma-separated lists and reads them
// back in order, a missing row reads as the empty list; wr upserts and
// reads nil for a missing row; bank moves money and keeps the total, and
// refuses an overdraft as a fail.
func TestWorkloadsOnRealServers(t *testing.T) {
	for _, start := range []func(testing.TB) loopback.Server{loopback.MariaDB, loopback.Postgres} {
		srv := start(t)
		t.Run(srv.Protocol, func(t *testing.T) {
			_, do := open(t, srv, "append", Options{TableCount: 2})
			do(txnOp([]any{"append", 3, 1}, []any{"append", 4, 1}))
			got := do(txnOp([]any{"r", 5, nil}, []any{"append", 3, 2}, []any{"r", 3, nil}))
			if want := "[[:r 5 []] [:append 3 2] [:r 3 [1 2]]]"; got.Type != history.OK || history.FormatEDN(got.Value) != want {
				t.Fatalf("append: %s %s, want ok %s", got.Type, history.FormatEDN(got.Value), want)
			}

			_, do = open(t, srv, "wr", Options{TableCount: 2})
			got = do(txnOp([]any{"r", 1, nil}, []any{"w", 1, 7}, []any{"w", 1, 8}, []any{"r", 1, nil}))
			if want := "[[:r 1 nil] [:w 1 7] [:w 1 8] [:r 1 8]]"; got.Type != history.OK || history.FormatEDN(got.Value) != want {
				t.Fatalf("wr: %s %s, want ok %s", got.Type, history.FormatEDN(got.Value), want)
			}

			for _, perAccount := range []bool{false, true} {
				_, do = open(t, srv, "bank", Options{KeyCount: 3, TablesPerAccount: perAccount, ReadLock: "update"})
				transfer := func(from, to, amount int64) history.Op {
					return do(history.Op{F: "transfer", Value: history.Map{
						{Key: history.Keyword("from"), Value: from}, {Key: history.Keyword("to"), Value: to}, {Key: history.Keyword("amount"), Value: amount}}})
				}
				if got := transfer(0, 1, 4); got.Type != history.OK {
					t.Fatalf("bank transfer: %s %v", got.Type, got.Error)
				}
				if got := transfer(2, 0, 11); got.Type != history.Fail {
					t.Fatalf("bank overdraft: %s %v, want fail", got.Type, got.Error)
				}
				read := do(history.Op{F: "read"})
				if want := "{0 6, 1 14, 2 10}"; read.Type != history.OK || history.FormatEDN(read.Value) != want {
					t.Fatalf("bank read (tables per account %v): %s %s, want %s", perAccount, read.Type, history.FormatEDN(read.Value), want)
				}
			}
		})
	}
}

func TestMalformedOpsAreErrorsNamingThem(t *testing.T) {
	for _, op := range []history.Op{
		{Index: 4, F: "txn", Value: "x"},
		{Index: 5, F: "txn", Value: []any{[]any{"append", "k", 1}}},
		{Index: 6, F: "txn", Value: []any{[]any{"w", 1, 1}}},
		{Index: 7, F: "read"},
	} {
		_, err := parseMops(op, "append")
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("op %d", op.Index)) {
			t.Fatalf("%v: error %v, expected one naming op %d", op, err, op.Index)
		}
	}
	if _, err := parseList("1,x"); err == nil {
		t.Fatal("a list with garbage parsed")
	}
}
