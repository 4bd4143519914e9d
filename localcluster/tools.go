package localcluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/faultline/faultline/control"
)

// ErrNotRoot is returned when the cluster is built or removed without root.
var ErrNotRoot = errors.New("the local cluster needs root: it creates network namespaces, a bridge, veth links and mounts; run it as root (e.g. with sudo)")

func requireRoot() error {
	if os.Geteuid() != 0 {
		return ErrNotRoot
	}
	return nil
}

// tools maps each program the cluster runs to the Debian package holding it.
var tools = []struct{ bin, pkg string }{
	{"ip", "iproute2"},
	{"unshare", "util-linux"},
	{"nsenter", "util-linux"},
	{"mount", "mount"},
	{"sshd", "openssh-server"},
	{"iptables", "iptables"},
}

// lookPath finds a program also in the sbin directories that a non-login
// PATH may lack.
func lookPath(bin string) (string, error) {
	if p, err := exec.LookPath(bin); err == nil {
		return p, nil
	}
	for _, d := range []string{"/usr/sbin", "/sbin", "/usr/bin", "/bin"} {
		p := d + "/" + bin
		if st, err := os.Stat(p); err == nil && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: not found", bin)
}

// ensureTools installs the packages of missing programs with apt. Services
// of installed packages are kept from starting on the host the way Debian
// images do it, with a policy-rc.d that refuses (only when none exists).
func ensureTools(ctx context.Context, log io.Writer) error {
	var missing []string
	seen := map[string]bool{}
	for _, t := range tools {
		if _, err := lookPath(t.bin); err != nil && !seen[t.pkg] {
			missing = append(missing, t.pkg)
			seen[t.pkg] = true
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return fmt.Errorf("the local cluster needs the packages %s and this machine has no apt-get to install them", strings.Join(missing, ", "))
	}
	fmt.Fprintf(log, "installing %s with apt-get\n", strings.Join(missing, " "))
	if _, err := os.Stat("/usr/sbin/policy-rc.d"); errors.Is(err, os.ErrNotExist) {
		if err := os.WriteFile("/usr/sbin/policy-rc.d", []byte("#!/bin/sh\nexit 101\n"), 0o755); err != nil {
			return err
		}
	}
	for _, argv := range [][]string{{"apt-get", "update", "-qq"}, append([]string{"apt-get", "install", "-y", "-qq", "--no-install-recommends"}, missing...)} {
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %w\n%s", strings.Join(argv, " "), err, tail(out))
		}
	}
	return nil
}

// run runs a program and returns an error with its output when it fails.
func run(ctx context.Context, stdin string, argv ...string) error {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", strings.Join(argv, " "), err, tail(out))
	}
	return nil
}

func tail(b []byte) string { return control.Tail(b, 600) }

// lockFile serialises cluster builds on this machine.
const lockFile = "/run/lock/faultline-localcluster.lock"

// lockMachine takes the machine-wide cluster lock (flock, released by the
// kernel if the process dies) and returns its release.
func lockMachine() (func(), error) {
	if err := os.MkdirAll(filepath.Dir(lockFile), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(lockFile, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", lockFile, err)
	}
	return func() { f.Close() }, nil
}
