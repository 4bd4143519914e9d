package sqlclient

import (
	"fmt"
	"strconv"
	"strings"
)

// Protocols, as sqldb.Server.Protocol names them.
const (
	MySQL    = "mysql"
	Postgres = "postgres"
)

// Dialect is what differs between the MySQL and PostgreSQL protocols for
// the statements the workloads issue. Workloads write their SQL with ?
// placeholders and pass it through Bind.
type Dialect struct {
	// Protocol is MySQL or Postgres.
	Protocol string
	// dollarParams: placeholders are $1, $2, ... instead of ?.
	dollarParams bool
	// textType is the column type of the append workload's lists.
	textType string
}

// DialectFor returns the dialect of protocol ("mysql" or "postgres").
func DialectFor(protocol string) (Dialect, error) {
	switch protocol {
	case MySQL:
		return Dialect{Protocol: MySQL, textType: "TEXT"}, nil
	case Postgres:
		return Dialect{Protocol: Postgres, dollarParams: true, textType: "TEXT"}, nil
	}
	return Dialect{}, fmt.Errorf("protocol %q: expected %s or %s", protocol, MySQL, Postgres)
}

// Bind rewrites the ? placeholders of query into the dialect's own ($1,
// $2, ... for PostgreSQL). Queries must not hold a literal ?.
func (d Dialect) Bind(query string) string {
	if !d.dollarParams || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// TextType is the column type for unbounded text (the append workload's
// comma-separated lists).
func (d Dialect) TextType() string { return d.textType }

// Upsert is an INSERT of key and cols into table that, when a row with the
// key exists, sets cols to the new values instead. Its placeholders are
// the key, then cols, in order (unbound: pass through Bind).
func (d Dialect) Upsert(table, key string, cols ...string) string {
	names := append([]string{key}, cols...)
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", ")
	insert := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", table, strings.Join(names, ", "), marks)
	sets := make([]string, len(cols))
	for i, c := range cols {
		if d.Protocol == Postgres {
			sets[i] = fmt.Sprintf("%s = excluded.%s", c, c)
		} else {
			sets[i] = fmt.Sprintf("%s = VALUES(%s)", c, c)
		}
	}
	if d.Protocol == Postgres {
		return fmt.Sprintf("%s ON CONFLICT (%s) DO UPDATE SET %s", insert, key, strings.Join(sets, ", "))
	}
	return fmt.Sprintf("%s ON DUPLICATE KEY UPDATE %s", insert, strings.Join(sets, ", "))
}

// AppendUpsert is an INSERT of a row with key and the text col that,
// when the key has a row, appends "," and the new text to col instead: one
// statement for Elle's list-append. Placeholders: key, then the text
// (unbound: pass through Bind).
func (d Dialect) AppendUpsert(table, key, col string) string {
	if d.Protocol == Postgres {
		return fmt.Sprintf("INSERT INTO %s AS r (%s, %s) VALUES (?, ?) ON CONFLICT (%s) DO UPDATE SET %s = r.%s || ',' || excluded.%s",
			table, key, col, key, col, col, col)
	}
	return fmt.Sprintf("INSERT INTO %s (%s, %s) VALUES (?, ?) ON DUPLICATE KEY UPDATE %s = CONCAT(%s, ',', VALUES(%s))",
		table, key, col, col, col, col)
}

// Locking is the clause that makes a SELECT take the rows' write locks.
func (d Dialect) Locking() string { return " FOR UPDATE" }
