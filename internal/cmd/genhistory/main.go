// Command genhistory writes the seeded benchmark histories of issue 16, so
// that a reader or checker measured before and after a change reads the same
// bytes:
//
//	go run ./internal/cmd/genhistory -kind list-append -txns 1000000 -seed 1 -format edn -o /tmp/la-1m.edn
//	go run ./internal/cmd/genhistory -kind register -ops 10000000 -seed 42 -format json -o /tmp/kv-10m.jsonl
//
// list-append is checker/elle/txnsim's strict-serializable database in
// Elle's default shape (1-4 micro-ops per transaction, half of them reads,
// 10 active keys, 20 processes): `faultline check --model list-append`
// finds it valid (-behaviour picks another of txnsim's databases, such as
// lost-appends, for invalid ones). register is checker/linear/linearsim's keyed register
// (1,000 keys, 50 processes, 1% info), for `faultline check --model kv`.
// Both are written one op per line, as Jepsen EDN or Faultline's JSON lines;
// the same flags always give the same bytes.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/faultline/faultline/checker/elle/txnsim"
	"github.com/faultline/faultline/checker/linear/linearsim"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/codec"
)

func main() {
	kind := flag.String("kind", "list-append", "list-append (Elle transactions) or register (keyed registers)")
	txns := flag.Int("txns", 1_000_000, "transactions of a list-append history (two ops each)")
	ops := flag.Int("ops", 1_000_000, "ops of a register history (about; invocations and completions)")
	seed := flag.Uint64("seed", 1, "the simulator's seed")
	behaviour := flag.String("behaviour", string(txnsim.StrictSerializable), "list-append: the simulated database's behaviour (txnsim.Behaviours), for invalid histories too")
	format := flag.String("format", "edn", "edn or json (JSON lines)")
	out := flag.String("o", "-", "output file (- for standard output)")
	flag.Parse()
	if err := run(*kind, txnsim.Behaviour(*behaviour), *txns, *ops, *seed, codec.Format(*format), *out); err != nil {
		fmt.Fprintln(os.Stderr, "genhistory:", err)
		os.Exit(2)
	}
}

func run(kind string, b txnsim.Behaviour, txns, ops int, seed uint64, f codec.Format, out string) error {
	if f != codec.EDN && f != codec.JSON {
		return fmt.Errorf("-format %q: expected edn or json", f)
	}
	h, err := generate(kind, b, txns, ops, seed)
	if err != nil {
		return err
	}
	var w io.Writer = os.Stdout
	if out != "-" {
		file, err := os.Create(out)
		if err != nil {
			return err
		}
		defer file.Close()
		w = file
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	cw, err := codec.NewWriter(bw, f)
	if err != nil {
		return err
	}
	for _, op := range h.All() {
		if err := cw.Write(op); err != nil {
			return err
		}
	}
	if err := cw.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}

func generate(kind string, b txnsim.Behaviour, txns, ops int, seed uint64) (*history.History, error) {
	switch kind {
	case "list-append":
		return txnsim.Generate(txnsim.Config{Seed: seed, Txns: txns, Workload: txnsim.ListAppend, Behaviour: b})
	case "register":
		return linearsim.Run(linearsim.Config{Seed: seed, Ops: ops / 2, Processes: 50, InfoRate: 0.01}, linearsim.KV(1000, 10)), nil
	}
	return nil, errors.New("-kind " + kind + ": expected list-append or register")
}
