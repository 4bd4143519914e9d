package sqlworkload

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/suites/sqlsuite/sqlclient"
	"github.com/faultline/faultline/workload/set"
)

// The set workloads' tables.
const (
	setTable    = "sets"
	setCASTable = "set_cas"
)

// setWorkload is the TiDB suite's set: each add inserts a unique value as
// a row of its own (an auto-increment id beside it, as TiDB's), a read
// selects the whole table, and after the heal every thread reads once
// more; set-full follows every element (workload/set).
func setWorkload(o Options) (Workload, error) {
	return setShaped(o, Spec{Schema: setSchema, Invoke: setInvoke}, map[string]any{})
}

// setCASWorkload is the TiDB suite's set-cas: the whole set is one text
// cell ("1,2,3") that an add reads and rewrites in one transaction (the
// read takes the row's lock with --read-lock update), so a lost update
// loses elements.
func setCASWorkload(o Options) (Workload, error) {
	lock, err := readLock(o)
	if err != nil {
		return Workload{}, err
	}
	return setShaped(o, Spec{
		Schema: setCASSchema,
		Ready:  rowsReady(setCASTable, 1),
		Invoke: func(ctx context.Context, conn *sqlclient.Conn, op history.Op) (history.Op, error) {
			return setCASInvoke(ctx, conn, op, lock(conn.Dialect()))
		},
	}, map[string]any{"read-lock": o.ReadLock})
}

// setShaped is the part the two set workloads share: workload/set's ops,
// final reads and set-full checker.
func setShaped(o Options, spec Spec, config map[string]any) (Workload, error) {
	so := set.Options{}
	return Workload{
		Checks:    "set-full: every acknowledged add is read (checker/set)",
		Client:    NewClient(o.Env, spec),
		Generator: set.Generator(so), Final: set.FinalGenerator(), Checker: set.Checker(so),
		Config: config,
	}, nil
}

func setSchema(d sqlclient.Dialect) []string {
	id := "id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY"
	if d.Protocol == sqlclient.Postgres {
		id = "id BIGSERIAL PRIMARY KEY"
	}
	return []string{"DROP TABLE IF EXISTS " + setTable, "CREATE TABLE " + setTable + " (" + id + ", value BIGINT NOT NULL)"}
}

func setInvoke(ctx context.Context, conn *sqlclient.Conn, op history.Op) (history.Op, error) {
	switch op.F {
	case set.Add:
		v, ok := history.AsInt(op.Value)
		if !ok {
			return op, fmt.Errorf("set: op %d adds %s, expected an integer", op.Index, history.FormatEDN(op.Value))
		}
		res := conn.Txn(ctx, func(ctx context.Context, tx *sqlclient.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO "+setTable+" (value) VALUES (?)", v)
			return err
		})
		return res.Complete(op), nil
	case set.Read:
		var vals []any
		res := conn.Txn(ctx, func(ctx context.Context, tx *sqlclient.Tx) error {
			vals = []any{}
			return tx.Query(ctx, "SELECT value FROM "+setTable, nil, func(scan func(...any) error) error {
				var v int64
				if err := scan(&v); err != nil {
					return err
				}
				vals = append(vals, v)
				return nil
			})
		})
		return completeWith(op, res, vals), nil
	}
	return op, fmt.Errorf("set: op %d has f %q, expected add or read", op.Index, op.F)
}

func setCASSchema(d sqlclient.Dialect) []string {
	return []string{"DROP TABLE IF EXISTS " + setCASTable,
		"CREATE TABLE " + setCASTable + " (id BIGINT NOT NULL PRIMARY KEY, val " + d.TextType() + " NOT NULL)",
		"INSERT INTO " + setCASTable + " (id, val) VALUES (0, '')"}
}

func setCASInvoke(ctx context.Context, conn *sqlclient.Conn, op history.Op, lock string) (history.Op, error) {
	read := func(ctx context.Context, tx *sqlclient.Tx, lock string) (string, error) {
		var text sql.NullString
		found := false
		err := tx.Query(ctx, "SELECT val FROM "+setCASTable+" WHERE id = 0"+lock, nil, func(scan func(...any) error) error {
			found = true
			return scan(&text)
		})
		if err == nil && !found {
			err = fmt.Errorf("%s has no row 0: the schema makes it", setCASTable)
		}
		return text.String, err
	}
	switch op.F {
	case set.Add:
		v, ok := history.AsInt(op.Value)
		if !ok {
			return op, fmt.Errorf("set-cas: op %d adds %s, expected an integer", op.Index, history.FormatEDN(op.Value))
		}
		res := conn.Txn(ctx, func(ctx context.Context, tx *sqlclient.Tx) error {
			text, err := read(ctx, tx, lock)
			if err != nil {
				return err
			}
			if text != "" {
				text += ","
			}
			_, err = tx.Exec(ctx, "UPDATE "+setCASTable+" SET val = ? WHERE id = 0", text+strconv.FormatInt(v, 10))
			return err
		})
		return res.Complete(op), nil
	case set.Read:
		var vals []any
		res := conn.Txn(ctx, func(ctx context.Context, tx *sqlclient.Tx) error {
			text, err := read(ctx, tx, "")
			if err != nil {
				return err
			}
			vals, err = parseList(text)
			return err
		})
		return completeWith(op, res, vals), nil
	}
	return op, fmt.Errorf("set-cas: op %d has f %q, expected add or read", op.Index, op.F)
}
