package sqlclient

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/faultline/faultline/client/quietconn"
	"github.com/faultline/faultline/history"
)

// Endpoint is where a connection goes and the login it uses.
type Endpoint struct {
	Host     string
	Port     int
	User     string
	Password string
	Database string
}

// Addr is host:port.
func (e Endpoint) Addr() string { return net.JoinHostPort(e.Host, strconv.Itoa(e.Port)) }

// Config is how connections are made and transactions run.
type Config struct {
	Dialect Dialect
	// Isolation is set on every transaction ("": the server's default).
	Isolation Isolation
	// InitSQL runs once on every new connection; InitTxnSQL before every
	// transaction, on its connection, outside the transaction.
	InitSQL, InitTxnSQL []string
	// ConnectTimeout bounds dialing and logging in (default 5 s);
	// StatementTimeout each statement (default 5 s); TxnTimeout a whole
	// transaction, COMMIT included (default 10 s).
	ConnectTimeout, StatementTimeout, TxnTimeout time.Duration
	// Hooks are the database's own additions (hooks.go).
	Hooks Hooks
}

func (c Config) connectTimeout() time.Duration { return orDuration(c.ConnectTimeout, 5*time.Second) }
func (c Config) statementTimeout() time.Duration {
	return orDuration(c.StatementTimeout, 5*time.Second)
}
func (c Config) txnTimeout() time.Duration { return orDuration(c.TxnTimeout, 10*time.Second) }

func orDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Conn is one worker's connection: a single database/sql connection, never
// a pool, so that every statement of a worker goes down the same session
// and a lost connection is never silently replaced mid-transaction. After
// an error that may have broken the connection (anything but a server's
// refusal) it is dropped, and the next transaction connects again.
type Conn struct {
	cfg      Config
	endpoint Endpoint
	db       *sql.DB
	conn     *sql.Conn // nil: dropped, connect before the next transaction
}

// connectBackoff is how long a failed connection attempt (or a refused
// BEGIN) waits before reporting: a worker facing a dead server would otherwise spin through
// its ops (thousands of instant fails a second). A real client backs off
// too.
const connectBackoff = 500 * time.Millisecond

