package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/bank"
	"github.com/faultline/faultline/checker/counter"
	"github.com/faultline/faultline/checker/independent"
	"github.com/faultline/faultline/checker/longfork"
	"github.com/faultline/faultline/checker/monotonic"
	"github.com/faultline/faultline/checker/queue"
	"github.com/faultline/faultline/checker/sequential"
	"github.com/faultline/faultline/checker/set"
	"github.com/faultline/faultline/checker/stats"
	"github.com/faultline/faultline/checker/uniqueids"
)

// classicCheckModels lists the classic models of `faultline check`: the
// checkers of Jepsen's classic workloads (counter, sets, queues, ids, bank,
// long fork) and of the TiDB suite (monotonic, sequential). Each accepts
// --independent for histories of [key value] tuples.
func classicCheckModels() []CheckModel {
	return []CheckModel{
		classic("counter", "every :read lies between the :adds certainly and possibly applied", fixed(counter.Checker)),
		classic("set", "the final :read holds every acknowledged :add and nothing never added", fixed(set.Checker)),
		classic("set-full", "every :add followed through every :read: stable, lost, never read, stale", setFullFlags),
		classic("queue", "every :dequeue (and :drain) takes a value some :enqueue put in", fixed(queue.Checker)),
		classic("total-queue", "enqueued vs dequeued as multisets: lost, duplicated, unexpected", totalQueueFlags),
		classic("unique-ids", "no id returned by :generate is handed out twice", fixed(uniqueids.Checker)),
		classic("bank", "every :read of the accounts adds up to the total, no negative or missing balance", bankFlags),
		classic("long-fork", "no two reads of a key group saw independent writes in opposite orders", longForkFlags),
		classic("monotonic", "per key, values never go backwards, by process and in real time", monotonicFlags),
		classic("sequential", "a reverse-order :read never sees a later write without an earlier one", fixed(sequential.Checker)),
		classic("stats", "ok/fail/info counts per f; an f that never succeeds is invalid", fixed(stats.Checker)),
	}
}

// builder registers a model's flags and returns what builds its checker.
type builder = func(fs *pflag.FlagSet) func() (checker.Checker, error)

// classic makes a model whose checker can be lifted to independent keys and
// whose explanation is its details' own.
func classic(name, summary string, flags builder) CheckModel {
	return CheckModel{
		Name:    name,
		Summary: summary,
		Explain: explainDetails,
		Flags: func(fs *pflag.FlagSet) func() (checker.Checker, error) {
			lift := independentFlag(fs)
			build := flags(fs)
			return func() (checker.Checker, error) {
				c, err := build()
				if err != nil || !lift() {
					return c, err
				}
				return independent.Checker(c, independent.Options{}), nil
			}
		},
	}
}

// independentFlag registers --independent once, however many models ask.
func independentFlag(fs *pflag.FlagSet) func() bool {
	const name = "independent"
	if fs.Lookup(name) == nil {
		fs.Bool(name, false, "classic models: values are [key value] tuples; check each key alone and list failing keys first")
	}
	return func() bool {
		v, err := fs.GetBool(name)
		return err == nil && v
	}
}

// fixed is the builder of a checker without options.
func fixed[C checker.Checker](c func() C) builder {
	return func(*pflag.FlagSet) func() (checker.Checker, error) {
		return func() (checker.Checker, error) { return c(), nil }
	}
}

func setFullFlags(fs *pflag.FlagSet) func() (checker.Checker, error) {
	lin := fs.Bool("set-full-linearizable", false, "set-full: a read that misses an element acknowledged before it began is invalid (stale)")
	return func() (checker.Checker, error) {
		return set.FullChecker(set.FullOptions{Linearizable: *lin}), nil
	}
}

func totalQueueFlags(fs *pflag.FlagSet) func() (checker.Checker, error) {
	noDup := fs.Bool("total-queue-no-duplicates", false, "total-queue: a value dequeued more often than enqueued is invalid (default: reported, allowed)")
	return func() (checker.Checker, error) {
		return queue.TotalChecker(queue.TotalOptions{ForbidDuplicates: *noDup}), nil
	}
}

// bankFlags registers the bank model's flags under elle-cli's names, with
// Faultline's older names kept as aliases. Without a total or accounts the
// checker takes them from the first ok read, as elle-cli does.
func bankFlags(fs *pflag.FlagSet) func() (checker.Checker, error) {
	total := fs.Int64P("total-amount", "o", 0, "bank: the sum every read's balances must equal (default: the sum of the first ok read, as elle-cli)")
	oldTotal := fs.Int64("bank-total", 0, "bank: the same as --total-amount")
	accounts := fs.StringSlice("bank-accounts", nil, "bank: the accounts a read may name, e.g. 0,1,2 (default: those of the first ok read, as elle-cli)")
	negOK := fs.BoolP("allow-negative-balances", "n", false, "bank: allow negative balances")
	oldNegOK := fs.Bool("bank-negative-ok", false, "bank: the same as --allow-negative-balances")
	maxTransfer := fs.Int64("max-transfer", 0, "bank: accepted for elle-cli's command lines; like elle-cli and Jepsen, the checker does not use it (it bounds the generator's transfers)")
	return func() (checker.Checker, error) {
		opts := bank.Options{NegativeOK: *negOK || *oldNegOK}
		switch newSet, oldSet := fs.Changed("total-amount"), fs.Changed("bank-total"); {
		case newSet && oldSet && *total != *oldTotal:
			return nil, fmt.Errorf("--total-amount %d and --bank-total %d disagree: give one of them", *total, *oldTotal)
		case newSet:
			opts.Total = total
		case oldSet:
			opts.Total = oldTotal
		}
		if fs.Changed("max-transfer") && *maxTransfer <= 0 {
			return nil, fmt.Errorf("--max-transfer %d: expected a positive amount", *maxTransfer)
		}
		for _, a := range *accounts {
			if n, err := strconv.ParseInt(a, 10, 64); err == nil {
				opts.Accounts = append(opts.Accounts, n)
			} else {
				opts.Accounts = append(opts.Accounts, a)
			}
		}
		return bank.Checker(opts), nil
	}
}

func longForkFlags(fs *pflag.FlagSet) func() (checker.Checker, error) {
	size := fs.Int("long-fork-group-size", 0, "long-fork: keys k with the same k div n are read together (0: each read's keys are its group)")
	return func() (checker.Checker, error) {
		if *size < 0 || *size > 64 {
			return nil, fmt.Errorf("--long-fork-group-size %d: expected 0 (groups as read) or 1..64", *size)
		}
		return longfork.Checker(longfork.Options{GroupSize: *size}), nil
	}
}

func monotonicFlags(fs *pflag.FlagSet) func() (checker.Checker, error) {
	fsNames := fs.StringSlice("monotonic-fs", []string{"read", "inc"}, "monotonic: the fs whose ok values are observations")
	return func() (checker.Checker, error) {
		if len(*fsNames) == 0 {
			return nil, fmt.Errorf("--monotonic-fs: expected at least one f")
		}
		return monotonic.Checker(monotonic.Options{Fs: *fsNames}), nil
	}
}

// explainDetails prints a result's details in plain words, when they know
// how to explain themselves (every classic checker's do); otherwise the rest
// of an error whose first line the verdict line already showed.
func explainDetails(w io.Writer, r checker.Result) {
	if e, ok := r.Details.(interface{ Explain(io.Writer) }); ok {
		e.Explain(w)
		return
	}
	if _, rest, multi := strings.Cut(r.Error, "\n"); multi {
		fmt.Fprintln(w, rest)
	}
}
