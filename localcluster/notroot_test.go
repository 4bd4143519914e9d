package localcluster_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline/faultline/localcluster"
)

// TestRefusesWithoutRoot runs this test binary again as the unprivileged
// user nobody (setpriv) and checks that Up refuses with the message that
// says why, before touching anything.
func TestRefusesWithoutRoot(t *testing.T) {
	if os.Getenv("FAULTLINE_NOT_ROOT_HELPER") == "1" {
		_, err := localcluster.Up(context.Background(), localcluster.Config{Name: "never", StateDir: os.TempDir() + "/never"}, nil)
		fmt.Printf("is-not-root=%v\n%v\n", errors.Is(err, localcluster.ErrNotRoot), err)
		return
	}
	env.Need(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The go build cache is private to root; nobody needs a copy it can run.
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	bin := filepath.Join(dir, "localcluster.test")
	src, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(dst, src)
	src.Close()
	dst.Close()
	cmd := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", bin, "-test.run=^TestRefusesWithoutRoot$")
	cmd.Env = append(os.Environ(), "FAULTLINE_NOT_ROOT_HELPER=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "is-not-root=true") || !strings.Contains(string(out), "needs root") {
		t.Fatalf("without root, Up said:\n%s", out)
	}
}
