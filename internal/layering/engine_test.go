package layering

import (
	"slices"
	"strings"
	"testing"
)

// graphOf builds a graph from "a -> b c" lines: the few standard packages
// the tests use (os/exec, net, ...) as written, every other path relative
// to the module. The packages on the left are the module's.
func graphOf(lines ...string) (Graph, []string) {
	full := func(p string) string {
		for _, std := range []string{"os/exec", "net", "net/http", "crypto/tls", "fmt"} {
			if p == std {
				return p
			}
		}
		return module + "/" + p
	}
	g := Graph{}
	var ours []string
	for _, l := range lines {
		from, to, _ := strings.Cut(l, "->")
		f := full(strings.TrimSpace(from))
		if !slices.Contains(ours, f) && strings.HasPrefix(f, module) {
			ours = append(ours, f)
		}
		for _, imp := range strings.Fields(to) {
			g[f] = append(g[f], full(imp))
		}
	}
	return g, ours
}

// clean is the shape the module has: it must pass.
var clean = []string{
	"history -> fmt",
	"generator -> history",
	"checker -> history",
	"checker/bank -> checker history",
	"workload/register -> checker/bank generator",
	"nemesis/grudge -> fmt",
	"faultband -> history",
	"report -> faultband history",
	"report/elle -> checker",
	"nemesis/clock/offsets -> checker faultband",
	"control -> fmt",
	"control/ssh -> control net crypto/tls",
	"nemesis -> control history",
	"nemesis/combined -> nemesis nemesis/grudge faultband generator",
	"runner -> nemesis control report runstore",
	"runstore -> history",
	"crypto/tls -> net",
	"suite -> runner nemesis/combined control/ssh",
	"cli -> runner suite",
	"suites/etcd -> suite nemesis/combined control/ssh",
	"cmd/faultline -> cli suites/etcd",
}

func TestRulesPassTheModulesShape(t *testing.T) {
	g, ours := graphOf(clean...)
	for _, b := range Check(g, ours, rules) {
		t.Error(b.Format(rel))
	}
}

