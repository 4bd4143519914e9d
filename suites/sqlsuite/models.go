package sqlsuite

import (
	"fmt"

	"github.com/faultline/faultline/suites/sqlsuite/sqlclient"
)

// promise is one row of docs/sql-isolation.md: the consistency model an
// isolation level promises on a database.
type promise struct {
	db        string
	isolation sqlclient.Isolation
	model     string
}

// promises is the table of docs/sql-isolation.md (its test reads both).
func promises() []promise {
	ru, rc, rr, s := sqlclient.ReadUncommitted, sqlclient.ReadCommitted, sqlclient.RepeatableRead, sqlclient.Serializable
	return []promise{
		{"postgres", ru, "read-committed"},
		{"postgres", rc, "read-committed"},
		{"postgres", rr, "snapshot-isolation"},
		{"postgres", s, "serializable"},
		{"mariadb", ru, "read-uncommitted"},
		{"mariadb", rc, "read-committed"},
		{"mariadb", rr, "read-committed"},
		{"mariadb", s, "serializable"},
		{"galera", ru, "read-uncommitted"},
		{"galera", rc, "read-committed"},
		{"galera", rr, "read-committed"},
		{"galera", s, "serializable"},
	}
}

// defaultIsolation is the level a database runs transactions at when
// --isolation is not given.
func defaultIsolation(db string) sqlclient.Isolation {
	if db == "postgres" {
		return sqlclient.ReadCommitted
	}
	return sqlclient.RepeatableRead
}

// DefaultModels is the consistency model isolation promises on db ("": the
// database's default level).
func DefaultModels(db string, isolation sqlclient.Isolation) ([]string, error) {
	if isolation == "" {
		isolation = defaultIsolation(db)
	}
	for _, p := range promises() {
		if p.db == db && p.isolation == isolation {
			return []string{p.model}, nil
		}
	}
	return nil, fmt.Errorf("no consistency model known for %s at %s (docs/sql-isolation.md)", db, isolation)
}
