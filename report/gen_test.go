package report

import (
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/faultline/faultline/history"
)

// genOpts shapes a generated test history.
type genOpts struct {
	seed        uint64
	ops         int  // about this many history ops (invokes + completions) from clients
	concurrency int  // worker threads
	nemesis     bool // add a nemesis cycling through every standard fault family
	bank        bool // bank workload (transfers and {account balance} reads) instead of a register
	badTotals   bool // with bank: some reads see a wrong total
	seconds     int  // the run lasts about this long (default 30 s)
}

// event is an op before it gets its index; seq keeps each thread's ops in the
// order they were generated when times tie.
type event struct {
	op  history.Op
	seq int
}

// genHistory makes a deterministic history: worker threads that invoke reads,
// writes and cas (or bank transfers and reads) with random latencies and
// outcomes (an info retires the process, which continues as p+concurrency),
// slower and failing more while a partition is on, and optionally a nemesis
// that starts and stops each fault family in turn and measures clock offsets.
func genHistory(o genOpts) *history.History {
	rng := rand.New(rand.NewPCG(o.seed, 0x5eed))
	var evs []event
	seq := 0
	add := func(op history.Op) {
		evs = append(evs, event{op: op, seq: seq})
		seq++
	}
	perThread := o.ops / 2 / o.concurrency
	if o.seconds == 0 {
		o.seconds = 30
	}
	think := max(float64(o.seconds)*1e9/float64(perThread)-2.2e6, 1e3) // mean pause between a thread's ops
	const cycle = int64(3e9)                                           // each fault family is on for 1 s of every 3 s
	families := [][2]string{
		{"start-partition", "stop-partition"}, {"kill", "start"}, {"pause", "resume"},
		{"start-packet", "stop-packet"}, {"bump-clock", "reset-clock"},
	}
	partitioned := func(t int64) bool {
		return o.nemesis && (t/cycle)%int64(len(families)) == 0 && t%cycle >= 1e9 && t%cycle < 2e9
	}
	var end int64
	for th := 0; th < o.concurrency; th++ {
		proc := th
		t := int64(rng.IntN(1e6))
		for range perThread {
			f, val, done := genClientOp(rng, o)
			lat := int64(2e5 + rng.ExpFloat64()*2e6)
			outcome := history.OK
			switch r := rng.Float64(); {
			case partitioned(t) && r < 0.5:
				outcome, lat = history.Info, lat+5e8
			case r < 0.08:
				outcome = history.Fail
			case r < 0.11:
				outcome = history.Info
			}
			add(history.Op{Time: t, Type: history.Invoke, Process: proc, F: f, Value: val})
			comp := history.Op{Time: t + lat, Type: outcome, Process: proc, F: f, Value: done}
			comp.Set("node", "n"+itoa(int64(th%5+1)))
			if outcome != history.OK {
				comp.Error = history.Keyword("timeout")
			}
			add(comp)
			t += lat + int64(1e3+rng.Float64()*2*think)
			if outcome == history.Info {
				proc += o.concurrency
			}
		}
		end = max(end, t)
	}
	if o.nemesis {
		for t, k := int64(1e9), 0; t+2e9 < end; t, k = t+cycle, k+1 {
			fam := families[k%len(families)]
			var bumped, reset history.Map
			if fam[0] == "bump-clock" {
				bumped = history.Map{{Key: "n1", Value: 0.25 * float64(k%4+1)}, {Key: "n2", Value: -0.1}, {Key: "n3", Value: 0.0}}
				reset = history.Map{{Key: "n1", Value: 0.0}, {Key: "n2", Value: 0.0}, {Key: "n3", Value: 0.0}}
			}
			nemesisOp(add, t, fam[0], history.Keyword("majority"), bumped)
			nemesisOp(add, t+1e9, fam[1], nil, reset)
			nemesisOp(add, t+15e8, "check-clock-offsets", nil, history.Map{{Key: "n1", Value: 0.001 * float64(k%3)}, {Key: "n2", Value: -0.002}, {Key: "n3", Value: 0.0005}})
		}
	}
	sort.SliceStable(evs, func(i, j int) bool {
		if evs[i].op.Time != evs[j].op.Time {
			return evs[i].op.Time < evs[j].op.Time
		}
		return evs[i].seq < evs[j].seq
	})
	ops := make([]history.Op, len(evs))
	for i := range evs {
		ops[i] = evs[i].op
		ops[i].Index = i
	}
	return history.MustNew(ops...)
}

// nemesisOp adds a nemesis invoke and its info completion 5 ms later; a
// non-nil offsets map is carried as {:clock-offsets offsets}.
func nemesisOp(add func(history.Op), t int64, f string, val any, offsets history.Map) {
	add(history.Op{Time: t, Type: history.Invoke, Process: history.NemesisProcess, F: f, Value: val})
	done := val
	if offsets != nil {
		done = history.Map{{Key: history.Keyword("clock-offsets"), Value: offsets}}
	}
	add(history.Op{Time: t + 5e6, Type: history.Info, Process: history.NemesisProcess, F: f, Value: done})
}

// genClientOp picks a client op: its f, invoke value and completion value.
func genClientOp(rng *rand.Rand, o genOpts) (f string, invoke, complete any) {
	if o.bank {
		if rng.IntN(2) == 0 {
			v := history.Map{{Key: history.Keyword("from"), Value: int64(rng.IntN(5))}, {Key: history.Keyword("to"), Value: int64(rng.IntN(5))}, {Key: history.Keyword("amount"), Value: int64(rng.IntN(5) + 1)}}
			return "transfer", v, v
		}
		balances := history.Map{}
		left := int64(100)
		for a := range int64(5) {
			b := int64(rng.IntN(int(left) + 1))
			if a == 4 {
				b = left
			}
			if o.badTotals && rng.IntN(20) == 0 {
				b += 7
			}
			left -= min(b, left)
			balances = append(balances, history.MapEntry{Key: a, Value: b})
		}
		return "read", nil, balances
	}
	switch rng.IntN(3) {
	case 0:
		return "read", nil, int64(rng.IntN(5))
	case 1:
		v := int64(rng.IntN(5))
		return "write", v, v
	}
	v := []any{int64(rng.IntN(5)), int64(rng.IntN(5))}
	return "cas", v, v
}

func TestGenHistoryIsDeterministicAndShaped(t *testing.T) {
	o := genOpts{seed: 1, ops: 2000, concurrency: 5, nemesis: true}
	a, b := genHistory(o), genHistory(o)
	if a.Len() != b.Len() {
		t.Fatalf("same seed gave %d and %d ops", a.Len(), b.Len())
	}
	for i, op := range a.All() {
		if op.String() != b.At(i).String() {
			t.Fatalf("same seed differs at op %d: %s vs %s", i, op, b.At(i))
		}
	}
	var clients, nemesis int
	outcomes := map[history.Type]int{}
	for op := range a.Operations() {
		if op.Invoke.IsNemesis() {
			nemesis++
			continue
		}
		clients++
		outcomes[op.Outcome()]++
	}
	if clients != 1000 || nemesis == 0 {
		t.Fatalf("want 1000 client operations and some nemesis ops, got %d and %d", clients, nemesis)
	}
	for _, ty := range []history.Type{history.OK, history.Fail, history.Info} {
		if outcomes[ty] == 0 {
			t.Errorf("no %s outcomes in the generated history: %v", ty, outcomes)
		}
	}
}
