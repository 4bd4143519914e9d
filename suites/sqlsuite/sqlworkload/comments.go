package sqlworkload

import (
	"context"
	"fmt"
	"slices"

	"github.com/faultline/faultline/checker/comments"
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/generator/independent"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/suites/sqlsuite/sqlclient"
)

// Comments' settings.
const (
	commentsTables    = "comments"
	commentsOpsPerKey = 200
	// commentsIDSpan separates the ids of successive keys: key k's ids are
	// k*span, k*span+1, ..., unique over the test (a key gets fewer ops
	// than that).
	commentsIDSpan = 1_000_000
)

// commentsWorkload is the TiDB suite's comments (CockroachDB's before
// it): writes insert unique ids under a key, each into one of
// --table-count tables chosen by id, one insert per transaction; a read
// selects the key's ids from every table in one transaction. A read must
// see every insert acknowledged before it began, and every insert
// acknowledged before one it does see began (checker/comments). Keys are
// independent; a group of threads shares each.
func commentsWorkload(o Options) (Workload, error) {
	tables := max(o.TableCount, 1)
	tpk := threadsPerKey(o.Concurrency)
	gen := independent.Concurrent(tpk, independent.Naturals(), func(key any) generator.Generator {
		k, _ := history.AsInt(key)
		return generator.Limit(commentsOpsPerKey, generator.Mix(
			generator.Repeat(generator.Invoke("read", nil)),
			counter{f: "write", next: k * commentsIDSpan},
		))
	})
	return Workload{
		Checks: "comments: a read sees every insert acknowledged before it began (checker/comments)",
		Client: NewClient(o.Env, Spec{
			Schema: stripedSchema(commentsTables, tables, "id BIGINT NOT NULL PRIMARY KEY, k BIGINT NOT NULL"),
			Invoke: func(ctx context.Context, conn *sqlclient.Conn, op history.Op) (history.Op, error) {
				return commentsInvoke(ctx, conn, op, tables)
			},
		}),
		Generator: gen, Checker: comments.Checker(),
		Config: map[string]any{"table-count": tables, "threads-per-key": tpk, "ops-per-key": commentsOpsPerKey},
	}, nil
}

func commentsInvoke(ctx context.Context, conn *sqlclient.Conn, op history.Op, tables int) (history.Op, error) {
	key, v, ok := history.TupleKey(op)
	k, okK := history.AsInt(key)
	if !ok || !okK {
		return op, fmt.Errorf("comments: op %d value %s, expected [integer-key value]", op.Index, history.FormatEDN(op.Value))
	}
	switch op.F {
	case "write":
		id, ok := history.AsInt(v)
		if !ok {
			return op, fmt.Errorf("comments: op %d writes %s, expected an integer id", op.Index, history.FormatEDN(v))
		}
		res := conn.Txn(ctx, func(ctx context.Context, tx *sqlclient.Tx) error {
			_, err := tx.Exec(ctx, fmt.Sprintf("INSERT INTO %s%d (id, k) VALUES (?, ?)", commentsTables, id%int64(tables)), id, k)
			return err
		})
		return res.Complete(op), nil
	case "read":
		var ids []int64
		res := conn.Txn(ctx, func(ctx context.Context, tx *sqlclient.Tx) error {
			ids = ids[:0]
			for i := range tables {
				err := tx.Query(ctx, fmt.Sprintf("SELECT id FROM %s%d WHERE k = ?", commentsTables, i), []any{k}, func(scan func(...any) error) error {
					var id int64
					if err := scan(&id); err != nil {
						return err
					}
					ids = append(ids, id)
					return nil
				})
				if err != nil {
					return err
				}
			}
			return nil
		})
		slices.Sort(ids)
		seen := make([]any, len(ids))
		for i, id := range ids {
			seen[i] = id
		}
		return completeWith(op, res, []any{key, seen}), nil
	}
	return op, fmt.Errorf("comments: op %d has f %q, expected write or read", op.Index, op.F)
}
