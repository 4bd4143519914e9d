package cli

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/codec"
	"github.com/faultline/faultline/internal/progress"
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
		model, format, output string
		verbose, explain      bool
		prog                  progressFlags
	)
	cmd := &cobra.Command{
		Use:   "check --model NAME [flags] FILE...",
		Short: "Check stored histories (Jepsen EDN, history.txt, jepsen.log, JSON) against a model",
		Long:  checkLong(models),
	}
	// The models register their flags on a set of their own, which then
	// moves onto the command with elle-cli's spellings (check_compat.go).
	fs := pflag.NewFlagSet("check", pflag.ContinueOnError)
	builders := make(map[string]func() (checker.Checker, error), len(models))
	for _, m := range models {
		builders[m.Name] = m.Flags(fs)
	}
	fs.StringVar(&model, "model", "", "the model to check against (required; see the list above)")
	fs.StringVar(&format, "format", "auto", "history format: auto, edn, jepsen-log or json")
	fs.StringVar(&output, "output", string(formVerdicts), "faultline (verdict lines, Faultline's exit codes), or elle-cli's text or json (elle-cli's exit codes)")
	fs.BoolVar(&verbose, "verbose", false, "the same as --output json (elle-cli's older spelling)")
	prog.register(fs)
	fs.BoolVar(&explain, "explain", false, "print the counterexample or anomalies of a history that is not valid")
	spellLikeElleCLI(fs, cmd.Flags())
	cmd.RunE = func(cmd *cobra.Command, files []string) error {
		m, err := findModel(models, model)
		if err != nil {
			return BadArgs("%v", err)
		}
		f := codec.Format(format)
		switch f {
		case codec.Auto, codec.EDN, codec.JepsenLog, codec.JSON:
		default:
			return BadArgs("--format %q: expected auto, edn, jepsen-log or json", format)
		}
		form, err := parseOutputForm(output, cmd.Flags().Changed("output"), verbose)
		if err != nil {
			return BadArgs("%v", err)
		}
		if explain && form == formJSON {
			return BadArgs("--explain prints text: with --output json the anomalies and counterexamples are in the JSON")
		}
		if err := checkFileArgs(files); err != nil {
			return BadArgs("%v", err)
		}
		chk, err := builders[m.Name]()
		if err != nil {
			return BadArgs("--model %s: %v", m.Name, err)
		}
		for _, w := range elleCLINoEffect(cmd.Flags()) {
			fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w)
		}
		var explainer func(io.Writer, checker.Result)
		if explain {
			explainer = m.Explain
		}
		var tally exitTally
		for _, file := range files {
			c := checkFile(cmd, chk, m, f, file, &prog)
			if err := form.print(cmd.OutOrStdout(), cmd.ErrOrStderr(), c, explainer); err != nil {
				return &ExitError{Code: ExitCrash, Err: fmt.Errorf("%s: writing the result: %w", file, err)}
			}
			tally.add(c)
		}
		if code := tally.code(form); code != ExitValid {
			return &ExitError{Code: code}
		}
		return nil
	}
	return cmd
}

// checkFileArgs refuses a command line without files, or with standard input
// named twice (the second read would find it empty).
func checkFileArgs(files []string) error {
	if len(files) == 0 {
		return fmt.Errorf("no history files given (- reads standard input)")
	}
	stdin := 0
	for _, f := range files {
		if f == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return fmt.Errorf("- (standard input) given %d times: it can be read once", stdin)
	}
	return nil
}

