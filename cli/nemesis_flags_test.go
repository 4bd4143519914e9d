package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// nemesisOptions parses args with the run flags of a suite, the way test
// does, and returns the Options a workload would get.
func nemesisOptions(t *testing.T, s Suite, args ...string) Options {
	t.Helper()
	var f runFlags
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	f.bind(fs, s)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	o, err := f.options(fs)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestNemesisFlagsBuildThePackage(t *testing.T) {
	o := nemesisOptions(t, Suite{}, "--nemesis", "partition,kill", "--nemesis-interval", "2.5", "--nemesis-targets", "one,n1+n2", "--seed", "4")
	p, err := NemesisPackage(o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(p.Nemesis.Fs(), ","); got != "kill,start,start-partition,stop-partition" {
		t.Fatalf("--nemesis partition,kill gave a nemesis for %s", got)
	}
	if p.Generator == nil || p.Final == nil || len(p.Faults) != 2 {
		t.Fatalf("package %+v lacks a schedule, a final generator or bands", p)
	}
	if d, _ := parseInterval(o.Flags[flagNemesisInterval]); d != 2500*time.Millisecond {
		t.Fatalf("--nemesis-interval 2.5 read as %v", d)
	}
	none, err := NemesisPackage(nemesisOptions(t, Suite{}), nil)
	if err != nil || none.Generator != nil {
		t.Fatalf("no --nemesis: %+v, %v", none, err)
	}
}

func TestNemesisFlagsSayWhatIsWrong(t *testing.T) {
	for args, want := range map[string]string{
		"--nemesis partition --nemesis-interval soon": `--nemesis-interval "soon": expected a positive number of seconds`,
		"--nemesis partition --nemesis-interval 0":    `--nemesis-interval "0"`,
		"--nemesis kill --nemesis-targets one,,all":   "--nemesis-targets: target 2 of",
		"--nemesis partition,volcano":                 `--nemesis: unknown fault "volcano"`,
	} {
		_, err := NemesisPackage(nemesisOptions(t, Suite{}, strings.Fields(args)...), nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v; want %q", args, err, want)
		}
	}
}

func TestSuiteMayKeepItsOwnNemesisInterval(t *testing.T) {
	s := Suite{Flags: func(fs *pflag.FlagSet) { fs.String(flagNemesisInterval, "5", "the suite's own") }}
	o := nemesisOptions(t, s, "--nemesis-interval", "7")
	if o.Flags[flagNemesisInterval] != "7" {
		t.Fatalf("suite's --nemesis-interval read as %q", o.Flags[flagNemesisInterval])
	}
	cmd := SuiteCommand(Suite{Name: "x"})
	test, _, err := cmd.Find([]string{"test"})
	if err != nil || test.Flags().Lookup(flagNemesisTargets) == nil {
		t.Fatalf("the test command has no --%s (%v)", flagNemesisTargets, err)
	}
}
