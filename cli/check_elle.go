package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/elle"
	"github.com/faultline/faultline/checker/elle/consistency"
	"github.com/faultline/faultline/history"
	ellereport "github.com/faultline/faultline/report/elle"
)

// elleCheckModels lists the Elle models of `faultline check`: transactional
// isolation of list-append and rw-register histories. Both share the flags
// --consistency-models, --anomalies and --cycle-search-budget; the
// rw-register version-order inferences have flags of their own; --elle-dir
// writes the text account and a DOT and SVG drawing of every cycle.
func elleCheckModels() []CheckModel {
	return []CheckModel{
		{
			Name:    "list-append",
			Summary: "transactions of [:append k v] / [:r k [v ...]]: Elle's anomalies and the consistency models they rule out",
			Flags:   elleFlags(elle.ListAppend),
			Explain: explainElle,
		},
		{
			Name:    "rw-register",
			Summary: "transactions of [:w k v] / [:r k v]: Elle's anomalies, with version-order inference options",
			Flags:   elleFlags(elle.RWRegister),
			Explain: explainElle,
		},
	}
}

// registerElleFlags registers the Elle flags once, however many models ask.
func registerElleFlags(fs *pflag.FlagSet) {
	if fs.Lookup("consistency-models") != nil {
		return
	}
	fs.StringSlice("consistency-models", []string{"strict-serializable"}, "list-append, rw-register: models the history must satisfy ("+strings.Join(consistency.Models(), ", ")+")")
	fs.StringSlice("anomalies", nil, "list-append, rw-register: further anomalies that make a history invalid (e.g. G1b,lost-update,G2-item-realtime)")
	fs.Int64("cycle-search-budget", elle.DefaultCycleSearchBudget, "list-append, rw-register: edges a cycle search may visit per strongly connected component before it gives up (verdict unknown)")
	fs.String("elle-dir", "", "list-append, rw-register: write anomalies.txt and a .dot and .svg per cycle under DIR/elle")
	fs.Bool("initial-nil", true, "rw-register: every key starts as nil, before any write (Elle always assumes it)")
	fs.Bool("writes-follow-reads", false, "rw-register: a write follows the version its transaction read (Elle's :wfr-keys?)")
	fs.Bool("sequential-keys", false, "rw-register: each process sees each key's versions in order (Elle's :sequential-keys?)")
	fs.Bool("linearizable-keys", false, "rw-register: versions of a key follow real time (Elle's :linearizable-keys?)")
	fs.Bool("garbage-reads", false, "rw-register: a read of a value no transaction wrote is an anomaly, garbage-read, that every model forbids. Faultline's stricter check, for histories whose keys start empty; Elle, and this command without the flag, take such a value as a version after the initial nil")
}

// elleOptions reads the Elle flags back once they are parsed.
func elleOptions(fs *pflag.FlagSet) (elle.Options, string, error) {
	var o elle.Options
	var err error
	errs := func(e error) {
		if err == nil {
			err = e
		}
	}
	o.ConsistencyModels, _ = fs.GetStringSlice("consistency-models")
	o.Anomalies, _ = fs.GetStringSlice("anomalies")
	o.CycleSearchBudget, _ = fs.GetInt64("cycle-search-budget")
	o.InitialNil, _ = fs.GetBool("initial-nil")
	o.WritesFollowReads, _ = fs.GetBool("writes-follow-reads")
	o.SequentialKeys, _ = fs.GetBool("sequential-keys")
	o.LinearizableKeys, _ = fs.GetBool("linearizable-keys")
	o.GarbageReads, _ = fs.GetBool("garbage-reads")
	dir, _ := fs.GetString("elle-dir")
	for _, m := range o.ConsistencyModels {
		if _, e := consistency.Canonical(m); e != nil {
			errs(fmt.Errorf("--consistency-models: %v", e))
		}
	}
	for _, a := range o.Anomalies {
		if !consistency.KnownAnomaly(a) {
			errs(fmt.Errorf("--anomalies: unknown anomaly %q: expected e.g. G0, G1a, G1b, G1c, G-single-item, G2-item, internal, lost-update, or a cycle class with -process or -realtime", a))
		}
	}
	if o.CycleSearchBudget <= 0 {
		errs(fmt.Errorf("--cycle-search-budget: expected a positive number of edges, found %d", o.CycleSearchBudget))
	}
	return o, dir, err
}

func elleFlags(build func(elle.Options) checker.Checker) func(fs *pflag.FlagSet) func() (checker.Checker, error) {
	return func(fs *pflag.FlagSet) func() (checker.Checker, error) {
		registerElleFlags(fs)
		return func() (checker.Checker, error) {
			o, dir, err := elleOptions(fs)
			if err != nil {
				return nil, err
			}
			c := build(o)
			if dir == "" {
				return c, nil
			}
			return checker.Func(func(ctx context.Context, h *history.History) checker.Result {
				r := c.Check(ctx, h)
				if _, ok := r.Details.(*elle.Report); ok {
					if _, err := ellereport.WriteFiles(dir, r); err != nil {
						r.Error = fmt.Sprintf("writing %s: %v", dir, err)
					}
				}
				return r
			}), nil
		}
	}
}

// explainElle writes the plain-text account of an Elle result.
func explainElle(w io.Writer, r checker.Result) {
	if err := ellereport.Text(w, r); err != nil {
		fmt.Fprintln(w, err)
	}
}
