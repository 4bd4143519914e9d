package linear

import (
	"go/build"
	"strings"
	"testing"
)

// TestLinearizabilityPackagesStayPure walks the imports of the checker, its
// models and its simulator (with go/build, the standard library included)
// and fails if any path reaches os/exec, net or Faultline's impure packages:
// the pure zone of DESIGN.md.
func TestLinearizabilityPackagesStayPure(t *testing.T) {
	const mod = "github.com/faultline/faultline/"
	forbidden := []string{"os/exec", "net", mod + "control", mod + "store", mod + "web", mod + "cli"}
	roots := []string{mod + "checker/linear", mod + "checker/linear/model", mod + "checker/linear/linearsim"}
	seen := make(map[string]string) // package -> a package that imports it
	queue := append([]string(nil), roots...)
	for _, r := range roots {
		seen[r] = "(root)"
	}
	for len(queue) > 0 {
		path := queue[0]
		queue = queue[1:]
		for _, bad := range forbidden {
			if path == bad || strings.HasPrefix(path, bad+"/") {
				t.Errorf("%s is imported (by %s)", path, seen[path])
			}
		}
		pkg, err := build.Default.Import(path, ".", 0)
		if err != nil {
			t.Fatalf("importing %s (needed by %s): %v", path, seen[path], err)
		}
		for _, imp := range pkg.Imports {
			if _, ok := seen[imp]; !ok && imp != "C" && imp != "unsafe" {
				seen[imp] = path
				queue = append(queue, imp)
			}
		}
	}
	if len(seen) < 10 {
		t.Fatalf("only %d packages walked: the walk is broken", len(seen))
	}
}
