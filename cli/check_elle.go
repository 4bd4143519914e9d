package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/elle"
	"github.com/faultline/faultline/checker/elle/consistency"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/report"
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
// --cycle-search-timeout, --plot-format, --plot-timeout and --max-plot-bytes
// are elle-cli's (their short forms come from check_compat.go).
func registerElleFlags(fs *pflag.FlagSet) {
	if fs.Lookup("consistency-models") != nil {
		return
	}
	fs.StringSlice("consistency-models", []string{"strict-serializable"}, "list-append, rw-register: models the history must satisfy ("+strings.Join(consistency.Models(), ", ")+"); none (or '') for no model: then only --anomalies count")
	fs.StringSlice("anomalies", []string{"G0"}, "list-append, rw-register: further anomalies that make a history invalid (e.g. G1b,lost-update,G2-item-realtime); every model forbids G0 already")
	fs.Int64("cycle-search-budget", elle.DefaultCycleSearchBudget, "list-append, rw-register: edges a cycle search may visit per strongly connected component before it gives up (verdict unknown); the same on every machine")
	fs.Int("cycle-search-timeout", 0, "list-append, rw-register: milliseconds a cycle search may take per strongly connected component before it gives up (verdict unknown); 0: no limit (elle-cli's default is 1000)")
	fs.String("elle-dir", "", "list-append, rw-register: write anomalies.txt and a .dot and .svg per cycle under DIR/elle")
	fs.String("plot-format", "svg", "list-append, rw-register: elle-cli's svg or png; cycles are drawn as SVG (and DOT) either way")
	fs.Int("plot-timeout", 5000, "elle-cli's limit on drawing a cycle, in milliseconds: accepted, no effect (cycles are drawn here, without Graphviz)")
	fs.Int("max-plot-bytes", 65536, "elle-cli's limit on the DOT of a drawn cycle: accepted, no effect (every listed cycle is drawn)")
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
	timeout, _ := fs.GetInt("cycle-search-timeout")
	o.CycleSearchTimeout = time.Duration(timeout) * time.Millisecond
	o.InitialNil, _ = fs.GetBool("initial-nil")
	o.WritesFollowReads, _ = fs.GetBool("writes-follow-reads")
	o.SequentialKeys, _ = fs.GetBool("sequential-keys")
	o.LinearizableKeys, _ = fs.GetBool("linearizable-keys")
	o.GarbageReads, _ = fs.GetBool("garbage-reads")
	dir, _ := fs.GetString("elle-dir")
	// An empty list (-c '') or none asks for no model, as Elle's
	// :consistency-models nil: then only the anomalies named count, and
	// naming none at all would make every history valid.
	req, e := consistency.Require(o.ConsistencyModels, o.Anomalies)
	switch {
	case e != nil:
		errs(fmt.Errorf("--consistency-models/--anomalies: %v", e))
	case len(req.Models) == 0 && len(req.Forbidden) == 0:
		errs(fmt.Errorf("--consistency-models %s and no --anomalies: nothing would make a history invalid; name the anomalies to look for (e.g. -a G0,G1c)", consistency.None))
	case len(req.Models) == 0 && onlyUnobservable(req):
		errs(fmt.Errorf("--consistency-models %s and only anomalies these histories cannot show (%s): nothing would make a history invalid; name anomalies a list-append or rw-register history can show (e.g. -a G0,G1c)", consistency.None, strings.Join(o.Anomalies, ", ")))
	}
	if o.CycleSearchBudget <= 0 {
		errs(fmt.Errorf("--cycle-search-budget: expected a positive number of edges, found %d", o.CycleSearchBudget))
	}
	if timeout < 0 {
		errs(fmt.Errorf("--cycle-search-timeout: expected milliseconds, 0 for no limit, found %d", timeout))
	}
	if plot, _ := fs.GetString("plot-format"); plot != "svg" && plot != "png" {
		errs(fmt.Errorf("--plot-format %q: expected svg or png", plot))
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
				if _, err := report.WriteVerdict(dir, r); err != nil {
					r.Error = fmt.Sprintf("writing %s: %v", dir, err)
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

// onlyUnobservable reports whether every anomaly a requirement forbids is
// one these histories cannot show (predicate-read-miss, say).
func onlyUnobservable(req *consistency.Requirement) bool {
	for a := range req.Forbidden {
		if seen, _, _ := consistency.How(a); seen != consistency.Unobservable {
			return false
		}
	}
	return true
}
