package etcd_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline/faultline/cli"
	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/suites/etcd"
)

// TestTarballURLInstallsEtcdOnEveryNode packs the host's etcd the way an
// official release is packed (etcd-v<version>-linux-amd64/etcd), hands it
// to --tarball-url as a file on the control machine, and checks that every
// node got it unpacked in /opt/etcd (the DB then runs /opt/etcd/etcd) and
// that the cluster served the workload: the install path real clusters use,
// without the internet.
func TestTarballURLInstallsEtcdOnEveryNode(t *testing.T) {
	c := env.Need(t)
	dir := t.TempDir()
	top := filepath.Join(dir, "etcd-v3.4.23-linux-amd64")
	if err := os.MkdirAll(top, 0o755); err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(etcd.DefaultBinary)
	if err != nil {
		t.Fatalf("%s: %v (scripts/setup.sh installs etcd-server)", etcd.DefaultBinary, err)
	}
	if err := os.WriteFile(filepath.Join(top, "etcd"), bin, 0o755); err != nil {
		t.Fatal(err)
	}
	tarball := filepath.Join(dir, "etcd-v3.4.23-linux-amd64.tar.gz")
	if out, err := exec.Command("tar", "-C", dir, "-czf", tarball, filepath.Base(top)).CombinedOutput(); err != nil {
		t.Fatalf("tar: %v: %s", err, out)
	}
	t.Cleanup(func() {
		for _, n := range c.NodeNames() {
			if conn, err := c.Remote().Connect(context.Background(), n); err == nil {
				conn.Run(context.Background(), control.Cmd{Argv: []string{"rm", "-rf", etcd.InstallDir}})
				conn.Close()
			}
		}
	})

	code, out, l := run(t, "test", "--workload", "register", "--time-limit", "3", "--tarball-url", tarball, "--seed", "5")
	if code != cli.ExitValid {
		t.Fatalf("exit %d, expected valid: %s", code, out)
	}
	for _, n := range c.NodeNames() {
		conn, err := c.Remote().Connect(context.Background(), n)
		if err != nil {
			t.Fatal(err)
		}
		res, err := conn.Run(context.Background(), control.Cmd{Argv: []string{"cmp", etcd.InstallDir + "/etcd", etcd.DefaultBinary}})
		conn.Close()
		if err != nil {
			t.Fatalf("on %s: %s is not the packed etcd: %v %s", n, etcd.InstallDir+"/etcd", err, res.Stderr)
		}
		log, err := os.ReadFile(filepath.Join(l.Dir, n, "etcd.log"))
		if err != nil || !strings.Contains(string(log), `"etcd-version":"3.4.23"`) {
			t.Fatalf("on %s: the collected etcd log does not show etcd 3.4.23 starting (%v)", n, err)
		}
	}
}
