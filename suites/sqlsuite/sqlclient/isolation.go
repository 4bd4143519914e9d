package sqlclient

import (
	"database/sql"
	"fmt"
	"strings"
)

// Isolation is a transaction isolation level, by its --isolation name.
type Isolation string

// The levels of the SQL standard, as --isolation names them.
const (
	ReadUncommitted Isolation = "read-uncommitted"
	ReadCommitted   Isolation = "read-committed"
	RepeatableRead  Isolation = "repeatable-read"
	Serializable    Isolation = "serializable"
)

// Isolations lists the levels, weakest first.
func Isolations() []Isolation {
	return []Isolation{ReadUncommitted, ReadCommitted, RepeatableRead, Serializable}
}

// IsolationNames lists the levels' names, comma-separated.
func IsolationNames() string {
	names := make([]string, 0, 4)
	for _, l := range Isolations() {
		names = append(names, string(l))
	}
	return strings.Join(names, ", ")
}

// ParseIsolation reads an --isolation value; "" is the database's default.
func ParseIsolation(s string) (Isolation, error) {
	if s == "" {
		return "", nil
	}
	for _, l := range Isolations() {
		if string(l) == s {
			return l, nil
		}
	}
	return "", fmt.Errorf("--isolation %q: expected one of %s", s, IsolationNames())
}

// level is the database/sql level; both drivers turn it into their own
// syntax (MySQL: SET TRANSACTION ISOLATION LEVEL before START TRANSACTION;
// PostgreSQL: BEGIN ISOLATION LEVEL).
func (l Isolation) level() sql.IsolationLevel {
	switch l {
	case ReadUncommitted:
		return sql.LevelReadUncommitted
	case ReadCommitted:
		return sql.LevelReadCommitted
	case RepeatableRead:
		return sql.LevelRepeatableRead
	case Serializable:
		return sql.LevelSerializable
	}
	return sql.LevelDefault
}
