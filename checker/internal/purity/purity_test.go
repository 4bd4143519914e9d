package purity

import (
	"os/exec"
	"strings"
	"testing"
)

// classic lists the packages this test guards.
var classic = []string{
	"counter", "set", "queue", "uniqueids", "bank", "longfork", "monotonic",
	"sequential", "stats", "unhandled", "independent", "logpattern",
	"internal/valueset", "internal/verdict", "internal/histbuild",
}

var forbidden = []string{"os/exec", "net", "github.com/faultline/faultline/control",
	"github.com/faultline/faultline/store", "github.com/faultline/faultline/web", "github.com/faultline/faultline/cli"}

func TestClassicCheckersImportNothingImpure(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("this test needs the go tool on PATH: %v", err)
	}
	args := []string{"list", "-deps"}
	for _, p := range classic {
		args = append(args, "github.com/faultline/faultline/checker/"+p)
	}
	out, err := exec.Command("go", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < len(classic) {
		t.Fatalf("go list returned %d packages for %d roots", len(deps), len(classic))
	}
	for _, dep := range deps {
		for _, bad := range forbidden {
			if dep == bad || strings.HasPrefix(dep, bad+"/") {
				t.Errorf("a classic checker depends on %s (run go list -deps to see which)", dep)
			}
		}
	}
}
