package oracle

import (
	"fmt"

	"github.com/faultline/faultline/history"
)

// History is a history's transactions, with keys and values interned to
// small ids.
type History struct {
	Workload Workload
	Txns     []Txn
	// observed[key][value] says that some committed read shows the value.
	observed []map[int32]bool
	// writer[key][value] is the transaction that wrote the value, -1 for a
	// value that a read shows but nobody wrote.
	writer []map[int32]int
}

// Txn is one transaction: how it ended, where, and its micro-ops.
type Txn struct {
	Status   history.Type // OK, Fail, or Info (also for one that never completed)
	Process  int
	Invoke   int // position of the invocation in the history
	Complete int // position of the completion, -1 if none
	Mops     []Mop
}

// Mop is one micro-op with its key and values interned.
type Mop struct {
	Write bool
	Key   int32
	Value int32 // a write's value
	// Known: a read of a committed transaction, whose result is Read (the
	// list's elements; for a register nothing for nil or the one value).
	Known bool
	Read  []int32
}

// Parse reads the :txn operations of h. It fails on anything that is not a
// transaction of workload w, saying where, and on a value written twice to
// one key (the checkers need every written value to be unique).
func Parse(h *history.History, w Workload) (*History, error) {
	writeF := "append"
	switch w {
	case ListAppend:
	case RWRegister:
		writeF = "w"
	default:
		return nil, fmt.Errorf("oracle: unknown workload %q: expected %s or %s", w, ListAppend, RWRegister)
	}
	p := &History{Workload: w}
	keys := map[string]int32{}
	vals := []map[string]int32{} // key -> value -> id
	intern := func(k any) int32 {
		s := history.Key(k)
		id, ok := keys[s]
		if !ok {
			id = int32(len(keys))
			keys[s] = id
			vals = append(vals, map[string]int32{})
			p.observed = append(p.observed, map[int32]bool{})
			p.writer = append(p.writer, map[int32]int{})
		}
		return id
	}
	value := func(k int32, v any) int32 {
		s := history.Key(v)
		id, ok := vals[k][s]
		if !ok {
			id = int32(len(vals[k]))
			vals[k][s] = id
			p.writer[k][id] = -1
		}
		return id
	}
	for pos, op := range h.All() {
		if op.Type != history.Invoke || op.F != "txn" || op.IsNemesis() {
			continue
		}
		t := Txn{Status: history.Info, Process: op.Process, Invoke: pos, Complete: h.Completion(pos)}
		src := pos
		if t.Complete >= 0 {
			t.Status = h.At(t.Complete).Type
			if t.Status == history.OK {
				src = t.Complete
			}
		}
		where := func(j int) string {
			o := h.At(src)
			return fmt.Sprintf("op %d (index %d, process %s), micro-op %d", src, o.Index, history.ProcessString(o.Process), j)
		}
		txn := h.At(src).Value
		mops, ok := history.AsSlice(txn)
		if !ok {
			return nil, fmt.Errorf("%s: expected a transaction, a vector of micro-ops, found %s", where(-1), history.FormatEDN(txn))
		}
		id := len(p.Txns)
		for j, m := range mops {
			parts, ok := history.AsSlice(m)
			if !ok || len(parts) != 3 {
				return nil, fmt.Errorf("%s: expected a micro-op [f key value], found %s", where(j), history.FormatEDN(m))
			}
			f, _ := history.AsString(parts[0])
			k := intern(parts[1])
			switch f {
			case writeF:
				v := value(k, parts[2])
				if prev := p.writer[k][v]; prev >= 0 {
					return nil, fmt.Errorf("%s: %s writes %s to a key transaction %d already wrote it to: written values must be unique per key", where(j), history.FormatEDN(m), history.FormatEDN(parts[2]), prev)
				}
				p.writer[k][v] = id
				t.Mops = append(t.Mops, Mop{Write: true, Key: k, Value: v})
			case "r":
				mo := Mop{Key: k, Known: t.Status == history.OK}
				if mo.Known {
					read, err := p.readValue(w, k, parts[2], value)
					if err != "" {
						return nil, fmt.Errorf("%s: %s", where(j), err)
					}
					mo.Read = read
				}
				t.Mops = append(t.Mops, mo)
			default:
				return nil, fmt.Errorf("%s: expected :%s or :r, found %s", where(j), writeF, history.FormatEDN(parts[0]))
			}
		}
		p.Txns = append(p.Txns, t)
	}
	return p, nil
}

// readValue interns what a committed read returned and marks it observed.
func (p *History) readValue(w Workload, k int32, v any, value func(int32, any) int32) ([]int32, string) {
	var xs []any
	switch {
	case v == nil:
	case w == RWRegister:
		xs = []any{v}
	default:
		var ok bool
		if xs, ok = history.AsSlice(v); !ok {
			return nil, fmt.Sprintf("expected a read of a list, found %s", history.FormatEDN(v))
		}
	}
	read := make([]int32, len(xs))
	for i, x := range xs {
		read[i] = value(k, x)
		p.observed[k][read[i]] = true
	}
	return read, ""
}

// kept reports whether transaction i must be part of every explanation: it
// committed, or it is an info transaction one of whose writes some
// committed read shows. Others never took effect (failed), or can be left
// out without breaking any explanation (an unobserved info transaction).
func (p *History) kept(i int) bool {
	t := &p.Txns[i]
	switch t.Status {
	case history.OK:
		return true
	case history.Info:
		for _, m := range t.Mops {
			if m.Write && p.observed[m.Key][m.Value] {
				return true
			}
		}
	}
	return false
}
