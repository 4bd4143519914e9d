// Package comments checks histories of the comments workload (CockroachDB's
// and TiDB's Jepsen "comments" test): clients insert unique ids under a key,
// one insert per transaction, spread over several tables, and reads return
// every id of a key in one transaction. Ops carry [key value] tuples:
//
//	write [k id]     insert id under key k
//	read  [k nil]    ok value [k ids]: every id found under k
//
// It proves realtime visibility, per key: a read must see every insert that
// was acknowledged before the read began (a stale read), and every insert
// that was acknowledged before some insert the read does see began (T1
// finished before T2 started, yet T2 is visible without T1). Strict
// serializability forbids both; serializability alone allows them. It also
// reports ids read that no write under that key had begun (unexpected). It
// cannot say anything about inserts that were concurrent with everything
// the read saw, nor about lost inserts no later read covers.
package comments

import (
	"cmp"
	"fmt"
	"io"
	"slices"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/verdict"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/internal/plural"
)

// Kinds of anomaly.
const (
	// Stale: the read missed an insert acknowledged before the read began.
	Stale = "stale"
	// Order: the read saw an insert but missed one acknowledged before
	// that insert began.
	Order = "order"
	// Unexpected: the read returned an id no write under its key had
	// begun.
	Unexpected = "unexpected"
	// Aborted: the read returned an id whose insert definitely failed.
	Aborted = "aborted-read"
)

// Anomaly is one read that breaks the rules, with the first id it should
// have seen (or should not have).
type Anomaly struct {
	Kind    string `json:"kind"`
	Op      int    `json:"op"` // the read's completion
	Process int    `json:"process"`
	Key     any    `json:"key"`
	Missing any    `json:"missing,omitempty"` // the id it did not see
	// Acked is the completion of the missing write (for Aborted, of the
	// failed one); Because, for Order, the id the read saw whose write
	// began after Acked.
	Acked   int `json:"acked,omitempty"`
	Because any `json:"because,omitempty"`
	// MissingCount is how many ids this read should have seen and did not.
	MissingCount int `json:"missing-count,omitempty"`
	// Unexpected is the id read that should not have been (Unexpected,
	// Aborted).
	Unexpected any `json:"unexpected,omitempty"`
}

// Details of a comments check.
type Details struct {
	ReadCount    int       `json:"read-count"`
	WriteCount   int       `json:"write-count"` // writes acknowledged
	KeyCount     int       `json:"key-count"`
	AnomalyCount int       `json:"anomaly-count"`
	Anomalies    []Anomaly `json:"anomalies,omitempty"` // the first MaxAnomalies
}

// MaxAnomalies caps the anomalies kept in Details.
const MaxAnomalies = 64

// Explain describes the anomalies in plain words.
func (d *Details) Explain(w io.Writer) {
	fmt.Fprintf(w, "%s of %s over %s, %s acknowledged; %s\n", plural.Count(d.ReadCount, "read"), "ids",
		plural.Count(d.KeyCount, "key"), plural.Count(d.WriteCount, "write"), plural.Count(d.AnomalyCount, "anomaly"))
	for i, a := range d.Anomalies {
		if i == 10 {
			fmt.Fprintf(w, "  ... and %d more\n", d.AnomalyCount-i)
			break
		}
		fmt.Fprintf(w, "  %s\n", a.describe())
	}
}

func (a Anomaly) describe() string {
	who := fmt.Sprintf("op %d (process %s) read key %s", a.Op, history.ProcessString(a.Process), verdict.EDN(a.Key))
	switch a.Kind {
	case Stale:
		return fmt.Sprintf("%s and missed id %s, whose insert was acknowledged at op %d, before the read began (%d missed in all)",
			who, verdict.EDN(a.Missing), a.Acked, a.MissingCount)
	case Order:
		return fmt.Sprintf("%s, saw id %s but not id %s, whose insert was acknowledged at op %d, before the insert of %s began (%d missed in all)",
			who, verdict.EDN(a.Because), verdict.EDN(a.Missing), a.Acked, verdict.EDN(a.Because), a.MissingCount)
	case Aborted:
		return fmt.Sprintf("%s and found id %s, whose insert failed at op %d", who, verdict.EDN(a.Unexpected), a.Acked)
	}
	return fmt.Sprintf("%s and found id %s, which no write under that key had begun", who, verdict.EDN(a.Unexpected))
}

// Checker returns the comments checker: invalid on any anomaly; unknown
// without an ok read.
//
// It streams (checker.Streamer), holding every key's writes and judging
// each read as it completes: every insert it must see was acknowledged
// before then.
func Checker() checker.Streamer {
	return checker.Streamed(func() checker.Stream {
		s := &commentsStream{d: &Details{}, keys: map[string]*keyState{}}
		return verdict.ClientStream(s.add, s.result)
	})
}

// write is one insert: where it began and, if acknowledged, ended.
type write struct {
	id      any
	invoke  int
	acked   int // position of its ok completion; -1 if none
	ackedOp int // that completion's index
	failed  int // index of its fail completion; -1 if none
	idKey   string
}

