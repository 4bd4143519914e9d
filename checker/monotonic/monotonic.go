// Package monotonic checks that values which only ever grow are never seen
// to shrink (the TiDB suite's monotonic workload: keys are incremented, and
// reads return their current values). An observation is an ok op whose f is
// one of Options.Fs, with a value that is an integer (one unnamed key), a map
// {key value}, or a transaction of [:r k v] / [:w k v] micro-ops; nil values
// are skipped.
//
// It proves two things for every key: each process sees its values in
// non-decreasing order (by process), and an observation that began after
// another one ended never sees a smaller value (in real time). It cannot
// prove that increments were applied exactly once, nor find contradictions
// across keys (use Elle for those).
//
// Streaming: Checker is a checker.Streamer holding the last value each
// process saw of each key, the invocations in flight, and the rises of each
// key's greatest completed value since the oldest op in flight (an op is
// compared with the greatest completed before its invocation); an op that
// never completes keeps every rise after it.
package monotonic

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/verdict"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/internal/plural"
)

// Options configure the checker.
type Options struct {
	// Fs are the fs whose ok completions report values; nil means "read"
	// and "inc".
	Fs []string
}

// Kinds of violation.
const (
	ByProcess = "process"  // one process saw the value go down
	RealTime  = "realtime" // an op that began after another ended saw less
)

// Observation is one op's view of one key.
type Observation struct {
	Op      int   `json:"op"` // index of the completion
	Process int   `json:"process"`
	Value   int64 `json:"value"`
}

// Violation is a pair of observations of Key where Later should have seen at
// least what Earlier saw, and saw less.
type Violation struct {
	Kind    string      `json:"kind"`
	Key     any         `json:"key"`
	Earlier Observation `json:"earlier"`
	Later   Observation `json:"later"`
}

// Details is what the checker found; Violations keeps the first
// MaxViolations, ViolationCount counts all.
type Details struct {
	ObservationCount int         `json:"observation-count"`
	KeyCount         int         `json:"key-count"`
	ViolationCount   int         `json:"violation-count"`
	Violations       []Violation `json:"violations,omitempty"`
}

// MaxViolations caps the violations kept in Details.
const MaxViolations = 64

// Explain describes each kept violation in plain words.
func (d *Details) Explain(w io.Writer) {
	fmt.Fprintf(w, "%s of %s, %d went backwards\n", plural.Count(d.ObservationCount, "observation"), plural.Count(d.KeyCount, "key"), d.ViolationCount)
	for i, v := range d.Violations {
		if i == 10 {
			fmt.Fprintf(w, "  ... and %d more\n", d.ViolationCount-i)
			break
		}
		why := "later in the same process"
		if v.Kind == RealTime {
			why = "in an op that began after op " + fmt.Sprint(v.Earlier.Op) + " had ended"
		}
		fmt.Fprintf(w, "  key %s: op %d (process %s) saw %d, then op %d (process %s) saw %d, %s\n",
			verdict.EDN(v.Key), v.Earlier.Op, history.ProcessString(v.Earlier.Process), v.Earlier.Value,
			v.Later.Op, history.ProcessString(v.Later.Process), v.Later.Value, why)
	}
}

// Checker returns the monotonic checker. Without a single observation the
// result is unknown.
//
// It streams (checker.Streamer), holding the last value each process saw of
// each key and, per key, the rises of the greatest value completed since
// the oldest op in flight (an op is compared with the greatest completed
// before its invocation), and the invocations in flight.
func Checker(opts Options) checker.Streamer {
	fs := opts.Fs
	if fs == nil {
		fs = []string{"read", "inc"}
	}
	return checker.Streamed(func() checker.Stream {
		s := &stream{fs: fs, d: &Details{}, last: make(map[string]Observation), peaks: make(map[string][]peak), keys: make(map[string]any), done: make(map[int]bool)}
		return verdict.ClientStream(s.add, s.result)
	})
}

// peak is a point where the greatest completed value of a key rose.
type peak struct {
	pos int // position of the completion in the history
	obs Observation
}

// stream is the monotonic checker fed op by op.
type stream struct {
	fs    []string
	d     *Details
	last  map[string]Observation // process/key -> last seen
	peaks map[string][]peak      // key -> rising greatest completed values, from the last one before the oldest op in flight
	keys  map[string]any
	open  []int        // positions of the invocations of fs in flight, oldest first, with completed ones not yet dropped
	done  map[int]bool // completed invocations still in open
}

