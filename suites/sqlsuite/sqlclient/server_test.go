package sqlclient

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/suites/sqlsuite/internal/loopback"
)

// commitCutter is a TCP proxy between a client and a server that, once
// armed, passes a client packet holding COMMIT on to the server and then
// cuts both connections: the server commits, the client never hears so.
type commitCutter struct {
	l     net.Listener
	armed atomic.Bool
	cuts  atomic.Int32
}

func newCommitCutter(t *testing.T, server string) *commitCutter {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &commitCutter{l: l}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", server)
			if err != nil {
				c.Close()
				continue
			}
			wg.Go(func() { io.Copy(c, s); c.Close() })
			wg.Go(func() { p.forward(c, s) })
		}
	})
	return p
}

// forward copies client bytes to the server until it sees COMMIT while
// armed.
func (p *commitCutter) forward(c, s net.Conn) {
	defer c.Close()
	defer s.Close()
	buf := make([]byte, 64<<10)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if p.armed.Load() && bytes.Contains(bytes.ToUpper(buf[:n]), []byte("COMMIT")) {
				// The client's side goes first, so not a byte of the
				// server's answer reaches it.
				p.cuts.Add(1)
				c.Close()
				s.Write(buf[:n])
				time.Sleep(50 * time.Millisecond) // let the server read it
				return
			}
			if _, werr := s.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *commitCutter) endpoint(s loopback.Server) Endpoint {
	e := serverEndpoint(s)
	e.Port = p.l.Addr().(*net.TCPAddr).Port
	return e
}

func serverEndpoint(s loopback.Server) Endpoint {
	return Endpoint{Host: s.Host, Port: s.Port, User: s.User, Password: s.Password, Database: s.Database}
}

func testConfig(t *testing.T, protocol string, iso Isolation) Config {
	d, err := DialectFor(protocol)
	if err != nil {
		t.Fatal(err)
	}
	return Config{Dialect: d, Isolation: iso, ConnectTimeout: 5 * time.Second, StatementTimeout: 5 * time.Second, TxnTimeout: 10 * time.Second}
}

