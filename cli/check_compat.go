package cli

import (
	"fmt"

	"github.com/spf13/pflag"
)

// elle-cli (github.com/ligurio/elle-cli, 0.1.9 and 0.1.10) is the command
// line people use today to run Elle, Knossos and Jepsen's checkers on stored
// histories. `faultline check` accepts its command line, so a script written
// for it keeps working: its one-letter options, its long names where ours
// differ, its model names, and its output forms (check_output.go).

// elleCLIFlag is one elle-cli option: Name is elle-cli's long name, Short its
// one-letter form, Ours the flags of ours that mean the same, for when no flag
// is registered under elle-cli's name.
type elleCLIFlag struct {
	Name, Short string
	Ours        []string
}

// elleCLIFlags lists elle-cli's options with a short form or a long name of
// their own. (--max-transfer has neither: the bank model registers it under
// elle-cli's name. -h/--help is cobra's.)
var elleCLIFlags = []elleCLIFlag{
	{Name: "model", Short: "m"},
	{Name: "format", Short: "f"},
	{Name: "output", Short: "v"},
	{Name: "consistency-models", Short: "c"},
	{Name: "anomalies", Short: "a"},
	{Name: "cycle-search-timeout", Short: "s"},
	{Name: "directory", Short: "d", Ours: []string{"elle-dir"}},
	{Name: "plot-format", Short: "p"},
	{Name: "plot-timeout", Short: "t"},
	{Name: "max-plot-bytes", Short: "b"},
	{Name: "group-size", Short: "g", Ours: []string{"long-fork-group-size"}},
	{Name: "allow-negative-balances", Short: "n", Ours: []string{"bank-negative-ok"}},
	{Name: "total-amount", Short: "o", Ours: []string{"bank-total"}},
}

// spellLikeElleCLI moves every flag the models registered in from into to,
// giving each elle-cli option its short form and, where our flag has another
// name, elle-cli's name as an alias (a normalization, so setting either
// marks the same flag changed). An option with no flag to stand for, or a
// letter already taken, is left out: the check command's tests find it.
func spellLikeElleCLI(from, to *pflag.FlagSet) {
	aliases := map[string]string{}
	for _, e := range elleCLIFlags {
		f := from.Lookup(e.Name)
		for _, name := range e.Ours {
			if f != nil {
				break
			}
			if f = from.Lookup(name); f != nil {
				aliases[e.Name] = f.Name
				f.Usage += fmt.Sprintf(" (elle-cli: --%s)", e.Name)
			}
		}
		if f != nil && f.Shorthand == "" && from.ShorthandLookup(e.Short) == nil {
			f.Shorthand = e.Short
		}
	}
	inner := from.GetNormalizeFunc()
	to.SetNormalizeFunc(func(fs *pflag.FlagSet, name string) pflag.NormalizedName {
		if ours, ok := aliases[name]; ok {
			name = ours
		}
		return inner(fs, name)
	})
	from.VisitAll(func(f *pflag.Flag) {
		if f.Shorthand != "" && to.ShorthandLookup(f.Shorthand) != nil {
			f.Shorthand = ""
		}
		to.AddFlag(f)
	})
}

// elleCLIModelAliases maps the model names elle-cli used before 0.1.8 (with
// the name of the library in front) onto ours: the checkers are the same.
// The names without a prefix (cas-register, mutex, list-append, ...) are
// ours already.
var elleCLIModelAliases = map[string]string{
	"elle-list-append":     "list-append",
	"elle-rw-register":     "rw-register",
	"knossos-register":     "register",
	"knossos-cas-register": "cas-register",
	"knossos-mutex":        "mutex",
	"jepsen-bank":          "bank",
	"jepsen-counter":       "counter",
	"jepsen-long-fork":     "long-fork",
	"jepsen-set":           "set",
	"jepsen-set-full":      "set-full",
}

// elleCLIModelsRefused names elle-cli's models that Faultline has no
// equivalent of, and says why, so that a script written for elle-cli fails
// with a reason instead of a list of names.
var elleCLIModelsRefused = map[string]string{
	"comments": "elle-cli's experimental comments checker (CockroachDB's comments test: realtime visibility of inserts over several tables) has no equivalent in Faultline",
}

// findModel resolves a --model name, elle-cli's names included.
func findModel(models []CheckModel, name string) (*CheckModel, error) {
	if name == "" {
		return nil, fmt.Errorf("--model is required: one of %s", modelNames(models))
	}
	if ours, ok := elleCLIModelAliases[name]; ok {
		name = ours
	}
	for i := range models {
		if models[i].Name == name {
			return &models[i], nil
		}
	}
	if why, ok := elleCLIModelsRefused[name]; ok {
		return nil, fmt.Errorf("--model %s: %s", name, why)
	}
	return nil, fmt.Errorf("--model %q: unknown; expected one of %s", name, modelNames(models))
}

// elleCLINoEffect says which of elle-cli's drawing options were given that
// change nothing here, so that nobody waits for a file that will not come.
func elleCLINoEffect(fs *pflag.FlagSet) []string {
	var out []string
	if v, err := fs.GetString("plot-format"); err == nil && v == "png" {
		out = append(out, "--plot-format png: Faultline draws cycles as SVG and DOT; no PNG is written")
	}
	for _, name := range []string{"plot-timeout", "max-plot-bytes"} {
		if fs.Changed(name) {
			out = append(out, fmt.Sprintf("--%s: elle-cli's option has no effect here: every listed cycle is drawn, without Graphviz", name))
		}
	}
	return out
}