// keyState is what one key's writes were, in invocation order.
type keyState struct {
	key    any
	writes map[string]*write // by history.Key(id)
	acked  []*write          // acknowledged, in completion order
}

type read struct {
	op     history.Op
	invoke int
	ids    []any
}

// commentsStream is one check's state.
type commentsStream struct {
	d    *Details
	keys map[string]*keyState
}

func (s *commentsStream) add(e checker.Event) (checker.Result, bool) {
	op := e.Op
	if op.F != "write" && op.F != "read" {
		return checker.Result{}, false
	}
	k, v, ok := history.TupleKey(op)
	if !ok {
		return verdict.BadOp(op, "a comments op's value must be a [key value] tuple, found %s", verdict.EDN(op.Value)), true
	}
	ks := s.keys[history.Key(k)]
	if ks == nil {
		ks = &keyState{key: k, writes: map[string]*write{}}
		s.keys[history.Key(k)] = ks
	}
	switch {
	case op.F == "write" && op.Type == history.Invoke:
		id := history.Key(v)
		if _, dup := ks.writes[id]; dup {
			return verdict.BadOp(op, "id %s is written twice under key %s: the workload's ids are unique", verdict.EDN(v), verdict.EDN(k)), true
		}
		ks.writes[id] = &write{id: v, invoke: e.Pos, acked: -1, failed: -1, idKey: id}
	case op.F == "write" && op.Type == history.OK:
		w := ks.writes[history.Key(v)]
		if w == nil {
			return verdict.BadOp(op, "write of id %s under key %s completes without its invocation", verdict.EDN(v), verdict.EDN(k)), true
		}
		w.acked, w.ackedOp = e.Pos, op.Index
		ks.acked = append(ks.acked, w)
		s.d.WriteCount++
	case op.F == "write" && op.Type == history.Fail:
		if w := ks.writes[history.Key(v)]; w != nil {
			w.failed = op.Index
		}
	case op.F == "read" && op.Type == history.OK:
		ids, ok := history.AsSlice(v)
		if !ok {
			if set, isSet := v.(history.Set); isSet {
				ids, ok = []any(set), true
			}
		}
		if !ok && v != nil {
			return verdict.BadOp(op, "a comments read must return [key [ids...]], found %s", verdict.EDN(op.Value)), true
		}
		s.d.ReadCount++
		ks.judge(read{op: op, invoke: e.InvPos, ids: ids}, s.d)
	}
	return checker.Result{}, false
}

func (s *commentsStream) result() checker.Result {
	d := s.d
	d.KeyCount = len(s.keys)
	res := checker.Result{Valid: checker.Valid, Details: d}
	switch {
	case d.AnomalyCount > 0:
		res.Valid = checker.Invalid
		res.Summary = fmt.Sprintf("%s; first: %s", plural.Count(d.AnomalyCount, "read anomaly"), d.Anomalies[0].describe())
	case d.ReadCount == 0:
		res.Valid = checker.Unknown
		res.Summary = "no ok reads: nothing to check"
	default:
		res.Summary = fmt.Sprintf("%s saw every insert acknowledged before them or before what they saw", plural.Count(d.ReadCount, "read"))
	}
	return res
}

// judge holds one read to its key's writes. The inserts it must see are
// those acknowledged before a threshold: the later of the read's own
// invocation and the invocation of the latest-begun insert it saw.
func (ks *keyState) judge(r read, d *Details) {
	seen := make(map[string]bool, len(r.ids))
	threshold, because := r.invoke, (*write)(nil)
	for _, id := range r.ids {
		ik := history.Key(id)
		seen[ik] = true
		w := ks.writes[ik]
		if w == nil {
			d.add(Anomaly{Kind: Unexpected, Op: r.op.Index, Process: r.op.Process, Key: ks.key, Unexpected: id})
			return
		}
		if w.failed >= 0 {
			d.add(Anomaly{Kind: Aborted, Op: r.op.Index, Process: r.op.Process, Key: ks.key, Unexpected: id, Acked: w.failed})
			return
		}
		if w.invoke > threshold {
			threshold, because = w.invoke, w
		}
	}
	var missing []*write
	for _, w := range ks.acked {
		if w.acked >= threshold {
			break // acked is in completion order
		}
		if !seen[w.idKey] {
			missing = append(missing, w)
		}
	}
	if len(missing) == 0 {
		return
	}
	// Name a stale miss first: it needs no other insert to explain it.
	first := slices.MinFunc(missing, func(a, b *write) int { return cmp.Compare(a.acked, b.acked) })
	a := Anomaly{Kind: Order, Op: r.op.Index, Process: r.op.Process, Key: ks.key, Missing: first.id, Acked: first.ackedOp, MissingCount: len(missing)}
	if first.acked < r.invoke || because == nil {
		a.Kind = Stale
	} else {
		a.Because = because.id
	}
	d.add(a)
}

func (d *Details) add(a Anomaly) {
	d.AnomalyCount++
	if len(d.Anomalies) < MaxAnomalies {
		d.Anomalies = append(d.Anomalies, a)
	}
}
