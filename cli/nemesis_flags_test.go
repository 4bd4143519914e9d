package cli

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/faultline/faultline/nemesis/combined"
	"github.com/faultline/faultline/nemesis/target"
	"github.com/faultline/faultline/runner"
	"github.com/faultline/faultline/suite"
)

// nemesisOptions parses args with the run flags of a suite, the way test
// does, and returns the Options a workload would get.
func nemesisOptions(t *testing.T, s suite.Suite, args ...string) (suite.Options, error) {
	t.Helper()
	var f runFlags
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	f.bind(fs, s)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return f.options(fs)
}

func TestNemesisFlagsBecomeOptions(t *testing.T) {
	o, err := nemesisOptions(t, suite.Suite{}, "--nemesis", "partition,kill", "--nemesis-interval", "2.5", "--nemesis-targets", "one,n1+n2", "--seed", "4")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o.Nemesis, []string{"partition", "kill"}) || o.NemesisInterval != 2500*time.Millisecond {
		t.Fatalf("--nemesis partition,kill --nemesis-interval 2.5 read as %v every %v", o.Nemesis, o.NemesisInterval)
	}
	want := []target.Spec{target.MustParse("one"), target.MustParse("n1+n2")}
	if len(o.NemesisTargets) != 2 || o.NemesisTargets[0].String() != want[0].String() || o.NemesisTargets[1].String() != want[1].String() {
		t.Fatalf("--nemesis-targets one,n1+n2 read as %v", o.NemesisTargets)
	}
	if o.Flags[flagNemesisTargets] != "one,n1+n2" {
		t.Fatalf("--nemesis-targets recorded as %q", o.Flags[flagNemesisTargets])
	}
	none, err := nemesisOptions(t, suite.Suite{})
	if err != nil || len(none.Nemesis) != 0 || none.NemesisInterval != 10*time.Second || none.NemesisTargets != nil {
		t.Fatalf("no fault flags: %v every %v at %v, %v; want none, every 10 s, default targets", none.Nemesis, none.NemesisInterval, none.NemesisTargets, err)
	}
}

func TestNemesisFlagsSayWhatIsWrong(t *testing.T) {
	for args, want := range map[string]string{
		"--nemesis partition --nemesis-interval soon": `--nemesis-interval "soon": expected a positive number of seconds`,
		"--nemesis partition --nemesis-interval 0":    `--nemesis-interval "0"`,
		"--nemesis kill --nemesis-targets one,,all":   "--nemesis-targets: target 2 of",
	} {
		_, err := nemesisOptions(t, suite.Suite{}, strings.Fields(args)...)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v; want %q", args, err, want)
		}
	}
}

// The help of --nemesis lists the suite's faults, and --nemesis-targets
// names those of them that target nodes.
func TestNemesisHelpListsTheSuitesFaults(t *testing.T) {
	s := suite.Suite{Name: "toy", Faults: []string{combined.Partition, "partition-leader", combined.Kill, combined.Clock}}
	for _, sub := range []string{"test", "test-all"} {
		cmd, _, err := SuiteCommand(s).Find([]string{sub})
		if err != nil {
			t.Fatal(err)
		}
		if got := cmd.Flags().Lookup(flagNemesis).Usage; !strings.HasSuffix(got, ": partition, partition-leader, kill, clock") {
			t.Errorf("%s --nemesis help %q does not list the suite's faults", sub, got)
		}
		if got := cmd.Flags().Lookup(flagNemesisTargets).Usage; !strings.HasPrefix(got, "nodes kill, clock faults hit") {
			t.Errorf("%s --nemesis-targets help %q does not name the targeted faults", sub, got)
		}
	}
}

// A fault the suite does not list is refused at argument parsing (exit
// 254, the suite's faults in the message), before any cluster is looked
// for; so is a test-all matrix with one.
func TestAFaultTheSuiteCannotTakeIsABadArgument(t *testing.T) {
	looked := false
	s := suite.Suite{
		Name:   "toy",
		Faults: []string{combined.Partition, combined.Kill},
		Workloads: []suite.Workload{{Name: "w", Test: func(suite.Options) (*runner.Test, error) {
			t.Fatal("the workload was built")
			return nil, nil
		}}},
		Local: func(context.Context, suite.Options) (suite.Cluster, error) {
			looked = true
			return suite.Cluster{Nodes: []string{"n1"}}, nil
		},
	}
	for _, args := range [][]string{
		{"test", "--nemesis", "kill,file"},
		{"test-all", "--nemesis", "file"},
		{"test-all", "--workload", "w", "--nemesis", "partition,file"},
	} {
		var out, errs bytes.Buffer
		code := Execute(SuiteCommand(s), append(args, "--store", t.TempDir()), &out, &errs)
		want := "--nemesis file: toy cannot take this fault; it takes partition, kill"
		if code != ExitBadArgs || !strings.Contains(errs.String(), want) {
			t.Errorf("%v: exit %d, stderr %q; want 254 and %q", args, code, errs.String(), want)
		}
	}
	if looked {
		t.Error("the cluster was looked for before the fault was refused")
	}
}
