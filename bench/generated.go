package bench

import (
	"github.com/faultline/faultline/checker/linear/linearsim"
	"github.com/faultline/faultline/history"
)

// GeneratedCases are large histories from linearsim: keyed ones in
// Jepsen's independent shape and single-register ones with many
// concurrent processes. big adds the 1,000,000-op keyed history.
func GeneratedCases(big bool) []Case {
	type spec struct {
		name   string
		keyed  bool
		cfg    linearsim.Config
		keys   int
		values int
	}
	specs := []spec{
		{"keyed-100k-1000k-50p", true, linearsim.Config{Seed: 42, Ops: 50_000, Processes: 50, InfoRate: 0.01}, 1000, 10},
		{"keyed-200k-100k-20p", true, linearsim.Config{Seed: 43, Ops: 100_000, Processes: 20, InfoRate: 0.01}, 100, 10},
		{"register-2k-20p-2%info", false, linearsim.Config{Seed: 3, Ops: 2_000, Processes: 20, InfoRate: 0.02}, 0, 5},
		{"register-5k-20p-1%info", false, linearsim.Config{Seed: 3, Ops: 5_000, Processes: 20, InfoRate: 0.01}, 0, 5},
		{"register-10k-10p", false, linearsim.Config{Seed: 4, Ops: 10_000, Processes: 10}, 0, 5},
	}
	if big {
		specs = append(specs, spec{"keyed-1M-1000k-50p", true, linearsim.Config{Seed: 42, Ops: 500_000, Processes: 50, InfoRate: 0.01}, 1000, 10})
	}
	var out []Case
	for _, s := range specs {
		var sp linearsim.Spec = linearsim.Register(s.values, true)
		if s.keyed {
			sp = linearsim.KV(s.keys, s.values)
		}
		out = append(out, Case{Name: s.name, History: linearsim.Run(s.cfg, sp), Keyed: s.keyed})
	}
	return out
}

// corruptRead returns a copy of h in which the ok read two thirds of the way
// through returns a value no write ever wrote (99), which no linearization
// explains: the valid history becomes invalid.
func corruptRead(h *history.History, keyed bool) *history.History {
	ops := h.Ops()
	for i := len(ops) * 2 / 3; i < len(ops); i++ {
		if ops[i].Type == history.OK && ops[i].F == "read" {
			if keyed {
				kv := ops[i].Value.([]any)
				ops[i].Value = []any{kv[0], int64(99)}
			} else {
				ops[i].Value = int64(99)
			}
			break
		}
	}
	out, err := history.New(ops)
	if err != nil {
		panic(err)
	}
	return out
}
