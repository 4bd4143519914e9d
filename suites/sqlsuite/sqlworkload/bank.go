package sqlworkload

import (
	"context"
	"fmt"
	"strings"

	"github.com/faultline/faultline/checker/bank"
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/suites/sqlsuite/sqlclient"
)

// Bank's settings, as Jepsen's TiDB bank test has them.
const (
	bankStartBalance = 10 // every account's opening balance
	bankMaxTransfer  = 5
	bankTable        = "accounts"
)

// bankWorkload is Jepsen's bank: transfers move money between accounts,
// reading both balances and writing the new ones in place (so a lost
// update creates or destroys money), and reads return every balance. The
// accounts live in one table, or one table each (TablesPerAccount); reads
// in a transfer lock the rows with SELECT ... FOR UPDATE when ReadLock is
// "update". checker/bank holds every ok read to the total; the run's plots
// include the totals over time.
func bankWorkload(o Options) (Workload, error) {
	if o.ReadLock != "" && o.ReadLock != "update" {
		return Workload{}, fmt.Errorf("--read-lock %q: expected update or nothing", o.ReadLock)
	}
	n := max(o.KeyCount, 2)
	b := bankTables{accounts: n, perAccount: o.TablesPerAccount, lock: o.ReadLock == "update"}
	total := int64(n * bankStartBalance)
	accounts := make([]any, n)
	for i := range accounts {
		accounts[i] = int64(i)
	}
	return Workload{
		Checks:    "bank: every read sums to the total (checker/bank)",
		Client:    NewClient(o.Env, Spec{Schema: b.schema, Ready: b.ready, Invoke: b.invoke}),
		Generator: generator.Mix(b.transfers(), generator.Repeat(generator.Invoke("read", nil))),
		Final:     generator.EachThread(generator.Once(generator.Invoke("read", nil))),
		Checker:   bank.Checker(bank.Options{Total: &total, Accounts: accounts}),
		Config:    map[string]any{"accounts": n, "total": total, "tables-per-account": b.perAccount, "read-lock": o.ReadLock},
	}, nil
}

// bankTables is where the accounts live and how transfers read them.
type bankTables struct {
	accounts   int
	perAccount bool
	lock       bool
}

// table holds account a.
func (b bankTables) table(a int64) string {
	if b.perAccount {
		return fmt.Sprintf("%s%d", bankTable, a)
	}
	return bankTable
}

func (b bankTables) tables() []string {
	if !b.perAccount {
		return []string{bankTable}
	}
	out := make([]string, b.accounts)
	for i := range out {
		out[i] = b.table(int64(i))
	}
	return out
}

func (b bankTables) schema(sqlclient.Dialect) []string {
	var out []string
	for _, t := range b.tables() {
		out = append(out, "DROP TABLE IF EXISTS "+t,
			"CREATE TABLE "+t+" (id BIGINT NOT NULL PRIMARY KEY, balance BIGINT NOT NULL)")
	}
	if !b.perAccount {
		rows := make([]string, b.accounts)
		for a := range rows {
			rows[a] = fmt.Sprintf("(%d, %d)", a, bankStartBalance)
		}
		// One statement, one transaction: no snapshot holds some accounts.
		return append(out, "INSERT INTO "+bankTable+" (id, balance) VALUES "+strings.Join(rows, ", "))
	}
	for a := range int64(b.accounts) {
		out = append(out, fmt.Sprintf("INSERT INTO %s (id, balance) VALUES (%d, %d)", b.table(a), a, bankStartBalance))
	}
	return out
}

// ready is true once the node sees every account at its opening balance
// sum: a Galera node applies the others' inserts a little later.
func (b bankTables) ready(ctx context.Context, conn *sqlclient.Conn) error {
	res := conn.Txn(ctx, func(ctx context.Context, tx *sqlclient.Tx) error {
		n := 0
		for _, t := range b.tables() {
			err := tx.Query(ctx, "SELECT COUNT(*) FROM "+t, nil, func(scan func(...any) error) error {
				var c int
				err := scan(&c)
				n += c
				return err
			})
			if err != nil {
				return err
			}
		}
		if n != b.accounts {
			return fmt.Errorf("%d of %d accounts", n, b.accounts)
		}
		return nil
	})
	return res.Err
}

