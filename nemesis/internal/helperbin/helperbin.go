// Package helperbin builds the small static programs nemeses upload to
// nodes (the clock helper, lazyfsd): CGO_ENABLED=0, so nodes need neither a
// compiler nor a matching libc.
package helperbin

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Build builds the Go main package pkg into dir/name and returns the path.
// It needs the Go toolchain and this module's source (it runs from the
// repository); the error says so, and that a prebuilt binary can be given
// instead.
func Build(ctx context.Context, dir, pkg, name string) (string, error) {
	out := filepath.Join(dir, name)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building %s (CGO_ENABLED=0 go build %s) failed: %v: %s; it needs the Go toolchain and the faultline source, or give a prebuilt binary", name, pkg, err, strings.TrimSpace(string(msg)))
	}
	return out, nil
}
