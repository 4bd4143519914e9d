package elle

import (
	"context"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/elle/consistency"
	"github.com/faultline/faultline/checker/elle/txnsim"
	"github.com/faultline/faultline/history"
)

// fuzzValue turns bytes into an arbitrary EDN-shaped value: mostly
// micro-op-like vectors, but with every shape a broken history might
// carry (wrong lengths, strings for keys, lists where scalars belong, ...).
type byteSource struct {
	b []byte
	i int
}

func (s *byteSource) next() int {
	if s.i >= len(s.b) {
		return 0
	}
	s.i++
	return int(s.b[s.i-1])
}

func (s *byteSource) value(depth int) any {
	switch c := s.next(); c % 9 {
	case 0:
		return nil
	case 1, 2, 3:
		return int64(c % 5)
	case 4:
		return history.Keyword([]string{"append", "r", "w", "x"}[c%4])
	case 5:
		return "r"
	case 6, 7:
		if depth > 3 {
			return int64(1)
		}
		n := s.next() % 5
		xs := make([]any, n)
		for i := range xs {
			xs[i] = s.value(depth + 1)
		}
		return xs
	default:
		return 1.5
	}
}

func (s *byteSource) mop() any {
	if s.next()%7 == 0 {
		return s.value(2) // anything at all
	}
	f := []any{history.Keyword("append"), history.Keyword("r"), "w", "r"}[s.next()%4]
	k := int64(s.next() % 3)
	if s.next()%5 == 0 {
		return []any{f, k, s.value(2)}
	}
	v := any(int64(s.next() % 4))
	if f == "r" || f == history.Keyword("r") {
		l := make([]any, s.next()%4)
		for i := range l {
			l[i] = int64(s.next() % 4)
		}
		v = l
		if s.next()%3 == 0 {
			v = l[:0]
		}
	}
	return []any{f, k, v}
}

// fuzzHistory builds a well-paired history of arbitrary transactions.
func fuzzHistory(data []byte) *history.History {
	s := &byteSource{b: data}
	var ops []history.Op
	n := 1 + s.next()%12
	retired := 0
	for t := 0; t < n; t++ {
		p := s.next()%4 + 4*retired
		var value any
		if s.next()%11 == 0 {
			value = s.value(0)
		} else {
			mops := make([]any, 1+s.next()%4)
			for i := range mops {
				mops[i] = s.mop()
			}
			value = mops
		}
		typ := []history.Type{history.OK, history.OK, history.Fail, history.Info}[s.next()%4]
		ops = append(ops, history.Op{Type: history.Invoke, Process: p, F: "txn", Value: value})
		if s.next()%6 != 0 {
			ops = append(ops, history.Op{Type: typ, Process: p, F: "txn", Value: value})
		} else {
			retired++ // the process never completed: later ones use new ids
		}
	}
	for i := range ops {
		ops[i].Index = i
	}
	return history.MustNew(ops...)
}

func checkNoPanic(t *testing.T, h *history.History) {
	for _, analyze := range []func(context.Context, *history.History, Options) (checker.Validity, *Report, error){AnalyzeListAppend, AnalyzeRWRegister} {
		v, rep, err := analyze(context.Background(), h, Options{InitialNil: true, WritesFollowReads: true, SequentialKeys: true, LinearizableKeys: true})
		if err != nil {
			if _, ok := err.(*InputError); !ok {
				t.Fatalf("error is not an InputError: %v", err)
			}
			continue
		}
		if v != checker.Valid && v != checker.Invalid && v != checker.Unknown {
			t.Fatalf("verdict %v", v)
		}
		for _, a := range rep.AnomalyTypes {
			if !consistency.KnownAnomaly(a) {
				t.Fatalf("unknown anomaly type %q", a)
			}
		}
	}
}

func FuzzAnalyze(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{3, 1, 2, 0, 1, 1, 2, 3, 1, 0, 5, 1, 1, 2, 0})
	f.Add([]byte("\x05\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkNoPanic(t, fuzzHistory(data))
	})
}

// TestTruncatedHistories cuts a valid history at many points, as a crashed
// run leaves it: never an error, never a false alarm.
func TestTruncatedHistories(t *testing.T) {
	for _, w := range []txnsim.Workload{txnsim.ListAppend, txnsim.RWRegister} {
		full := simulate(t, txnsim.Config{Seed: 7, Txns: 400, Workload: w, Processes: 5})
		for cut := 0; cut <= full.Len(); cut += 37 {
			h, err := history.New(full.Ops()[:cut])
			if err != nil {
				t.Fatal(err)
			}
			if v, rep := checkSimulated(t, w, h); v == checker.Invalid {
				t.Fatalf("%s cut at %d: a strict-serializable history became invalid: %v\n%s", w, cut, rep.AnomalyTypes, dump(rep))
			}
		}
	}
}

func TestFloatsAreNotIntegers(t *testing.T) {
	// 1.0 and 1 are different values (history.Equal says so), so a read of
	// [1.0] did not see the append of 1.
	h := build(t, []tx{ok(0, ap(x, 1)), ok(1, []any{history.Keyword("r"), int64(x), []any{1.0}})}, "i0 i1 c0 c1")
	_, rep, err := AnalyzeListAppend(context.Background(), h, Options{})
	if err != nil || len(rep.AnomalyTypes) != 1 || rep.AnomalyTypes[0] != consistency.GarbageRead {
		t.Fatalf("%v %v, want garbage-read", rep.AnomalyTypes, err)
	}
}

func TestFuzzCorpusShapes(t *testing.T) {
	// A deterministic sweep over generated inputs, so that CI exercises the
	// fuzz target's shapes without -fuzz.
	for i := 0; i < 2000; i++ {
		data := make([]byte, 64)
		x := uint32(i*2654435761 + 1)
		for j := range data {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			data[j] = byte(x)
		}
		checkNoPanic(t, fuzzHistory(data))
	}
}
