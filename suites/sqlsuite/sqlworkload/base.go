package sqlworkload

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/client"
	"github.com/faultline/faultline/generator"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/suites/sqlsuite/sqlclient"
	"github.com/faultline/faultline/workload/txn"
)

// Env is how every workload's client connects.
type Env struct {
	Config sqlclient.Config
	// Endpoint says where the worker bound to node connects. It is called
	// when a client opens, after the database was set up.
	Endpoint func(node string) (sqlclient.Endpoint, error)
}

// Options are the settings every workload reads what it needs from.
type Options struct {
	Env Env
	// KeyCount is how many keys transactions choose from at a time (Elle
	// workloads) or how many accounts there are (bank).
	KeyCount int
	// MinTxnLength, MaxTxnLength bound the micro-ops per transaction.
	MinTxnLength, MaxTxnLength int
	// MaxWritesPerKey retires a key after this many writes.
	MaxWritesPerKey int
	// TableCount stripes keys over this many tables.
	TableCount int
	// ConsistencyModels the Elle workloads are checked against.
	ConsistencyModels []string
	// ReadLock "update" makes the bank read its rows with SELECT ... FOR
	// UPDATE; "" plain reads.
	ReadLock string
	// TablesPerAccount puts each bank account in a table of its own.
	TablesPerAccount bool
	// UseIndex makes register, long-fork and monotonic look rows up
	// through an indexed secondary column instead of the primary key.
	UseIndex bool
	// Concurrency is the test's client threads: register and comments
	// share each key among a group of them, sequential gives half to
	// writers.
	Concurrency int
}

// Workload is one workload's part of a test.
type Workload struct {
	Client    client.Client
	Generator generator.Generator // client ops only; the suite adds faults
	Final     generator.Generator // ops after the heal, or nil
	Checker   checker.Checker
	// Checks says what Checker holds the history to, for the verdict
	// line. Empty: the consistency models (the Elle workloads). The
	// other checkers do not depend on --isolation, so a weak level may
	// fail them when the database keeps its promise: the line must not
	// claim they were checked against that level's model.
	Checks string
	Config map[string]any // recorded in the run's config
}

// Builder makes a workload from the options.
type Builder struct {
	Name, Summary string
	Build         func(o Options) (Workload, error)
}

// Builders lists the workloads, in the order --workload's help names them.
func Builders() []Builder {
	return []Builder{
		{Name: "append", Summary: "Elle list-append over text columns, keys striped over --table-count tables", Build: appendWorkload},
		{Name: "wr", Summary: "Elle rw-register, writes as upserts", Build: wrWorkload},
		{Name: "bank", Summary: "transfers between accounts; every read must sum to the total", Build: bankWorkload},
		{Name: "register", Summary: "linearizable registers on independent keys: reads, upserts, cas as read then conditional update", Build: registerWorkload},
		{Name: "set", Summary: "unique inserts into one table, reads of the whole table; set-full", Build: setWorkload},
		{Name: "set-cas", Summary: "a set kept as one text cell, updated read-modify-write; set-full", Build: setCASWorkload},
		{Name: "long-fork", Summary: "single-key inserts and reads of key groups; no two reads may see writes in opposite orders", Build: longForkWorkload},
		{Name: "monotonic", Summary: "increments read back: no key's value may go down, per process or in real time", Build: monotonicWorkload},
		{Name: "sequential", Summary: "subkeys written in order, read in reverse: a later write seen means every earlier one is", Build: sequentialWorkload},
		{Name: "comments", Summary: "inserts over striped tables: a read must see every insert acknowledged before it began", Build: commentsWorkload},
		{Name: "table", Summary: "CREATE TABLE racing inserts: an acknowledged table must exist", Build: tableWorkload},
	}
}

// txnOptions are workload/txn's options for an Elle workload writing with w.
func (o Options) txnOptions(w history.Keyword) txn.Options {
	return txn.Options{
		Write: w, ActiveKeys: o.KeyCount, MinLength: o.MinTxnLength, MaxLength: o.MaxTxnLength,
		MaxWritesPerKey: o.MaxWritesPerKey, ConsistencyModels: o.ConsistencyModels,
	}
}

