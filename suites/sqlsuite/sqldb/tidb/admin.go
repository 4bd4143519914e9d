package tidb

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/faultline/faultline/suites/sqlsuite/sqldb"
)

// sqlAdmin runs statements as TiDB's root (no password on a fresh
// cluster) on a node's TiDB: the bootstrap of the clients' login, which is
// also the wait for SQL.
type sqlAdmin interface {
	exec(ctx context.Context, host string, stmts ...string) error
}

// bootstrapSQL creates the clients' database and login and writes a row,
// which needs every layer up (the Jepsen suite waits the same way,
// sql.clj await-node).
func bootstrapSQL() []string {
	db := sqldb.ClientDatabase
	return []string{
		"CREATE DATABASE IF NOT EXISTS " + db,
		fmt.Sprintf("CREATE USER IF NOT EXISTS '%s'@'%%' IDENTIFIED BY '%s'", sqldb.ClientUser, sqldb.ClientPassword),
		fmt.Sprintf("GRANT ALL PRIVILEGES ON %s.* TO '%s'@'%%'", db, sqldb.ClientUser),
		"CREATE TABLE IF NOT EXISTS " + db + ".faultline_await (id INT PRIMARY KEY, val INT)",
		"REPLACE INTO " + db + ".faultline_await VALUES (1, 1)",
	}
}

// mysqlAdmin is sqlAdmin over the MySQL driver, from the control machine.
type mysqlAdmin struct{}

func (mysqlAdmin) exec(ctx context.Context, host string, stmts ...string) error {
	mc := mysql.NewConfig()
	mc.User, mc.Net, mc.Addr = "root", "tcp", net.JoinHostPort(host, strconv.Itoa(SQLPort))
	mc.Timeout, mc.ReadTimeout, mc.WriteTimeout = 5*time.Second, 10*time.Second, 10*time.Second
	conn, err := mysql.NewConnector(mc)
	if err != nil {
		return err
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}
