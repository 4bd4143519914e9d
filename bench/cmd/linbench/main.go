// Command linbench runs Faultline's linearizability checker and Porcupine
// on the same histories in one process and prints per-history and total
// time ratios, failing if any verdicts differ.
//
//	cd bench && go run ./cmd/linbench -reps 5 -big
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/faultline/faultline/bench"
)

func main() {
	reps := flag.Int("reps", 10, "runs of each checker per history; the fastest counts")
	big := flag.Bool("big", false, "include the 1,000,000-op keyed history")
	timeout := flag.Duration("timeout", 2*time.Minute, "time limit of each run")
	quiet := flag.Bool("quiet", false, "print only the totals, not each etcd log")
	flag.Parse()

	etcd, err := bench.EtcdCases()
	if err != nil {
		fmt.Fprintln(os.Stderr, "linbench:", err)
		os.Exit(2)
	}
	disagree := 0
	run := func(title string, cases []bench.Case, perRow bool) {
		var ours, theirs time.Duration
		worst := bench.Row{}
		fmt.Printf("\n%s\n%s\n", title, bench.Header)
		for _, c := range cases {
			r := bench.Compare(c, *reps, *timeout)
			ours += r.Faultline
			theirs += r.Porcupine
			if worst.Name == "" || r.Ratio() < worst.Ratio() {
				worst = r
			}
			if !r.Agree() {
				disagree++
				fmt.Printf("VERDICTS DIFFER: %s\n", r)
			}
			if perRow {
				fmt.Println(r)
			}
		}
		fmt.Printf("total: faultline %s, porcupine %s, ratio %.2fx; worst single history: %s at %.2fx\n",
			ours.Round(time.Microsecond), theirs.Round(time.Microsecond), float64(theirs)/float64(max(ours, 1)), worst.Name, worst.Ratio())
	}
	run(fmt.Sprintf("Jepsen etcd logs from porcupine %s (%d histories)", bench.PorcupineVersion, len(etcd)), etcd, !*quiet)
	run("linearsim histories", bench.GeneratedCases(*big), true)
	if disagree > 0 {
		fmt.Printf("\n%d histories with different verdicts\n", disagree)
		os.Exit(1)
	}
}