// checkFile reads and checks one file ("-" is standard input), printing the
// reader's warnings. A checker that streams checks a file as it is read
// (check_stream.go); one that cannot, and standard input, get the history
// whole. Progress shows on standard error while it takes long.
func checkFile(cmd *cobra.Command, chk checker.Checker, m *CheckModel, f codec.Format, file string, prog *progressFlags) checkedFile {
	c := checkedFile{Path: file, Model: m.Name}
	meter, stderr, stop := prog.start(cmd.ErrOrStderr(), file)
	defer stop()
	if s, ok := chk.(checker.Streamer); ok && file != "-" {
		if c, warnings, ok := streamFile(cmd.Context(), s, c, f, meter); ok {
			stop()
			printWarnings(cmd.ErrOrStderr(), warnings)
			return c
		}
	}
	meter.Restart()
	meter.Phase("read")
	h, warnings, err := readHistory(cmd.InOrStdin(), file, f, meter)
	printWarnings(stderr, warnings)
	if err != nil {
		c.Err = err
		return c
	}
	meter.Phase("check")
	meter.AddOps(int64(h.Len()))
	start := time.Now()
	c.Result = checker.Safe(checker.WithPhases(cmd.Context(), meter), chk, h)
	c.Elapsed = time.Since(start)
	c.Ops = h.Len()
	return c
}

func printWarnings(w io.Writer, warnings []codec.Warning) {
	for _, w1 := range warnings {
		fmt.Fprintln(w, "warning:", w1)
	}
}

// readHistory reads a history file, or standard input for "-", counting
// the bytes read on meter.
func readHistory(stdin io.Reader, file string, f codec.Format, meter *progress.Meter) (*history.History, []codec.Warning, error) {
	if file == "-" {
		return codec.Read(meter.Reader(stdin), "standard input", f)
	}
	in, err := os.Open(file)
	if err != nil {
		return nil, nil, err
	}
	defer in.Close()
	if st, err := in.Stat(); err == nil && st.Mode().IsRegular() {
		meter.SetSize(st.Size())
	}
	return codec.Read(meter.Reader(in), file, f)
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

// checkLong is the check command's help: what it prints, the models, how it
// stands in for elle-cli, and where Faultline deliberately judges otherwise
// than Elle and Knossos.
func checkLong(models []CheckModel) string {
	return `Check each history file against a model and print one verdict line per file
("-" reads standard input).
Exit status: 0 all valid, 1 any invalid, 2 any unknown, 254 bad arguments or
input that is not a history, 255 crash.

Models:
` + modelList(models) + `
elle-cli: check accepts elle-cli's command line (0.1.9, 0.1.10): its one-letter
options (-m -f -v -c -a -s -d -p -t -b -g -n -o), its long names
(--directory, --group-size, --allow-negative-balances, --total-amount,
--max-transfer, --cycle-search-timeout in milliseconds) and its model names,
also those it used before 0.1.8 (elle-list-append, knossos-cas-register,
jepsen-bank, ...).
--output text prints elle-cli's lines ("PATH \t true", a space on each side of
the tab, as elle-cli prints them) and --output json (or --verbose) one JSON
document per file: elle-cli's result map ("valid?", "anomaly-types",
"anomalies" by type, "not", "also-not", ...) plus "file", "model", "ops",
"summary", "error" and "failing-keys". Both exit as elle-cli does: 1 if any
history is invalid, else 0 (unknown too); input that is not a history still
exits 254 (elle-cli: 255). Where this differs from elle-cli: the cycle search
has no wall-clock limit unless -s gives one (elle-cli: 1000 ms), because the
deterministic --cycle-search-budget already bounds it and gives the same
verdict on every machine; cycles are drawn as SVG and DOT, so -p png draws
SVG and says so, and -t and -b change nothing; the comments model does not
exist here.

Where Faultline deliberately differs from Elle and Knossos:
` + checkDifferences
}

// checkDifferences lists the deliberate differences from Elle and Knossos
// in judging a history, with the flags that choose either reading.
const checkDifferences = `  nil reads: Knossos lets an ok read of nil match any state of a register
    (histories written for Knossos rely on it); Faultline reads nil as the
    value nil, so such a read of a written register is not linearizable.
    --nil-reads-match-any takes Knossos's reading (register, cas-register,
    multi-register, kv).
  garbage reads: an rw-register read of a value no transaction wrote is, by
    default, what Elle takes it for: a version after the initial nil,
    ordered against nothing else. --garbage-reads reports it as an anomaly,
    garbage-read, as Faultline's own suites do (their keys start empty).
`

func modelList(ms []CheckModel) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "  %-16s %s\n", m.Name, m.Summary)
	}
	return b.String()
}
