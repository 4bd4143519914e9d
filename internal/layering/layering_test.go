// Package layering holds the test that keeps the dependency rules of
// DESIGN.md true: the pure zone (histories, generators, checkers) does no I/O
// through the network or subprocesses and knows nothing of the control,
// store, web or CLI layers; control imports nothing else of Faultline's; and
// the library never imports suites or the CLI.
package layering

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/faultline/faultline"

type pkg struct {
	ImportPath string
	Deps       []string
}

// listPackages runs `go list -deps -json ./...` from the module root and
// returns every package of the module with its transitive dependencies.
func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Deps", module+"/...")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(out)
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

func rel(path string) string { return strings.TrimPrefix(strings.TrimPrefix(path, module), "/") }

func under(path string, roots ...string) bool {
	r := rel(path)
	for _, root := range roots {
		if r == root || strings.HasPrefix(r, root+"/") {
			return true
		}
	}
	return false
}

func ours(path string) bool { return path == module || strings.HasPrefix(path, module+"/") }

func TestPureZoneDoesNoNetworkOrProcessIOAndKnowsNoOuterLayer(t *testing.T) {
	forbiddenStd := []string{"os/exec", "net", "net/http"}
	forbiddenOurs := []string{"control", "store", "web", "cli", "runner", "localcluster", "suites"}
	checked := 0
	for _, p := range listPackages(t) {
		if !under(p.ImportPath, "history", "generator", "checker") {
			continue
		}
		checked++
		for _, d := range p.Deps {
			for _, f := range forbiddenStd {
				if d == f {
					t.Errorf("%s depends on %s: the pure zone must not", rel(p.ImportPath), d)
				}
			}
			if ours(d) && under(d, forbiddenOurs...) {
				t.Errorf("%s depends on %s: the pure zone must not", rel(p.ImportPath), rel(d))
			}
		}
	}
	if checked < 5 {
		t.Fatalf("only %d pure-zone packages found", checked)
	}
}

func TestControlImportsNothingElseOfOurs(t *testing.T) {
	for _, p := range listPackages(t) {
		if !under(p.ImportPath, "control") {
			continue
		}
		for _, d := range p.Deps {
			if ours(d) && !under(d, "control") {
				t.Errorf("%s depends on %s: control must import nothing else of Faultline's", rel(p.ImportPath), rel(d))
			}
		}
	}
}

func TestLibraryNeverImportsSuitesOrTheCLI(t *testing.T) {
	for _, p := range listPackages(t) {
		if under(p.ImportPath, "cli", "cmd", "suites", "internal/layering") {
			continue
		}
		for _, d := range p.Deps {
			if ours(d) && under(d, "cli", "suites", "cmd") {
				t.Errorf("%s depends on %s: the library must not import suites or the CLI", rel(p.ImportPath), rel(d))
			}
		}
	}
}
