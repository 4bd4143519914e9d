// Command genclassic writes large seeded histories of the classic
// workloads (counter, set) as Jepsen EDN, made by the checkers' own
// simulator of correct stores (histbuild.Sim), for benchmarks of `faultline
// check`. One seed and one set of flags give the same bytes every time.
//
//	go run ./checker/internal/cmd/genclassic -model counter -n 10000000 -seed 1 > counter.edn
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"

	"github.com/faultline/faultline/checker/internal/histbuild"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/codec"
)

func main() {
	model := flag.String("model", "counter", "counter or set (set-full reads the same histories)")
	n := flag.Int("n", 1_000_000, "operations to invoke")
	seed := flag.Uint64("seed", 1, "simulator seed")
	procs := flag.Int("procs", 10, "concurrent processes")
	info := flag.Float64("info", 0.01, "fraction of operations completed as info")
	reads := flag.Float64("reads", 0.5, "fraction of operations that are reads (keep it small for set: a read returns every element)")
	flag.Parse()
	if err := run(*model, histbuild.Sim{Seed: *seed, Procs: *procs, N: *n, InfoRate: *info}, *reads); err != nil {
		fmt.Fprintln(os.Stderr, "genclassic:", err)
		os.Exit(1)
	}
}

func run(model string, sim histbuild.Sim, reads float64) error {
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	w, err := codec.NewWriter(out, codec.EDN)
	if err != nil {
		return err
	}
	var store *set
	switch model {
	case "counter":
		sim.Store = &histbuild.Counter{}
		sim.Next = func(r *rand.Rand) (string, any) {
			if r.Float64() < reads {
				return "read", nil
			}
			return "add", int64(r.IntN(5) + 1)
		}
	case "set":
		store = &set{}
		sim.Store = store
		next := int64(0)
		sim.Next = func(r *rand.Rand) (string, any) {
			if r.Float64() < reads {
				return "read", nil
			}
			next++
			return "add", next
		}
	default:
		return fmt.Errorf("-model %q: expected counter or set", model)
	}
	var werr error
	n := 0
	write := func(op history.Op) {
		if werr == nil {
			werr = w.Write(op)
		}
		n++
	}
	sim.Emit(write)
	if store != nil {
		// A set history ends with a read of everything by a fresh process,
		// as Jepsen's set workload ends, so the set checker has a final read.
		final := history.Op{Index: n, Time: int64(n) * histbuild.Step, Type: history.Invoke, Process: 1 << 30, F: "read"}
		write(final)
		final.Index, final.Time, final.Type, final.Value = n, int64(n)*histbuild.Step, history.OK, store.Apply("read", nil)
		write(final)
	}
	if werr != nil {
		return werr
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return out.Flush()
}

// set is a correct grow-only set of distinct elements: a read returns them
// all, in the order added.
type set struct{ elems []any }

func (s *set) Apply(f string, v any) any {
	if f == "add" {
		s.elems = append(s.elems, v)
		return v
	}
	return append([]any(nil), s.elems...)
}
