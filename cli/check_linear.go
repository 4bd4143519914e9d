package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/linear"
	"github.com/faultline/faultline/checker/linear/model"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/edn"
	"github.com/faultline/faultline/report"
	"github.com/faultline/faultline/report/linearizability"
)

// linearSummaries describes each linearizability model for `check --help`.
var linearSummaries = map[string]string{
	"register":        "linearizable read/write register (--initial, nil by default; --nil-reads-match-any)",
	"cas-register":    "linearizable register with cas [old new] (--initial, nil by default; --nil-reads-match-any)",
	"mutex":           "linearizable lock: acquire/release, no double grant",
	"set":             "linearizable grow-only set: add x, read the whole set",
	"unordered-queue": "linearizable queue, any delivery order: enqueue/dequeue, no loss or duplicate",
	"fifo-queue":      "linearizable FIFO queue: enqueue/dequeue in order",
	"multi-register":  "linearizable registers read and written by txns of [r k v]/[w k v] (--initial {k v ...})",
	"kv":              "linearizable map of cas-registers, values [key value]; keys checked in parallel",
}

// cliName is the model's name on the command line: the linearizable set is
// linear-set, since set names the classic set checker.
func cliName(name string) string {
	if name == "set" {
		return "linear-set"
	}
	return name
}

// linearCheckModels lists the linearizability models of `faultline check`.
// They share their flags: --initial (an EDN value, the registers' initial
// value), --nil-reads-match-any (Knossos's reading of nil reads),
// --linear-timeline (an HTML file for the counterexample) and the search's
// budget, --linear-timeout and --linear-max-memory.
func linearCheckModels() []CheckModel {
	var out []CheckModel
	for _, name := range model.Names {
		out = append(out, CheckModel{
			Name:    cliName(name),
			Summary: linearSummaries[name],
			Flags:   linearFlags(name),
			Explain: explainLinear,
		})
	}
	return out
}

func linearFlags(name string) func(fs *pflag.FlagSet) func() (checker.Checker, error) {
	return func(fs *pflag.FlagSet) func() (checker.Checker, error) {
		if fs.Lookup("initial") == nil {
			fs.String("initial", "nil", "register, cas-register, kv: the registers' initial value, in EDN; multi-register: a map {k v ...} gives each register its own (registers it leaves out start nil), any other value is every register's")
			fs.Bool("nil-reads-match-any", false, "register, cas-register, multi-register, kv: a read that returned nil matches any state, as Knossos reads it (histories written for Knossos rely on it). Without it, as by default, nil is the value of an unset register, so a nil read after a write is not linearizable")
			fs.String("linear-timeline", "", "linearizability models: write the counterexample of an invalid history as an HTML timeline to FILE")
			fs.Duration("linear-timeout", 0, "linearizability models: give up on a history after this long (verdict unknown); 0 means no limit")
			fs.Int64("linear-max-memory", 2<<30, "linearizability models: bytes the searches may use before giving up (verdict unknown)")
		}
		return func() (checker.Checker, error) {
			text, _ := fs.GetString("initial")
			initial, err := edn.Parse([]byte(text), "--initial")
			if err != nil {
				return nil, err
			}
			nilAny, _ := fs.GetBool("nil-reads-match-any")
			m, err := model.ByName(name, model.Options{Initial: initial, NilReadsMatchAny: nilAny})
			if err != nil {
				return nil, err
			}
			timeout, _ := fs.GetDuration("linear-timeout")
			maxMem, _ := fs.GetInt64("linear-max-memory")
			c := linear.New(m, linear.Options{Timeout: timeout, MaxMemory: maxMem})
			path, _ := fs.GetString("linear-timeline")
			if path == "" {
				return c, nil
			}
			return timelineWriter{c, path}, nil
		}
	}
}

// timelineWriter checks with c and writes the counterexample of an invalid
// verdict to path as an HTML timeline (a failure to write it becomes the
// result's Error; the verdict stands).
type timelineWriter struct {
	checker.Checker
	path string
}

func (t timelineWriter) Check(ctx context.Context, h *history.History) checker.Result {
	r := t.Checker.Check(ctx, h)
	for _, d := range report.Drawings(r) {
		if d.Name != report.LinearTimeline {
			continue
		}
		f, err := os.Create(t.path)
		if err == nil {
			err = d.Write(f)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			r.Error = fmt.Sprintf("writing the timeline: %v", err)
		}
	}
	return r
}

// explainLinear prints the counterexample; for a search that gave up (the
// verdict line says why), what to give it; otherwise the error.
func explainLinear(w io.Writer, r checker.Result) {
	d, _ := r.Details.(*linear.Details)
	switch {
	case d != nil && d.Counterexample != nil:
		_ = linearizability.WriteText(w, d.Counterexample)
	case r.Error != "":
		fmt.Fprintln(w, r.Error)
	case r.Valid == checker.Unknown:
		fmt.Fprintln(w, "The search gave up before it could decide: allow it more time (--linear-timeout) or memory (--linear-max-memory).")
	}
}