func mustOpen(t *testing.T, cfg Config, e Endpoint) *Conn {
	t.Helper()
	c, err := Open(context.Background(), cfg, e)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestConnectionCutAtCommitIsInfo: on a real MariaDB and a real
// PostgreSQL, a transaction whose connection is cut right after COMMIT
// went out must be info, never fail, and the row it inserted is indeed
// there afterwards: a fail would have been a lie.
func TestConnectionCutAtCommitIsInfo(t *testing.T) {
	for _, start := range []func(testing.TB) loopback.Server{loopback.MariaDB, loopback.Postgres} {
		srv := start(t)
		t.Run(srv.Protocol, func(t *testing.T) {
			cfg := testConfig(t, srv.Protocol, Serializable)
			direct := mustOpen(t, cfg, serverEndpoint(srv))
			if err := direct.Exec(context.Background(), "CREATE TABLE cut (id BIGINT NOT NULL PRIMARY KEY)"); err != nil {
				t.Fatal(err)
			}
			proxy := newCommitCutter(t, net.JoinHostPort(srv.Host, strconv.Itoa(srv.Port)))
			c := mustOpen(t, cfg, proxy.endpoint(srv))
			proxy.armed.Store(true)
			res := c.Txn(context.Background(), func(ctx context.Context, tx *Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO cut (id) VALUES (?)", 1)
				return err
			})
			if proxy.cuts.Load() != 1 {
				t.Fatalf("the proxy cut %d connections at COMMIT, expected 1 (result %+v)", proxy.cuts.Load(), res)
			}
			if res.Type != history.Info || res.Phase != Committing {
				t.Fatalf("cut at COMMIT gave %s %s (%v), want info at COMMIT", res.Type, res.Phase, res.Err)
			}
			var n int64
			deadline := time.Now().Add(5 * time.Second)
			for n == 0 && time.Now().Before(deadline) {
				r := direct.Txn(context.Background(), func(ctx context.Context, tx *Tx) error {
					return tx.Query(ctx, "SELECT COUNT(*) FROM cut", nil, func(scan func(...any) error) error { return scan(&n) })
				})
				if r.Type != history.OK {
					t.Fatalf("reading back: %v", r.Err)
				}
				if n == 0 {
					time.Sleep(100 * time.Millisecond)
				}
			}
			if n != 1 {
				t.Fatalf("the row the cut transaction inserted: %d rows, expected 1 (the server committed)", n)
			}
		})
	}
}

// TestWriteSkewRefusedAtCommitIsFail: two serializable PostgreSQL
// transactions each read both rows and write a different one; the second
// to commit is refused at COMMIT with 40001, which is a definite fail.
func TestWriteSkewRefusedAtCommitIsFail(t *testing.T) {
	srv := loopback.Postgres(t)
	cfg := testConfig(t, srv.Protocol, Serializable)
	setup := mustOpen(t, cfg, serverEndpoint(srv))
	for _, s := range []string{"CREATE TABLE skew (id BIGINT NOT NULL PRIMARY KEY, v BIGINT NOT NULL)", "INSERT INTO skew VALUES (1, 0), (2, 0)"} {
		if err := setup.Exec(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
	a, b := mustOpen(t, cfg, serverEndpoint(srv)), mustOpen(t, cfg, serverEndpoint(srv))
	var wrote sync.WaitGroup // both have read and written before either commits
	wrote.Add(2)
	results := make([]Result, 2)
	var commits sync.WaitGroup
	firstDone := make(chan struct{})
	for i, c := range []*Conn{a, b} {
		commits.Go(func() {
			results[i] = c.Txn(context.Background(), func(ctx context.Context, tx *Tx) error {
				var sum int64
				if err := tx.Query(ctx, "SELECT SUM(v) FROM skew", nil, func(scan func(...any) error) error { return scan(&sum) }); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, "UPDATE skew SET v = ? WHERE id = ?", sum+1, i+1); err != nil {
					return err
				}
				wrote.Done()
				wrote.Wait()
				if i == 1 {
					<-firstDone // commit second
				}
				return nil
			})
			if i == 0 {
				close(firstDone)
			}
		})
	}
	commits.Wait()
	if results[0].Type != history.OK {
		t.Fatalf("first transaction: %s %v, want ok", results[0].Type, results[0].Err)
	}
	second := results[1]
	if second.Type != history.Fail || second.Phase != Committing {
		t.Fatalf("second transaction (write skew): %s %s %v, want fail at COMMIT", second.Type, second.Phase, second.Err)
	}
	if _, code, _ := ServerCode(second.Err); code != "40001" {
		t.Fatalf("second transaction's error %v: SQLSTATE %q, want 40001", second.Err, code)
	}
	if errors.Is(second.Err, context.DeadlineExceeded) {
		t.Fatal("the refusal was a timeout")
	}
}

// TestSessionSettingsReachTheServer: --init-sql runs once per connection,
// --init-txn-sql before every transaction, and the isolation level is the
// transaction's own, as each server reports it.
func TestSessionSettingsReachTheServer(t *testing.T) {
	cases := []struct {
		start              func(testing.TB) loopback.Server
		init, initTxn      string
		counter, isolation string
		wantIsolation      string
	}{
		{loopback.MariaDB, "SET @txns = 0", "SET @txns = @txns + 1", "SELECT @txns",
			"SELECT trx_isolation_level FROM information_schema.innodb_trx WHERE trx_mysql_thread_id = CONNECTION_ID()", "READ COMMITTED"},
		{loopback.Postgres, "CREATE TEMPORARY TABLE txns (n BIGINT)", "INSERT INTO txns VALUES (1)", "SELECT COUNT(*) FROM txns",
			"SHOW transaction_isolation", "read committed"},
	}
	for _, c := range cases {
		srv := c.start(t)
		t.Run(srv.Protocol, func(t *testing.T) {
			cfg := testConfig(t, srv.Protocol, ReadCommitted)
			cfg.InitSQL, cfg.InitTxnSQL = []string{c.init}, []string{c.initTxn}
			conn := mustOpen(t, cfg, serverEndpoint(srv))
			if err := conn.Exec(context.Background(), "CREATE TABLE anchor (id BIGINT NOT NULL PRIMARY KEY)"); err != nil {
				t.Fatal(err)
			}
			var n int64
			var level string
			for range 3 {
				res := conn.Txn(context.Background(), func(ctx context.Context, tx *Tx) error {
					if err := tx.Query(ctx, "SELECT COUNT(*) FROM anchor", nil, func(scan func(...any) error) error { return scan(&n) }); err != nil {
						return err
					}
					if err := tx.Query(ctx, c.isolation, nil, func(scan func(...any) error) error { return scan(&level) }); err != nil {
						return err
					}
					return tx.Query(ctx, c.counter, nil, func(scan func(...any) error) error { return scan(&n) })
				})
				if res.Type != history.OK {
					t.Fatalf("transaction: %s %v", res.Type, res.Err)
				}
			}
			if n != 3 || level != c.wantIsolation {
				t.Fatalf("after 3 transactions: --init-txn-sql ran %d times (want 3), isolation %q (want %q)", n, level, c.wantIsolation)
			}
		})
	}
}
