package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/elle"
	"github.com/faultline/faultline/checker/elle/consistency"
	"github.com/faultline/faultline/internal/plural"
)

// checkedFile is what `faultline check` learned about one file: a verdict,
// or why the file is not a history (Err, and no Result).
type checkedFile struct {
	Path    string
	Model   string
	Ops     int
	Elapsed time.Duration
	Result  checker.Result
	Err     error
}

// outputForm is how `faultline check` prints verdicts and which exit codes
// it uses: Faultline's own verdict lines and exit codes, or elle-cli's text
// or JSON and elle-cli's exit codes.
type outputForm string

const (
	// formVerdicts: one line per file, "PATH: valid (MODEL, N ops, TIME):
	// SUMMARY"; exit 0 valid, 1 invalid, 2 unknown, 254 unreadable input.
	formVerdicts outputForm = "faultline"
	// formText: elle-cli's text, "PATH \t true|false|unknown" (elle-cli
	// prints the path, a tab and the verdict as three words, so a space
	// stands on each side of the tab); exit as elle-cli: 1 if any history is
	// invalid, else 0 (unknown is 0).
	formText outputForm = "text"
	// formJSON: elle-cli's JSON, one indented document per file, with
	// elle-cli's exit codes.
	formJSON outputForm = "json"
)

// parseOutputForm reads --output (and --verbose, elle-cli's older way of
// asking for JSON).
func parseOutputForm(output string, outputSet, verbose bool) (outputForm, error) {
	f := outputForm(output)
	switch f {
	case formVerdicts, formText, formJSON:
	default:
		return "", fmt.Errorf("--output %q: expected faultline, text or json", output)
	}
	if verbose {
		if outputSet && f != formJSON {
			return "", fmt.Errorf("--verbose means --output json, but --output %s was given too", output)
		}
		f = formJSON
	}
	return f, nil
}

// print writes one file's outcome; explain, when set, follows a verdict that
// is not valid with its explanation (not in JSON, which carries it).
func (f outputForm) print(out, errOut io.Writer, c checkedFile, explain func(io.Writer, checker.Result)) error {
	switch f {
	case formJSON:
		return writeJSONDocument(out, c)
	case formText:
		if c.Err != nil {
			fmt.Fprintf(errOut, "faultline: %s: unreadable: %v\n", c.Path, c.Err)
			return nil
		}
		fmt.Fprintf(out, "%s \t %s\n", c.Path, c.Result.Valid)
	default:
		if c.Err != nil {
			fmt.Fprintf(out, "%s: unreadable: %v\n", c.Path, c.Err)
			return nil
		}
		fmt.Fprintln(out, verdictLine(c))
	}
	if explain != nil && (c.Result.Valid != checker.Valid || unclaimed(c.Result)) {
		explain(out, c.Result)
	}
	return nil
}

// unclaimed reports whether a valid result leaves something its verdict
// does not cover (an Elle report's not-checked list), which --explain then
// says, with the reasons.
func unclaimed(r checker.Result) bool {
	u, ok := r.Details.(interface{ Unclaimed() []string })
	return ok && len(u.Unclaimed()) > 0
}

// verdictLine is Faultline's line for one verdict.
func verdictLine(c checkedFile) string {
	r := c.Result
	verdict := map[checker.Validity]string{checker.Valid: "valid", checker.Invalid: "INVALID", checker.Unknown: "unknown"}[r.Valid]
	line := fmt.Sprintf("%s: %s (%s, %s, %s)", c.Path, verdict, c.Model, plural.Count(c.Ops, "op"), c.Elapsed.Round(time.Millisecond))
	var why []string
	for _, part := range []string{r.Summary, firstLine(r.Error), gaveUp(r)} {
		if part != "" {
			why = append(why, part)
		}
	}
	if len(why) > 0 {
		line += ": " + strings.Join(why, "; ")
	}
	return line
}

// gaveUp says why a search stopped before it could decide, when the result's
// summary does not say so already: an unknown verdict must say that it is a
// budget, not the history, that ended the check. (Linearizability says so in
// its error, which the verdict line shows.)
func gaveUp(r checker.Result) string {
	rep, ok := r.Details.(*elle.Report)
	if !ok || strings.Contains(r.Summary, consistency.CycleSearchTimeout) {
		return ""
	}
	var first string
	n := 0
	for _, an := range rep.Anomalies {
		if an.Type == consistency.CycleSearchTimeout {
			if n == 0 && len(an.Explanation) > 0 {
				first = an.Explanation[0]
			}
			n++
		}
	}
	n += rep.Omitted[consistency.CycleSearchTimeout]
	switch {
	case n == 0:
		return ""
	case n == 1:
		return fmt.Sprintf("%s: %s", consistency.CycleSearchTimeout, first)
	}
	return fmt.Sprintf("%s in %d searches; first: %s", consistency.CycleSearchTimeout, n, first)
}

// exitTally folds the files' outcomes into the command's exit code.
type exitTally struct {
	worst               int // Faultline's code so far
	invalid, unreadable bool
}

func (t *exitTally) add(c checkedFile) {
	code := ExitBadArgs
	if c.Err == nil {
		code = VerdictCode(c.Result.Valid)
	}
	t.worst = WorstCode(t.worst, code)
	t.invalid = t.invalid || (c.Err == nil && c.Result.Valid == checker.Invalid)
	t.unreadable = t.unreadable || c.Err != nil
}

// code is the exit code in form f. elle-cli's forms exit as elle-cli does on
// verdicts (1 if any history is invalid, else 0, unknown included); input
// that is not a history keeps Faultline's 254 (elle-cli exits 255 there, with
// a stack trace, on the first such file: both say "not a verdict").
func (t *exitTally) code(f outputForm) int {
	if f == formVerdicts {
		return t.worst
	}
	switch {
	case t.unreadable:
		return ExitBadArgs
	case t.invalid:
		return ExitInvalid
	}
	return ExitValid
}
