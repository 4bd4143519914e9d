package layering

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/faultline/faultline"

// m turns paths relative to the module into import path patterns.
func m(rel ...string) []string {
	out := make([]string, len(rel))
	for i, r := range rel {
		out[i] = module + "/" + r
	}
	return out
}

// pureZone is data in, data out: histories, generators, checkers,
// workloads, and the pure parts of the nemesis tree (grudges as data, fault
// bands, clock offsets read out of a history).
var pureZone = m("history/...", "generator/...", "checker/...", "workload/...", "faultband/...", "nemesis/grudge/...", "nemesis/clock/offsets/...")

// rules are DESIGN.md's dependency rules, the one table of them. A rule is
// about the packages the module builds (not their tests).
var rules = []Rule{
	{
		Packages: pureZone,
		Forbid:   []string{"os/exec", "net", "net/http/..."},
		Why:      "the pure zone (histories, generators, checkers, workloads, fault data) runs no programs and opens no connections: its results must depend on its input alone, and a seed must reproduce a schedule",
	},
	{
		Packages: pureZone,
		Forbid:   m("control/...", "client/...", "db/...", "osetup/...", "nemesis/...", "runner/...", "runstore/...", "web/...", "localcluster/...", "suite/...", "suites/...", "cli/...", "cmd/..."),
		Allow:    pureZone,
		Why:      "the pure zone knows nothing of the layers that act on a cluster, store runs or talk to people; they import it, never the other way round",
	},
	{
		Packages: pureZone,
		Forbid:   m("report/..."),
		Why:      "results are data and report turns them into files: a checker or workload that imports report would draw, and report imports checkers' results, so the import would run both ways",
	},
	{
		Packages: m("control/..."),
		Forbid:   m("..."),
		Allow:    m("control/..."),
		Why:      "control runs commands and moves files on nodes for every other layer, so it imports nothing else of Faultline's",
	},
	{
		Packages: m("..."),
		Except:   m("cli/...", "cmd/...", "suites/...", "internal/layering/..."),
		Forbid:   m("cli/...", "cmd/...", "suites/..."),
		Why:      "the library never imports suites or the CLI: suites and the binary are built on it, and a program that embeds it must not get them",
	},
	{
		Packages: m("suites/..."),
		Forbid:   m("cli/...", "cmd/..."),
		Why:      "suites never import the CLI: a suite says what it is through package suite, and the CLI only turns flags into it, so a program can run a suite without cobra and a suite cannot grow flag logic of its own",
	},
	{
		Packages: m("report/..."),
		Forbid:   m("nemesis/..."),
		Why:      "report draws fault bands from package faultband's table, so it knows no nemesis",
	},
	{
		Packages: m("nemesis/..."),
		Forbid:   m("report/..."),
		Why:      "a nemesis names its band families through package faultband, so it knows nothing of how report draws them",
	},
}

// goPackage is what go list says of one package.
type goPackage struct {
	ImportPath string
	Imports    []string
	Standard   bool
}

// listGraph runs `go list -deps` over the module and returns the import
// graph of its packages and everything they import (the standard library
// included), and the module's own packages.
func listGraph(t *testing.T) (Graph, []string) {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-json=ImportPath,Imports,Standard", module+"/...")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("this test needs the go tool on PATH: %v", err)
	}
	g := Graph{}
	var ours []string
	dec := json.NewDecoder(out)
	for {
		var p goPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		g[p.ImportPath] = p.Imports
		if Match(module+"/...", p.ImportPath) {
			ours = append(ours, p.ImportPath)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	if len(ours) < 40 || len(g) < 100 {
		t.Fatalf("go list found only %d packages of ours in a graph of %d", len(ours), len(g))
	}
	return g, ours
}

func rel(path string) string { return strings.TrimPrefix(path, module+"/") }

func TestTheModuleKeepsEveryImportRule(t *testing.T) {
	g, ours := listGraph(t)
	for _, b := range Check(g, ours, rules) {
		t.Error(b.Format(rel))
	}
	// A rule about no package (a package renamed, a pattern mistyped)
	// would pass whatever happens.
	for i := range rules {
		n := 0
		for _, p := range ours {
			if rules[i].Applies(p) {
				n++
			}
		}
		if n == 0 {
			t.Errorf("rule %d (%s...) is about none of the module's packages", i, rules[i].Why[:40])
		}
		// Likewise a forbidden or allowed pattern of the module's own that
		// names no package (as store/... did once the package moved to
		// runstore) would quietly turn that part of the rule off.
		for _, pat := range append(append([]string{}, rules[i].Forbid...), rules[i].Allow...) {
			if !strings.HasPrefix(pat, module+"/") {
				continue
			}
			if !slices.ContainsFunc(ours, func(p string) bool { return Match(pat, p) }) {
				t.Errorf("rule %d (%s...) names %s, which matches none of the module's packages", i, rules[i].Why[:40], rel(pat))
			}
		}
	}
}
