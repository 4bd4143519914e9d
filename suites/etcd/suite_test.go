package etcd_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline/faultline/cli"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/suite"
	"github.com/faultline/faultline/suites/etcd"
)

// etcdFaults is what the suite says it takes, in the words of its errors
// and help.
const etcdFaults = "partition, partition-leader, kill, pause, packet, clock"

func TestTheSuiteIsConsistent(t *testing.T) {
	s := etcd.Suite()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := s.FaultNames(); got != etcdFaults {
		t.Fatalf("etcd takes %s, want %s", got, etcdFaults)
	}
}

// Faults etcd cannot take (no data files named for corruption, no
// membership changes, no lazyfs under its data) are refused at argument
// parsing, with etcd's faults in the message, before any cluster is looked
// for; --nemesis lists them in help.
func TestFaultsEtcdCannotTakeAreBadArguments(t *testing.T) {
	s := etcd.Suite()
	s.Local = func(context.Context, suite.Options) (suite.Cluster, error) {
		t.Fatal("a cluster was looked for")
		return suite.Cluster{}, nil
	}
	for _, fault := range []string{"file", "membership", "lose-unfsynced-writes"} {
		for _, cmd := range []string{"test", "test-all"} {
			var out, errs bytes.Buffer
			code := cli.Execute(cli.SuiteCommand(s), []string{cmd, "--workload", "register", "--nemesis", "kill," + fault, "--store", t.TempDir()}, &out, &errs)
			want := "--nemesis " + fault + ": etcd cannot take this fault; it takes " + etcdFaults
			if code != cli.ExitBadArgs || !strings.Contains(errs.String(), want) {
				t.Errorf("%s --nemesis kill,%s: exit %d, stderr %q; want 254 and %q", cmd, fault, code, errs.String(), want)
			}
		}
	}
	var out, errs bytes.Buffer
	cli.Execute(cli.SuiteCommand(s), []string{"test", "--help"}, &out, &errs)
	for _, want := range []string{"faults to inject, comma-separated: " + etcdFaults, "nodes kill, pause, packet, clock faults hit"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("test --help lacks %q:\n%s", want, out.String())
		}
	}
}

// --nemesis-targets n2 --nemesis kill kills etcd on n2 and nowhere else:
// every kill names n2 alone, and in the etcd logs collected from the nodes,
// n2's etcd started once per kill more than the others', which started
// once. (A start names every node, as Jepsen's does: it starts etcd
// wherever it is not running.)
func TestNemesisTargetsAimKillsAtTheNamedNode(t *testing.T) {
	code, out, l := run(t, "test", "--workload", "register", "--nemesis", "kill", "--nemesis-targets", "n2",
		"--nemesis-interval", "1.5", "--time-limit", "10", "--concurrency", "2n", "--seed", "2")
	if code != cli.ExitValid {
		t.Fatalf("exit %d, expected valid: %s", code, out)
	}
	kills := 0
	for _, op := range l.History.Nemesis().All() {
		if op.Type != history.Info || op.F != "kill" {
			continue
		}
		kills++
		if got := history.FormatEDN(op.Value); got != `{:nodes ["n2"]}` || op.Error != nil {
			t.Errorf("kill completed with %s (error %v), want it aimed at n2 alone", got, op.Error)
		}
	}
	if kills < 2 {
		t.Fatalf("%d kills in 10 s at a 1.5 s interval, expected at least 2", kills)
	}
	for _, n := range []string{"n1", "n2", "n3", "n4", "n5"} {
		b, err := os.ReadFile(filepath.Join(l.Dir, n, "etcd.log"))
		if err != nil {
			t.Fatal(err)
		}
		starts, want := strings.Count(string(b), etcdStarted), 1
		if n == "n2" {
			want += kills
		}
		if starts != want {
			t.Errorf("%s's etcd started %d times, want %d (%d kills on n2)", n, starts, want, kills)
		}
	}
}

// etcdStarted is what etcd logs once each time it starts.
const etcdStarted = `"msg":"starting an etcd server"`