// track follows the invocations of fs in flight: the oldest bounds which
// rises of a key a later op can still be compared with.
func (s *stream) track(e checker.Event) {
	if !slices.Contains(s.fs, e.Op.F) {
		return
	}
	if e.Op.Type == history.Invoke {
		s.open = append(s.open, e.Pos)
		return
	}
	if e.InvPos >= 0 {
		s.done[e.InvPos] = true
	}
	for len(s.open) > 0 && s.done[s.open[0]] {
		delete(s.done, s.open[0])
		s.open = s.open[1:]
	}
}

// since is the position no op still to complete was invoked before.
func (s *stream) since(pos int) int {
	if len(s.open) > 0 {
		return s.open[0]
	}
	return pos + 1
}

func (s *stream) report(kind string, key any, earlier, later Observation) {
	s.d.ViolationCount++
	if len(s.d.Violations) < MaxViolations {
		s.d.Violations = append(s.d.Violations, Violation{Kind: kind, Key: key, Earlier: earlier, Later: later})
	}
}

func (s *stream) add(e checker.Event) (checker.Result, bool) {
	op, i, inv := e.Op, e.Pos, e.InvPos
	s.track(e)
	if op.Type != history.OK || !slices.Contains(s.fs, op.F) {
		return checker.Result{}, false
	}
	kvs, bad := observations(op.Value)
	if bad != "" {
		return verdict.BadOp(op, "%s", bad), true
	}
	for _, kv := range kvs {
		s.d.ObservationCount++
		ks := history.Key(kv.key)
		s.keys[ks] = kv.key
		o := Observation{Op: op.Index, Process: op.Process, Value: kv.value}
		pk := history.ProcessString(op.Process) + "/" + ks
		prev, seen := s.last[pk]
		if seen && o.Value < prev.Value {
			s.report(ByProcess, kv.key, prev, o)
		}
		s.last[pk] = o
		ps := s.peaks[ks]
		// The greatest value completed before this op was invoked.
		j := sort.Search(len(ps), func(j int) bool { return ps[j].pos >= inv }) - 1
		if j >= 0 && o.Value < ps[j].obs.Value && !(seen && o.Value < prev.Value && ps[j].obs.Process == op.Process) {
			s.report(RealTime, kv.key, ps[j].obs, o)
		}
		if len(ps) == 0 || o.Value > ps[len(ps)-1].obs.Value {
			// Later ops were invoked after since, so the rises before the
			// last one before it will never be looked at again.
			bound := s.since(i)
			if m := sort.Search(len(ps), func(j int) bool { return ps[j].pos >= bound }) - 1; m > 0 {
				ps = ps[m:]
			}
			s.peaks[ks] = append(ps, peak{pos: i, obs: o})
		}
	}
	return checker.Result{}, false
}

func (s *stream) result() checker.Result {
	d := s.d
	d.KeyCount = len(s.keys)
	res := checker.Result{Valid: checker.Valid, Details: d}
	switch {
	case d.ViolationCount > 0:
		v := d.Violations[0]
		res.Valid = checker.Invalid
		res.Summary = fmt.Sprintf("%s; first: key %s went from %d (op %d) to %d (op %d), %s",
			plural.Count(d.ViolationCount, "non-monotonic observation"), verdict.EDN(v.Key), v.Earlier.Value, v.Earlier.Op, v.Later.Value, v.Later.Op, v.Kind)
	case d.ObservationCount == 0:
		res.Valid = checker.Unknown
		res.Summary = "no observations: nothing to check"
	}
	return res
}

type keyValue struct {
	key   any
	value int64
}

// observations extracts (key, value) pairs from an op's value.
func observations(v any) ([]keyValue, string) {
	var out []keyValue
	add := func(k, x any) string {
		if x == nil {
			return ""
		}
		n, ok := history.AsInt(x)
		if !ok {
			return fmt.Sprintf("key %s has value %s: expected an integer", verdict.EDN(k), verdict.EDN(x))
		}
		out = append(out, keyValue{k, n})
		return ""
	}
	switch x := v.(type) {
	case nil:
		return nil, ""
	case history.Map:
		for _, e := range x {
			if bad := add(e.Key, e.Value); bad != "" {
				return nil, bad
			}
		}
		return out, ""
	}
	if mops, ok := history.AsSlice(v); ok {
		for _, m := range mops {
			parts, ok := history.AsSlice(m)
			f, _ := history.AsString(first(parts))
			if !ok || len(parts) != 3 || !slices.Contains([]string{"r", "w", "read", "write", "inc"}, strings.ToLower(f)) {
				return nil, fmt.Sprintf("expected micro-ops [:r k v] or [:w k v], found %s", verdict.EDN(m))
			}
			if bad := add(parts[1], parts[2]); bad != "" {
				return nil, bad
			}
		}
		return out, ""
	}
	return out, add(nil, v)
}

func first(xs []any) any {
	if len(xs) == 0 {
		return nil
	}
	return xs[0]
}
