// Package sqlclient is the SQL suite's client layer: one database/sql
// connection per worker (go-sql-driver/mysql for MySQL-protocol servers,
// pgx's stdlib driver for PostgreSQL), transactions at a chosen isolation
// level with statement and transaction timeouts, and the classification of
// their errors into the outcomes a history records.
//
// The classification is what keeps the checkers sound (docs/sql-errors.md
// has the table of codes): a transaction whose error says for certain that
// nothing was committed is a fail; one whose outcome cannot be known (the
// connection was lost, a timeout or cancel struck, or anything unexpected
// happened once COMMIT was sent) is info. Calling a possibly committed
// transaction a fail would let a checker call a broken database valid, so
// whatever is not known to be a refusal is info.
//
// What differs between the two protocols (placeholders, upserts, text
// concatenation, locking reads, isolation levels, error codes) is a
// Dialect, a plain value; workloads write their SQL through it.
//
// Connections go through client/quietconn (the MySQL driver's DialFunc,
// pgx's ConnConfig.DialFunc), which keeps the harness's CPU per op low.
package sqlclient
