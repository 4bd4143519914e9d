// Package table checks histories of the table workload (Jepsen's TiDB
// "table" test): clients create tables while others insert into the
// tables already created. Ops:
//
//	create-table n       create table n (IF NOT EXISTS)
//	insert [n id]        insert a row into table n; a refusal because the
//	                     table does not exist carries the error
//	                     [:doesnt-exist "the server's message"] (or the
//	                     keyword alone)
//
// It proves that DDL takes effect when acknowledged: an insert that began
// after a CREATE of its table was acknowledged must not be refused because
// the table does not exist. Inserts that raced the CREATE may be refused so
// without blame. It cannot see a table that vanishes later in any other way
// (an insert refused for another reason is not looked at), nor check the
// inserted rows.
package table

import (
	"fmt"
	"io"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/verdict"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/internal/plural"
)

// Fs and the error of the table workload.
const (
	CreateTable = "create-table"
	Insert      = "insert"
	// DoesntExist is the error keyword of an insert refused because its
	// table does not exist.
	DoesntExist history.Keyword = "doesnt-exist"
)

// Missing is one insert refused for a table whose CREATE was acknowledged
// before the insert began.
type Missing struct {
	Op      int    `json:"op"` // the insert's completion
	Process int    `json:"process"`
	Table   any    `json:"table"`
	Created int    `json:"created"` // the CREATE's ok completion
	Error   string `json:"error,omitempty"`
}

// Details of a table check.
type Details struct {
	CreateCount       int       `json:"create-count"` // CREATEs acknowledged
	InsertCount       int       `json:"insert-count"` // inserts acknowledged
	DoesntExistCount  int       `json:"doesnt-exist-count"`
	MissingTableCount int       `json:"missing-table-count"`
	Missing           []Missing `json:"missing,omitempty"` // the first MaxMissing
}

// MaxMissing caps the refused inserts kept in Details.
const MaxMissing = 64

// Explain describes the inserts refused for acknowledged tables.
func (d *Details) Explain(w io.Writer) {
	fmt.Fprintf(w, "%s and %s acknowledged; %s refused because the table did not exist, %d of them after its CREATE was acknowledged\n",
		plural.Count(d.CreateCount, "CREATE"), plural.Count(d.InsertCount, "insert"), plural.Count(d.DoesntExistCount, "insert"), d.MissingTableCount)
	for i, m := range d.Missing {
		if i == 10 {
			fmt.Fprintf(w, "  ... and %d more\n", d.MissingTableCount-i)
			break
		}
		fmt.Fprintf(w, "  %s\n", m.describe())
	}
}

func (m Missing) describe() string {
	return fmt.Sprintf("op %d (process %s): insert into table %s refused as nonexistent (%s), though its CREATE was acknowledged at op %d, before the insert began",
		m.Op, history.ProcessString(m.Process), verdict.EDN(m.Table), m.Error, m.Created)
}

// Checker returns the table checker: invalid when an insert was refused
// for a table acknowledged as created before it began; unknown when no
// insert was ever tried on an acknowledged table.
//
// It streams (checker.Streamer), holding the acknowledged tables and the
// first refused inserts.
func Checker() checker.Streamer {
	return checker.Streamed(func() checker.Stream {
		s := &tableStream{d: &Details{}, created: map[string]history.Op{}, createdAt: map[string]int{}}
		return verdict.ClientStream(s.add, s.result)
	})
}

// tableStream is one check's state.
type tableStream struct {
	d         *Details
	created   map[string]history.Op // table -> its first ok CREATE
	createdAt map[string]int        // table -> that CREATE's position
	tried     int                   // inserts begun after their table's CREATE was acknowledged
}

func (s *tableStream) add(e checker.Event) (checker.Result, bool) {
	op, d := e.Op, s.d
	switch {
	case op.F == CreateTable && op.Type == history.OK:
		d.CreateCount++
		if _, ok := s.created[history.Key(op.Value)]; !ok {
			s.created[history.Key(op.Value)], s.createdAt[history.Key(op.Value)] = op, e.Pos
		}
	case op.F == Insert && op.Type != history.Invoke:
		xs, ok := history.AsSlice(op.Value)
		if !ok || len(xs) != 2 {
			return verdict.BadOp(op, "an insert's value must be [table id], found %s", verdict.EDN(op.Value)), true
		}
		at, isCreated := s.createdAt[history.Key(xs[0])]
		after := isCreated && e.InvPos > at
		if after {
			s.tried++
		}
		switch op.Type {
		case history.OK:
			d.InsertCount++
		case history.Fail:
			msg, isDoesnt := doesntExist(op.Error)
			if !isDoesnt {
				break
			}
			d.DoesntExistCount++
			if !after {
				break
			}
			d.MissingTableCount++
			if len(d.Missing) < MaxMissing {
				d.Missing = append(d.Missing, Missing{Op: op.Index, Process: op.Process, Table: xs[0], Created: s.created[history.Key(xs[0])].Index, Error: msg})
			}
		}
	}
	return checker.Result{}, false
}

func (s *tableStream) result() checker.Result {
	d := s.d
	res := checker.Result{Valid: checker.Valid, Details: d}
	switch {
	case d.MissingTableCount > 0:
		res.Valid = checker.Invalid
		res.Summary = fmt.Sprintf("%s refused for tables already created; first: %s", plural.Count(d.MissingTableCount, "insert"), d.Missing[0].describe())
	case s.tried == 0:
		res.Valid = checker.Unknown
		res.Summary = "no insert began after its table's CREATE was acknowledged: nothing to check"
	default:
		res.Summary = fmt.Sprintf("%s began after their table's CREATE was acknowledged; none was refused for a missing table", plural.Count(s.tried, "insert"))
	}
	return res
}

// doesntExist says whether an op's error is DoesntExist, alone or as the
// head of [:doesnt-exist message], and returns the message.
func doesntExist(e any) (string, bool) {
	if k, ok := e.(history.Keyword); ok {
		return "", k == DoesntExist
	}
	xs, ok := history.AsSlice(e)
	if !ok || len(xs) == 0 {
		return "", false
	}
	if k, ok := xs[0].(history.Keyword); !ok || k != DoesntExist {
		return "", false
	}
	if len(xs) > 1 {
		if s, ok := xs[1].(string); ok {
			return s, true
		}
	}
	return "", true
}
