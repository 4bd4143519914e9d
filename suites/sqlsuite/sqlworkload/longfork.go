package sqlworkload

import (
	"context"
	"fmt"
	"maps"

	"github.com/faultline/faultline/checker/longfork"
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/suites/sqlsuite/sqlclient"
	"github.com/faultline/faultline/workload/txn"
)

// longForkGroup is how many keys a read reads together (Jepsen's 10).
const longForkGroup = 10

// longForkWorkload is Jepsen's long-fork: every key is written once, by a
// single-key transaction, and reads read a whole group of keys (k div 10)
// in one transaction, in random order. Two reads that saw two writes of a
// group in opposite orders are a long fork, which snapshot isolation
// forbids (checker/longfork). --use-index reads through the indexed sk.
func longForkWorkload(o Options) (Workload, error) {
	t := keyedTable{name: "lf", useIndex: o.UseIndex}
	return Workload{
		Checks: "long-fork: no two reads order inserts differently (checker/longfork)",
		Client: NewClient(o.Env, Spec{
			Schema: func(sqlclient.Dialect) []string { return t.schema() },
			Invoke: func(ctx context.Context, conn *sqlclient.Conn, op history.Op) (history.Op, error) {
				return longForkInvoke(ctx, conn, op, t)
			},
		}),
		Generator: longForkGen{pending: map[generator.Thread]int64{}},
		Checker:   longfork.Checker(longfork.Options{GroupSize: longForkGroup}),
		Config:    map[string]any{"group-size": longForkGroup, "use-index": o.UseIndex},
	}, nil
}

func longForkInvoke(ctx context.Context, conn *sqlclient.Conn, op history.Op, t keyedTable) (history.Op, error) {
	mops, err := parseMops(op, txn.Write)
	if err != nil {
		return op, err
	}
	done := make([]any, len(mops))
	res := conn.Txn(ctx, func(ctx context.Context, tx *sqlclient.Tx) error {
		for i, m := range mops {
			if m.f == txn.Write {
				if err := t.upsert(ctx, tx, conn.Dialect(), m.key, m.val); err != nil {
					return err
				}
				done[i] = []any{m.f, m.key, m.val}
				continue
			}
			v, err := t.read(ctx, tx, m.key, "")
			if err != nil {
				return fmt.Errorf("read of key %d: %w", m.key, err)
			}
			done[i] = []any{m.f, m.key, v}
		}
		return nil
	})
	return completeWith(op, res, done), nil
}

// longForkGen has every thread write the next fresh key, then read that
// key's group, then write again: reads of a group race the writes other
// threads make to it. Immutable: Op returns the generator's next state.
type longForkGen struct {
	next    int64                      // the next fresh key
	pending map[generator.Thread]int64 // thread -> the key whose group it reads next
}

func (g longForkGen) String() string { return "long-fork" }

func (g longForkGen) Op(ctx *generator.Context) (generator.Result, generator.Generator) {
	p, ok := ctx.SomeFreeProcess()
	if !ok {
		return generator.Result{Status: generator.Pending}, g
	}
	thread := ctx.ThreadOf(p)
	op := history.Op{Type: history.Invoke, Process: p, Time: ctx.Time, F: txn.F}
	next := longForkGen{next: g.next, pending: maps.Clone(g.pending)}
	if k, ok := g.pending[thread]; ok {
		delete(next.pending, thread)
		first := k - k%longForkGroup
		reads := make([]any, longForkGroup)
		for i, j := range ctx.Rand.Perm(longForkGroup) {
			reads[i] = []any{txn.Read, first + int64(j), nil}
		}
		op.Value = reads
	} else {
		next.pending[thread] = g.next
		next.next++
		op.Value = []any{[]any{txn.Write, g.next, int64(1)}}
	}
	return generator.Result{Status: generator.Emit, Op: op}, next
}

func (g longForkGen) Update(*generator.Context, history.Op) generator.Generator { return g }