// Each breach fails, naming the package that imports the forbidden one
// directly and how the rule's packages reach it.
func TestRulesCatchEachBreach(t *testing.T) {
	for _, c := range []struct {
		name  string
		add   []string
		wants []string // one per breach, in order
	}{
		{"a workload runs a program",
			[]string{"workload/register -> os/exec"},
			[]string{"workload/register imports os/exec: the pure zone (histories, generators, checkers, workloads, fault data) runs no programs\n\treached from workload/register: workload/register -> os/exec"}},
		{"grudges run a program, and a workload imports them",
			[]string{"nemesis/grudge -> os/exec", "workload/register -> nemesis/grudge"},
			[]string{"nemesis/grudge imports os/exec: the pure zone\n\treached from nemesis/grudge: nemesis/grudge -> os/exec\n\treached from workload/register: workload/register -> nemesis/grudge -> os/exec"}},
		{"a checker imports report",
			[]string{"checker/bank -> report"},
			[]string{"checker/bank imports report: results are data and report turns them into files\n\treached from checker/bank: checker/bank -> report\n\treached from workload/register: workload/register -> checker/bank -> report"}},
		{"a checker's helper imports a report subpackage",
			[]string{"checker/internal/verdict -> report/elle", "checker/bank -> checker/internal/verdict"},
			[]string{"checker/internal/verdict imports report/elle: results are data\n\treached from checker/bank: checker/bank -> checker/internal/verdict -> report/elle\n\treached from checker/internal/verdict: checker/internal/verdict -> report/elle"}},
		{"a workload dials through a client: the network and the outer layer",
			[]string{"workload/register -> client", "client -> crypto/tls"},
			[]string{
				"crypto/tls imports net: the pure zone\n\treached from workload/register: workload/register -> client -> crypto/tls -> net",
				"workload/register imports client: the pure zone knows nothing of the layers",
			}},
		{"a checker writes its verdict into the run store",
			[]string{"checker/bank -> runstore"},
			[]string{"checker/bank imports runstore: the pure zone knows nothing of the layers\n\treached from checker/bank: checker/bank -> runstore"}},
		{"control imports a history",
			[]string{"control/ssh -> history"},
			[]string{"control/ssh imports history: control runs commands"}},
		{"the runner imports the CLI (and so every suite does)",
			[]string{"runner -> cli"},
			[]string{
				"runner imports cli: the library never imports suites or the CLI\n\treached from runner: runner -> cli\n\treached from suite: suite -> runner -> cli",
				"runner imports cli: suites never import the CLI\n\treached from suites/etcd: suites/etcd -> suite -> runner -> cli",
			}},
		{"a suite imports the CLI again",
			[]string{"suites/etcd -> cli"},
			[]string{"suites/etcd imports cli: suites never import the CLI\n\treached from suites/etcd: suites/etcd -> cli"}},
		{"a suite reaches the CLI through a package of its own",
			[]string{"suites/etcd/internal/flags -> cli", "suites/etcd -> suites/etcd/internal/flags"},
			[]string{"suites/etcd/internal/flags imports cli: suites never import the CLI\n\treached from suites/etcd: suites/etcd -> suites/etcd/internal/flags -> cli"}},
		{"the suite API imports the CLI",
			[]string{"suite -> cli"},
			[]string{
				"suite imports cli: the library never imports suites or the CLI",
				"suite imports cli: suites never import the CLI\n\treached from suites/etcd: suites/etcd -> suite -> cli",
			}},
		{"report reads clock offsets from the nemesis tree again",
			[]string{"report -> nemesis/clock/offsets"},
			[]string{"report imports nemesis/clock/offsets: report draws fault bands from package faultband's table"}},
		{"combined takes its bands from report again",
			[]string{"nemesis/combined -> report"},
			[]string{"nemesis/combined imports report: a nemesis names its band families through package faultband"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			g, ours := graphOf(append(slices.Clone(clean), c.add...)...)
			got := Check(g, ours, rules)
			if len(got) != len(c.wants) {
				var msgs []string
				for _, b := range got {
					msgs = append(msgs, b.Format(rel))
				}
				t.Fatalf("%d breaches, want %d:\n%s", len(got), len(c.wants), strings.Join(msgs, "\n"))
			}
			for i, want := range c.wants {
				if msg := got[i].Format(rel); !strings.HasPrefix(msg, strings.SplitN(want, "\n", 2)[0]) || !containsLines(msg, want) {
					t.Errorf("breach %d:\n%s\nwant it to say:\n%s", i, msg, want)
				}
			}
		})
	}
}

// containsLines reports whether every line of want is within msg, the
// first as a prefix of msg's first line.
func containsLines(msg, want string) bool {
	for _, l := range strings.Split(want, "\n") {
		if !strings.Contains(msg, l) {
			return false
		}
	}
	return true
}

// A walk stops at the first forbidden package: what control imports in
// turn is control's own business, and reporting it again would bury the
// breach that matters.
func TestAWalkStopsAtAForbiddenPackage(t *testing.T) {
	g, ours := graphOf("checker -> control", "control -> runstore", "runstore -> history")
	got := Check(g, ours, rules[1:2])
	if len(got) != 1 || got[0].Importer != module+"/checker" || got[0].Forbidden != module+"/control" {
		t.Fatalf("got %+v, want only checker imports control", got)
	}
}

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, path string
		want          bool
	}{
		{"net", "net", true},
		{"net", "net/http", false},
		{"net/http/...", "net/http", true},
		{"net/http/...", "net/http/httptest", true},
		{"net/http/...", "net/httpx", false},
		{module + "/checker/...", module + "/checker", true},
		{module + "/checker/...", module + "/checkerx", false},
		{module + "/...", module + "/control/ssh", true},
	} {
		if got := Match(c.pattern, c.path); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.pattern, c.path, got, c.want)
		}
	}
}

func TestFormatShowsAtMostThreeChains(t *testing.T) {
	b := Breach{Rule: &Rule{Why: "why"}, Importer: "a", Forbidden: "x", Chains: [][]string{{"a", "x"}, {"b", "a", "x"}, {"c", "a", "x"}, {"d", "a", "x"}, {"e", "a", "x"}}}
	want := "a imports x: why\n\treached from a: a -> x\n\treached from b: b -> a -> x\n\treached from c: c -> a -> x\n\t... and 2 more"
	if got := b.Format(func(s string) string { return s }); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}