// transfers is the endless stream of transfers between two distinct
// random accounts.
func (b bankTables) transfers() generator.Generator {
	return generator.Func(func(ctx *generator.Context) generator.Generator {
		from := ctx.Rand.Int64N(int64(b.accounts))
		to := (from + 1 + ctx.Rand.Int64N(int64(b.accounts-1))) % int64(b.accounts)
		return generator.Invoke("transfer", history.Map{
			{Key: history.Keyword("from"), Value: from},
			{Key: history.Keyword("to"), Value: to},
			{Key: history.Keyword("amount"), Value: 1 + ctx.Rand.Int64N(bankMaxTransfer)},
		})
	})
}

func (b bankTables) invoke(ctx context.Context, conn *sqlclient.Conn, op history.Op) (history.Op, error) {
	switch op.F {
	case "read":
		return b.read(ctx, conn, op), nil
	case "transfer":
		return b.transfer(ctx, conn, op)
	}
	return op, fmt.Errorf("bank: op %d has f %q, expected read or transfer", op.Index, op.F)
}

func (b bankTables) read(ctx context.Context, conn *sqlclient.Conn, op history.Op) history.Op {
	var balances history.Map
	res := conn.Txn(ctx, func(ctx context.Context, tx *sqlclient.Tx) error {
		balances = balances[:0]
		for _, t := range b.tables() {
			err := tx.Query(ctx, "SELECT id, balance FROM "+t+" ORDER BY id", nil, func(scan func(...any) error) error {
				var id, bal int64
				if err := scan(&id, &bal); err != nil {
					return err
				}
				balances = append(balances, history.MapEntry{Key: id, Value: bal})
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	op = res.Complete(op)
	if op.Type == history.OK {
		op.Value = balances
	}
	return op
}

func (b bankTables) transfer(ctx context.Context, conn *sqlclient.Conn, op history.Op) (history.Op, error) {
	m, _ := op.Value.(history.Map)
	from, ok1 := intField(m, "from")
	to, ok2 := intField(m, "to")
	amount, ok3 := intField(m, "amount")
	if !ok1 || !ok2 || !ok3 {
		return op, fmt.Errorf("bank: op %d value %s, expected {:from a :to b :amount n}", op.Index, history.FormatEDN(op.Value))
	}
	lock := ""
	if b.lock {
		lock = conn.Dialect().Locking()
	}
	res := conn.Txn(ctx, func(ctx context.Context, tx *sqlclient.Tx) error {
		var bal [2]int64
		for i, a := range []int64{from, to} {
			found := false
			err := tx.Query(ctx, "SELECT balance FROM "+b.table(a)+" WHERE id = ?"+lock, []any{a}, func(scan func(...any) error) error {
				found = true
				return scan(&bal[i])
			})
			if err != nil {
				return err
			}
			if !found {
				return fmt.Errorf("account %d has no row in %s", a, b.table(a))
			}
		}
		if bal[0] < amount {
			return sqlclient.Abort(fmt.Sprintf("insufficient funds: account %d holds %d, transfer of %d", from, bal[0], amount))
		}
		for i, nb := range [][2]int64{{from, bal[0] - amount}, {to, bal[1] + amount}} {
			if _, err := tx.Exec(ctx, "UPDATE "+b.table(nb[0])+" SET balance = ? WHERE id = ?", nb[1], nb[0]); err != nil {
				return fmt.Errorf("update %d: %w", i, err)
			}
		}
		return nil
	})
	return res.Complete(op), nil
}

func intField(m history.Map, name string) (int64, bool) {
	v, ok := m.Get(history.Keyword(name))
	if !ok {
		return 0, false
	}
	return history.AsInt(v)
}