// Open connects to e and runs the InitSQL statements. Errors name the
// endpoint.
func Open(ctx context.Context, cfg Config, e Endpoint) (*Conn, error) {
	c := &Conn{cfg: cfg, endpoint: e}
	if err := c.connect(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// connect opens the connection and runs InitSQL, backing off on failure.
func (c *Conn) connect(ctx context.Context) error {
	err := c.dial(ctx)
	if err != nil {
		backOff(ctx)
	}
	return err
}

// backOff waits connectBackoff, or until ctx ends.
func backOff(ctx context.Context) {
	t := time.NewTimer(connectBackoff)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func (c *Conn) dial(ctx context.Context) error {
	e := c.endpoint
	db, err := openDB(c.cfg, e)
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	cctx, cancel := context.WithTimeout(ctx, c.cfg.connectTimeout())
	defer cancel()
	conn, err := db.Conn(cctx)
	if err != nil {
		db.Close()
		return fmt.Errorf("connecting to %s %s as %s: %w", c.cfg.Dialect.Protocol, e.Addr(), e.User, err)
	}
	c.db, c.conn = db, conn
	for _, s := range c.cfg.InitSQL {
		if err := c.Exec(ctx, s); err != nil {
			c.drop()
			return fmt.Errorf("--init-sql on %s: %w", e.Addr(), err)
		}
	}
	return nil
}

// drop closes the connection; the next transaction connects again.
// Closing a connection the server or the network already broke reports
// "bad connection"; it is gone either way, so that is no error.
func (c *Conn) drop() error {
	if c.conn == nil {
		return nil
	}
	err := errors.Join(c.conn.Close(), c.db.Close())
	c.db, c.conn = nil, nil
	if errors.Is(err, driver.ErrBadConn) {
		return nil
	}
	return err
}

// openDB makes the database/sql handle of the dialect's driver, dialing
// through quietconn.
func openDB(cfg Config, e Endpoint) (*sql.DB, error) {
	dial := (&quietconn.Dialer{}).DialContext
	switch cfg.Dialect.Protocol {
	case MySQL:
		mc := mysql.NewConfig()
		mc.User, mc.Passwd, mc.DBName = e.User, e.Password, e.Database
		mc.Net, mc.Addr = "tcp", e.Addr()
		mc.DialFunc = dial
		mc.Timeout = cfg.connectTimeout()
		// COMMIT takes no context in database/sql's MySQL driver: the read
		// deadline is what keeps it from waiting forever on a partition.
		mc.ReadTimeout, mc.WriteTimeout = cfg.txnTimeout(), cfg.txnTimeout()
		// Arguments go inline in the query text: one round trip a
		// statement instead of prepare, execute and close.
		mc.InterpolateParams = true
		// The driver logs broken connections to stderr; the history
		// records them already.
		mc.Logger = quietLogger{}
		conn, err := mysql.NewConnector(mc)
		if err != nil {
			return nil, fmt.Errorf("mysql config for %s: %w", e.Addr(), err)
		}
		return sql.OpenDB(conn), nil
	case Postgres:
		pc, err := pgx.ParseConfig("")
		if err != nil {
			return nil, fmt.Errorf("postgres config for %s: %w", e.Addr(), err)
		}
		pc.Host, pc.Port, pc.User, pc.Password, pc.Database = e.Host, uint16(e.Port), e.User, e.Password, e.Database
		pc.TLSConfig, pc.Fallbacks = nil, nil
		pc.DialFunc = dial
		pc.ConnectTimeout = cfg.connectTimeout()
		// One round trip a statement, and no server-side statement cache
		// to go stale when a workload changes its tables.
		pc.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
		return stdlib.OpenDB(*pc), nil
	}
	return nil, fmt.Errorf("protocol %q: expected %s or %s", cfg.Dialect.Protocol, MySQL, Postgres)
}

// Close closes the connection. A transaction still open on it is rolled
// back by the server.
func (c *Conn) Close() error {
	if c == nil {
		return nil
	}
	return c.drop()
}

// Dialect is the connection's dialect.
func (c *Conn) Dialect() Dialect { return c.cfg.Dialect }

// Exec runs one statement outside any transaction (DDL, settings), with
// the statement timeout; query's ? placeholders are bound by the dialect.
func (c *Conn) Exec(ctx context.Context, query string, args ...any) error {
	if c.conn == nil {
		if err := c.connect(ctx); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.statementTimeout())
	defer cancel()
	_, err := c.conn.ExecContext(ctx, c.cfg.Dialect.Bind(query), args...)
	if err != nil {
		return fmt.Errorf("%s: %w", query, err)
	}
	return nil
}

// Result is how a transaction ended: its type for the history, and the
// error that decided it (nil for ok) with the phase it struck in.
type Result struct {
	Type  history.Type
	Err   error
	Phase Phase
	// Fields are what the hooks recorded about the transaction.
	Fields []history.Field
}

// Complete fills op's type and error from r; an ok op keeps its value.
func (r Result) Complete(op history.Op) history.Op {
	op.Type = r.Type
	for _, f := range r.Fields {
		op.Set(f.Name, f.Value)
	}
	if r.Err != nil {
		op.Error = r.Phase.String() + ": " + r.Err.Error()
	}
	return op
}

// Txn runs fn in one transaction at the configured isolation level and
// commits it, classifying what went wrong (Classify). fn's statements go
// through tx; an error fn returns rolls the transaction back (an Abort, or
// a server's error, is then a fail). The whole transaction, COMMIT
// included, is bounded by the transaction timeout.
//
// fn must not run DDL on MySQL-protocol servers: there DDL commits the
// transaction implicitly before it runs, so a later error would call
// committed statements failed. Run DDL with Exec, as an op of its own.
func (c *Conn) Txn(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) Result {
	if c.conn == nil {
		if err := c.connect(ctx); err != nil {
			return Result{Type: history.Fail, Err: err, Phase: Connecting}
		}
	}
	res := c.txn(ctx, fn)
	if res.Err != nil && !Refusal(res.Err) {
		c.drop()
	}
	if res.Err != nil && res.Phase == Connecting {
		// The server would not start a transaction (a Galera node outside
		// the primary component answers BEGIN with 1047 at once): back
		// off as from a failed connection.
		backOff(ctx)
	}
	return res
}

// Refusal reports whether err is a server's error or an Abort: errors
// that leave the connection usable.
func Refusal(err error) bool {
	var a *AbortError
	_, _, server := ServerCode(err)
	return server || errors.As(err, &a)
}

func (c *Conn) txn(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) Result {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.txnTimeout())
	defer cancel()
	for _, s := range slices.Concat(c.cfg.InitTxnSQL, c.cfg.Hooks.beforeTxn()) {
		if err := c.Exec(ctx, s); err != nil {
			return Result{Type: c.cfg.Hooks.classify(err, Connecting), Err: fmt.Errorf("--init-txn-sql: %w", err), Phase: Connecting}
		}
	}
	stx, err := c.conn.BeginTx(ctx, &sql.TxOptions{Isolation: c.cfg.Isolation.level()})
	if err != nil {
		return Result{Type: c.cfg.Hooks.classify(err, Connecting), Err: fmt.Errorf("BEGIN: %w", err), Phase: Connecting}
	}
	tx := &Tx{tx: stx, cfg: &c.cfg}
	fields, err := c.cfg.Hooks.begin(ctx, tx)
	if err == nil {
		err = fn(ctx, tx)
	}
	if err != nil {
		typ := c.cfg.Hooks.classify(err, Statements)
		if rb := stx.Rollback(); rb != nil && typ == history.Fail {
			typ, err = history.Info, fmt.Errorf("%w; and ROLLBACK failed: %v", err, rb)
		}
		return Result{Type: typ, Err: err, Phase: Statements, Fields: fields}
	}
	if err := stx.Commit(); err != nil {
		return Result{Type: c.cfg.Hooks.classify(err, Committing), Err: err, Phase: Committing, Fields: fields}
	}
	return Result{Type: history.OK, Fields: append(fields, c.cfg.Hooks.committed(ctx, c)...)}
}

// Tx is the transaction a Txn function runs its statements in. Every
// statement gets the statement timeout, and its ? placeholders are bound
// by the dialect.
type Tx struct {
	tx  *sql.Tx
	cfg *Config
}

// Exec runs a statement and returns how many rows it changed.
func (t *Tx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, t.cfg.statementTimeout())
	defer cancel()
	res, err := t.tx.ExecContext(ctx, t.cfg.Dialect.Bind(query), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Query runs a query and calls row for every row, with a scan function
// (sql.Rows.Scan) for its columns.
func (t *Tx) Query(ctx context.Context, query string, args []any, row func(scan func(dest ...any) error) error) error {
	ctx, cancel := context.WithTimeout(ctx, t.cfg.statementTimeout())
	defer cancel()
	rows, err := t.tx.QueryContext(ctx, t.cfg.Dialect.Bind(query), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

// quietLogger drops the MySQL driver's log lines.
type quietLogger struct{}

func (quietLogger) Print(...any) {}
