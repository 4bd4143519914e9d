package sqlworkload

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/suites/sqlsuite/sqlclient"
	"github.com/faultline/faultline/workload/txn"
)

// The pure parts of this helper's workloads: generators (run through
// generator.Simulate, which also validates them), schemas and op parsing.

func build(t *testing.T, name string, o Options) Workload {
	t.Helper()
	w, err := build0(name, o)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func build0(name string, o Options) (Workload, error) {
	for _, b := range Builders() {
		if b.Name == name {
			return b.Build(o)
		}
	}
	return Workload{}, fmt.Errorf("no workload %q in Builders", name)
}

func simulate(t *testing.T, g generator.Generator, concurrency, ops int, complete func(history.Op) (history.Op, time.Duration)) []history.Op {
	t.Helper()
	sim, err := generator.Simulate(generator.Clients(g), generator.Sim{Concurrency: concurrency, Seed: 3, OpLimit: ops, Complete: complete})
	if err != nil {
		t.Fatal(err)
	}
	return sim.History
}

func TestLongForkThreadsWriteAFreshKeyThenReadItsGroup(t *testing.T) {
	h := simulate(t, build(t, "long-fork", Options{}).Generator, 5, 400, nil)
	written := map[int64]bool{}
	lastWrite := map[int]int64{} // process -> key it wrote last
	reads := 0
	for _, op := range h {
		if op.Type != history.Invoke {
			continue
		}
		mops := op.Value.([]any)
		if len(mops) == 1 {
			w := mops[0].([]any)
			k := w[1].(int64)
			if w[0] != txn.Write || written[k] {
				t.Fatalf("op %d: %s, expected a write of a fresh key", op.Index, history.FormatEDN(op.Value))
			}
			written[k], lastWrite[op.Process] = true, k
			continue
		}
		reads++
		k, ok := lastWrite[op.Process]
		if !ok || len(mops) != longForkGroup {
			t.Fatalf("op %d: %s by process %d, expected a read of the group of its last write", op.Index, history.FormatEDN(op.Value), op.Process)
		}
		var keys []int64
		for _, m := range mops {
			r := m.([]any)
			if r[0] != txn.Read || r[2] != nil {
				t.Fatalf("op %d: micro-op %s, expected [:r k nil]", op.Index, history.FormatEDN(m))
			}
			keys = append(keys, r[1].(int64))
		}
		slices.Sort(keys)
		first := k - k%longForkGroup
		for i, got := range keys {
			if got != first+int64(i) {
				t.Fatalf("op %d reads keys %v, expected the group %d..%d of key %d", op.Index, keys, first, first+longForkGroup-1, k)
			}
		}
		delete(lastWrite, op.Process)
	}
	if reads < 150 || len(written) < 150 {
		t.Fatalf("%d reads and %d writes of 400 ops, expected about half each", reads, len(written))
	}
}

func TestSequentialWritersWriteFreshKeysAndReadersReadRecentOnes(t *testing.T) {
	h := simulate(t, build(t, "sequential", Options{Concurrency: 4}).Generator, 4, 400, nil)
	begun := map[int64]bool{}
	writers := map[int]bool{}
	reads := 0
	for _, op := range h {
		if op.Type != history.Invoke {
			continue
		}
		k := op.Value.(int64)
		switch op.F {
		case "write":
			if begun[k] {
				t.Fatalf("op %d writes key %d twice", op.Index, k)
			}
			begun[k], writers[op.Process] = true, true
		case "read":
			reads++
			if !begun[k] && len(begun) > 0 {
				t.Fatalf("op %d reads key %d, which no write began", op.Index, k)
			}
		}
	}
	if len(writers) != 2 || reads < 100 {
		t.Fatalf("%d writer processes and %d reads, expected 2 writers (half of 4 threads) and many reads", len(writers), reads)
	}
}

func TestTableInsertsOnlyIntoTablesWhoseCreateWasAcknowledged(t *testing.T) {
	// Every third CREATE fails: inserts must never target those.
	complete := func(op history.Op) (history.Op, time.Duration) {
		op.Type = history.OK
		if n, _ := history.AsInt(op.Value); op.F == "create-table" && n%3 == 0 {
			op.Type = history.Fail
		}
		return op, time.Millisecond
	}
	h := simulate(t, build(t, "table", Options{}).Generator, 4, 300, complete)
	acked := map[int64]bool{}
	inserts := 0
	for _, op := range h {
		switch {
		case op.F == "create-table" && op.Type == history.OK:
			acked[op.Value.(int64)] = true
		case op.F == "insert" && op.Type == history.Invoke:
			inserts++
			if n := op.Value.([]any)[0].(int64); !acked[n] {
				t.Fatalf("op %d inserts into table %d before its CREATE was acknowledged", op.Index, n)
			}
		}
	}
	if inserts < 150 {
		t.Fatalf("%d inserts of 300 ops, expected about 4 in 5", inserts)
	}
}

func TestCommentsIDsAreUniqueAcrossKeys(t *testing.T) {
	h := simulate(t, build(t, "comments", Options{Concurrency: 4}).Generator, 4, 1000, nil)
	ids := map[int64]bool{}
	for _, op := range h {
		if op.F != "write" || op.Type != history.Invoke {
			continue
		}
		kv := op.Value.([]any)
		k, id := kv[0].(int64), kv[1].(int64)
		if ids[id] || id/commentsIDSpan != k {
			t.Fatalf("op %d writes id %d under key %d: ids must be unique and in the key's span", op.Index, id, k)
		}
		ids[id] = true
	}
	if len(ids) < 300 {
		t.Fatalf("%d writes of 1000 ops", len(ids))
	}
}

func TestThreadsPerKeyDividesTheConcurrency(t *testing.T) {
	for _, c := range []struct{ concurrency, want int }{{0, 1}, {1, 1}, {4, 4}, {10, 10}, {12, 6}, {15, 5}, {30, 10}, {13, 1}} {
		if got := threadsPerKey(c.concurrency); got != c.want {
			t.Errorf("threadsPerKey(%d) = %d, expected %d", c.concurrency, got, c.want)
		}
	}
}

func TestSchemas(t *testing.T) {
	my, _ := sqlclient.DialectFor(sqlclient.MySQL)
	pg, _ := sqlclient.DialectFor(sqlclient.Postgres)
	for _, c := range []struct {
		name string
		got  []string
		want string
	}{
		{"register with --use-index", keyedTable{name: "register", useIndex: true}.schema(), "CREATE INDEX register_sk ON register (sk)"},
		{"set on MySQL", setSchema(my), "id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY"},
		{"set on PostgreSQL", setSchema(pg), "id BIGSERIAL PRIMARY KEY"},
		{"set-cas starts empty", setCASSchema(pg), "INSERT INTO set_cas (id, val) VALUES (0, '')"},
		{"comments stripes its tables", stripedSchema(commentsTables, 3, "id BIGINT")(my), "DROP TABLE IF EXISTS comments2\nCREATE TABLE comments2 (id BIGINT)"},
	} {
		if !strings.Contains(strings.Join(c.got, "\n"), c.want) {
			t.Errorf("%s: schema %q lacks %q", c.name, c.got, c.want)
		}
	}
	if strings.Contains(strings.Join(keyedTable{name: "lf"}.schema(), " "), "INDEX") {
		t.Error("an index without --use-index")
	}
	if (keyedTable{useIndex: true}).lookup() != "sk" || (keyedTable{}).lookup() != "id" {
		t.Error("lookups must go through sk with --use-index, id without")
	}
}

func TestReadLockIsUpdateOrNothing(t *testing.T) {
	for _, name := range []string{"register", "set-cas"} {
		_, err := build0(name, Options{ReadLock: "share"})
		if err == nil || !strings.Contains(err.Error(), `--read-lock "share": expected update or nothing`) {
			t.Errorf("%s --read-lock share: %v", name, err)
		}
	}
}

// A malformed op is the harness's bug: an error naming the op, before any
// statement is sent (conn is nil here, so touching it would panic).
func TestMalformedOpsAreErrorsNamingTheOp(t *testing.T) {
	for _, c := range []struct {
		name   string
		invoke func(history.Op) (history.Op, error)
		op     history.Op
		want   string
	}{
		{"register without a tuple", func(op history.Op) (history.Op, error) {
			return registerInvoke(context.Background(), nil, op, keyedTable{name: "register"}, "")
		}, history.Op{Index: 7, F: "read", Value: int64(3)}, "register: op 7 value 3, expected [integer-key value]"},
		{"register cas of one value", func(op history.Op) (history.Op, error) {
			return registerInvoke(context.Background(), nil, op, keyedTable{name: "register"}, "")
		}, history.Op{Index: 8, F: "cas", Value: []any{int64(1), int64(2)}}, "register: op 8 cas 2, expected [old new]"},
		{"set adding a string", func(op history.Op) (history.Op, error) { return setInvoke(context.Background(), nil, op) },
			history.Op{Index: 9, F: "add", Value: "x"}, `set: op 9 adds "x", expected an integer`},
		{"monotonic f", func(op history.Op) (history.Op, error) {
			return monotonicInvoke(context.Background(), nil, op, keyedTable{name: "cycle"})
		}, history.Op{Index: 10, F: "dec", Value: int64(1)}, `monotonic: op 10 has f "dec", expected inc or read`},
		{"sequential key", func(op history.Op) (history.Op, error) { return sequentialInvoke(context.Background(), nil, op, 3) },
			history.Op{Index: 11, F: "read", Value: "k"}, `sequential: op 11 value "k", expected an integer key`},
		{"comments id", func(op history.Op) (history.Op, error) { return commentsInvoke(context.Background(), nil, op, 3) },
			history.Op{Index: 12, F: "write", Value: []any{int64(1), "x"}}, `comments: op 12 writes "x", expected an integer id`},
		{"table insert", func(op history.Op) (history.Op, error) { return tableInvoke(context.Background(), nil, op) },
			history.Op{Index: 13, F: "insert", Value: []any{int64(1)}}, "table: op 13 inserts [1], expected [table id]"},
		{"long-fork append", func(op history.Op) (history.Op, error) {
			return longForkInvoke(context.Background(), nil, op, keyedTable{name: "lf"})
		}, history.Op{Index: 14, F: txn.F, Value: []any{[]any{txn.Append, int64(1), int64(2)}}}, "op 14: micro-op 0 [:append 1 2], expected :r or :w"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.invoke(c.op)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, expected %q", err, c.want)
			}
		})
	}
}
