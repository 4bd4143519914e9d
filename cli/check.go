package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history/codec"
)

// CheckModel is one --model of `faultline check`: how to build its checker
// from flags, and how to explain a result that is not valid.
type CheckModel struct {
	Name    string
	Summary string
	// Flags registers the model's own options on the check command (names must
	// not collide with other models') and returns the function that builds
	// the checker once flags are parsed.
	Flags func(fs *pflag.FlagSet) (build func() (checker.Checker, error))
	// Explain writes a human-readable account of a result (the
	// counterexample, the anomalies). May be nil.
	Explain func(w io.Writer, r checker.Result)
}

// checkModels lists every model `faultline check` knows. Each family of
// checkers contributes its own list from its own file.
func checkModels() []CheckModel {
	var all []CheckModel
	all = append(all, linearCheckModels()...)
	all = append(all, elleCheckModels()...)
	all = append(all, classicCheckModels()...)
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return all
}

func checkCommand() *cobra.Command {
	models := checkModels()
	var (
		model   string
		format  string
		explain bool
	)
	cmd := &cobra.Command{
		Use:   "check --model NAME [flags] FILE...",
		Short: "Check stored histories (Jepsen EDN, history.txt, jepsen.log, JSON) against a model",
		Long:  "Check each history file against a model and print one verdict line per file.\nExit status: 0 all valid, 1 any invalid, 2 any unknown, 254 bad arguments or unreadable input.\n\nModels:\n" + modelList(models),
	}
	builders := make(map[string]func() (checker.Checker, error), len(models))
	for _, m := range models {
		builders[m.Name] = m.Flags(cmd.Flags())
	}
	cmd.Flags().StringVar(&model, "model", "", "the model to check against (see the list above)")
	cmd.Flags().StringVar(&format, "format", "auto", "history format: auto, edn, jepsen-log or json")
	cmd.Flags().BoolVar(&explain, "explain", false, "print the counterexample or anomalies of a history that is not valid")
	cmd.RunE = func(cmd *cobra.Command, files []string) error {
		var m *CheckModel
		for i := range models {
			if models[i].Name == model {
				m = &models[i]
			}
		}
		if m == nil {
			return BadArgs("--model %q: expected one of %s", model, modelNames(models))
		}
		f := codec.Format(format)
		switch f {
		case codec.Auto, codec.EDN, codec.JepsenLog, codec.JSON:
		default:
			return BadArgs("--format %q: expected auto, edn, jepsen-log or json", format)
		}
		if len(files) == 0 {
			return BadArgs("no history files given")
		}
		chk, err := builders[m.Name]()
		if err != nil {
			return BadArgs("--model %s: %v", m.Name, err)
		}
		code := ExitValid
		out := cmd.OutOrStdout()
		for _, file := range files {
			c := checkFile(cmd, chk, m, f, file, explain, out)
			code = WorstCode(code, c)
		}
		if code != ExitValid {
			return &ExitError{Code: code}
		}
		return nil
	}
	return cmd
}

// checkFile checks one file, prints its verdict line, and returns its exit code.
func checkFile(cmd *cobra.Command, chk checker.Checker, m *CheckModel, f codec.Format, file string, explain bool, out io.Writer) int {
	h, warnings, err := codec.ReadFile(file, f)
	for _, w := range warnings {
		fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w)
	}
	if err != nil {
		fmt.Fprintf(out, "%s: unreadable: %v\n", file, err)
		return ExitBadArgs
	}
	start := time.Now()
	r := checker.Safe(cmd.Context(), chk, h)
	elapsed := time.Since(start)
	verdict := map[checker.Validity]string{checker.Valid: "valid", checker.Invalid: "INVALID", checker.Unknown: "unknown"}[r.Valid]
	line := fmt.Sprintf("%s: %s (%s, %d ops, %s)", file, verdict, m.Name, h.Len(), elapsed.Round(time.Millisecond))
	if r.Summary != "" {
		line += ": " + r.Summary
	}
	if r.Error != "" {
		line += ": " + firstLine(r.Error)
	}
	fmt.Fprintln(out, line)
	if explain && r.Valid != checker.Valid && m.Explain != nil {
		m.Explain(out, r)
	}
	return VerdictCode(r.Valid)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func modelNames(ms []CheckModel) string {
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.Name
	}
	return strings.Join(names, ", ")
}

func modelList(ms []CheckModel) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "  %-16s %s\n", m.Name, m.Summary)
	}
	return b.String()
}
