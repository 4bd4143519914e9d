// Package bench compares Faultline's linearizability checker with
// Porcupine, in one process, on the same histories: the real Jepsen etcd
// logs that ship inside Porcupine's module, and large keyed and
// high-concurrency histories from linearsim. It is a separate module so
// that the main module never depends on Porcupine.
package bench

import (
	"math"

	"github.com/anishathalye/porcupine"

	"github.com/faultline/faultline/history"
)

// Porcupine works on Operations whose inputs and outputs are interface
// values; the peer models below keep them small (int64 values, nil coded as
// nilValue) and give Porcupine a state hash, its fastest configuration.

const nilValue = math.MinInt64

// regInput is a register op: f is 'r', 'w' or 'c'; a is the value read or
// written, or cas's old value, b cas's new value. known is false for an op
// whose outcome is unknown (info), which Porcupine must linearize somewhere:
// its return is at +infinity, so "never" is "at the very end".
type regInput struct {
	key   int64
	f     byte
	a, b  int64
	known bool
}

func intValue(v any) int64 {
	if v == nil {
		return nilValue
	}
	i, ok := history.AsInt(v)
	if !ok {
		panic("bench: non-integer register value " + history.FormatEDN(v))
	}
	return i
}

// casRegister is the Porcupine model of a cas-register (nil at first). With
// keyed set, inputs carry a key and the history is partitioned by key.
func casRegister(keyed bool) porcupine.Model {
	m := porcupine.Model{
		Init: func() interface{} { return int64(nilValue) },
		Step: func(state, input, _ interface{}) (bool, interface{}) {
			s, in := state.(int64), input.(regInput)
			switch in.f {
			case 'r':
				return s == in.a, s
			case 'w':
				return true, in.a
			}
			if s == in.a {
				return true, in.b
			}
			return !in.known, s // an unknown cas may have found another value
		},
		Equal: func(a, b interface{}) bool { return a.(int64) == b.(int64) },
		Hash:  func(s interface{}) uint64 { return uint64(s.(int64)) },
	}
	if keyed {
		m.Partition = func(ops []porcupine.Operation) [][]porcupine.Operation {
			index := make(map[int64]int)
			var parts [][]porcupine.Operation
			for _, op := range ops {
				k := op.Input.(regInput).key
				i, ok := index[k]
				if !ok {
					i = len(parts)
					index[k] = i
					parts = append(parts, nil)
				}
				parts[i] = append(parts[i], op)
			}
			return parts
		}
	}
	return m
}

// toPorcupine converts a register history (keyed: [k v] values) into
// Porcupine operations, with the same preparation Faultline does: fail ops
// and nemesis ops left out, info and never-completed ops returning at
// +infinity, reads whose result is unknown left out. Times are positions in
// the history.
func toPorcupine(h *history.History, keyed bool) []porcupine.Operation {
	var out []porcupine.Operation
	for i, o := range h.All() {
		if o.Type != history.Invoke || o.IsNemesis() {
			continue
		}
		c := h.Completion(i)
		in := regInput{f: o.F[0]}
		value, ret := o.Value, int64(math.MaxInt64)
		if c >= 0 {
			switch done := h.At(c); done.Type {
			case history.Fail:
				continue
			case history.OK:
				in.known, ret = true, int64(c)
				if v := done.Value; v != nil {
					value = v
				}
			}
		}
		if in.f == 'r' && !in.known {
			continue
		}
		if keyed {
			kv, _ := history.AsSlice(value)
			in.key, value = intValue(kv[0]), kv[1]
		}
		if in.f == 'c' {
			xs, _ := history.AsSlice(value)
			in.a, in.b = intValue(xs[0]), intValue(xs[1])
		} else {
			in.a = intValue(value)
		}
		out = append(out, porcupine.Operation{ClientId: o.Process, Input: in, Call: int64(i), Return: ret})
	}
	return out
}