// Spec is what a workload's client does: its tables, and one op.
type Spec struct {
	// Schema lists the statements that create the workload's tables,
	// dropping any left from an earlier run first. They run once per test.
	Schema func(d sqlclient.Dialect) []string
	// Ready, when set, says whether conn's node sees the tables the
	// schema made as the workload needs them (bank: every account). Every
	// client's Setup waits for it after the schema ran, so that no node
	// starts with a partial copy (Galera applies other nodes' writes
	// asynchronously).
	Ready func(ctx context.Context, conn *sqlclient.Conn) error
	// Invoke performs op on conn and returns its completion. An error
	// records the op as info (client.Call), so return one only when the
	// outcome is unknown; a definite refusal is a fail completion.
	Invoke func(ctx context.Context, conn *sqlclient.Conn, op history.Op) (history.Op, error)
}

// NewClient is the client prototype of a workload: the runner opens one
// per worker (and again after every info).
func NewClient(env Env, spec Spec) client.Client {
	return &sqlClient{env: env, spec: spec, schema: &schemaOnce{}}
}

// sqlClient is the prototype (conn nil) or one worker's open client.
type sqlClient struct {
	env    Env
	spec   Spec
	schema *schemaOnce // shared by the prototype and every client it opens
	node   string
	conn   *sqlclient.Conn
}

// schemaOnce runs the schema once per test, whichever client's Setup
// comes first; the others wait for it (a failed attempt is retried by the
// next).
type schemaOnce struct {
	mu   sync.Mutex
	done bool
}

// Open connects to the endpoint of node.
func (c *sqlClient) Open(ctx context.Context, node string) (client.Client, error) {
	if c.env.Endpoint == nil {
		return nil, fmt.Errorf("sql client for %s: no endpoint function", node)
	}
	e, err := c.env.Endpoint(node)
	if err != nil {
		return nil, fmt.Errorf("sql client for %s: %w", node, err)
	}
	conn, err := sqlclient.Open(ctx, c.env.Config, e)
	if err != nil {
		return nil, fmt.Errorf("sql client for %s: %w", node, err)
	}
	return &sqlClient{env: c.env, spec: c.spec, schema: c.schema, node: node, conn: conn}, nil
}

// Setup creates the workload's tables, once per test, then waits until
// this client's node is Ready.
func (c *sqlClient) Setup(ctx context.Context) error {
	if c.spec.Schema == nil {
		return nil
	}
	if err := c.createOnce(ctx); err != nil {
		return err
	}
	if c.spec.Ready == nil {
		return nil
	}
	deadline := time.Now().Add(readyTimeout)
	for {
		err := c.spec.Ready(ctx, c.conn)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("tables on %s not ready after %v: %w", c.node, readyTimeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// readyTimeout bounds the wait for a node to see the schema's data.
const readyTimeout = 60 * time.Second

func (c *sqlClient) createOnce(ctx context.Context) error {
	c.schema.mu.Lock()
	defer c.schema.mu.Unlock()
	if c.schema.done {
		return nil
	}
	for _, s := range c.spec.Schema(c.conn.Dialect()) {
		if err := retryDDL(ctx, c.conn, s); err != nil {
			return fmt.Errorf("creating tables through %s: %w", c.node, err)
		}
	}
	c.schema.done = true
	return nil
}

// retryDDL runs a DDL statement, retrying a few times: a Galera cluster
// just formed may refuse a statement (WSREP not ready) for a moment.
func retryDDL(ctx context.Context, conn *sqlclient.Conn, stmt string) error {
	var err error
	for range 10 {
		if err = conn.Exec(ctx, stmt); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(500 * time.Millisecond):
		}
	}
	return err
}

// Invoke performs one op through the workload's Invoke.
func (c *sqlClient) Invoke(ctx context.Context, op history.Op) (history.Op, error) {
	if c.conn == nil {
		return op, fmt.Errorf("sql client: Invoke on a client that was not opened")
	}
	return c.spec.Invoke(ctx, c.conn, op)
}

// Teardown leaves the tables: the database's teardown wipes them.
func (c *sqlClient) Teardown(context.Context) error { return nil }

// Close closes the worker's connection.
func (c *sqlClient) Close(context.Context) error {
	if c.conn == nil {
		return nil
	}
	return c.conn.Close()
}
