package cli_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/faultline/faultline/cli"
	"github.com/faultline/faultline/localcluster/clustertest"
)

func TestClusterUpStatusDown(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("needs root; CI must run as root")
		}
		t.Skip("needs root")
	}
	cfg, err := clustertest.Config(2)
	if err != nil {
		t.Fatal(err)
	}
	if err := clustertest.Own(cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { clustertest.Remove(cfg) })
	flags := []string{"--name", cfg.Name, "--state-dir", cfg.StateDir, "--disk-dir", cfg.DiskDir, "--subnet", cfg.Subnet.String()}
	run := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		code := cli.Execute(cli.Root(), append(append([]string{"cluster"}, args...), flags...), &out, &errb)
		return code, out.String() + errb.String()
	}
	if code, out := run("up", "--nodes", "2"); code != 0 || !strings.Contains(out, cfg.Name+"-n2") || !strings.Contains(out, "ssh -F "+cfg.StateDir+"/ssh_config n1") {
		t.Fatalf("up: exit %d\n%s", code, out)
	}
	if code, out := run("status"); code != 0 || strings.Count(out, " up\n") != 2 {
		t.Fatalf("status: exit %d\n%s", code, out)
	}
	if code, out := run("down"); code != 0 {
		t.Fatalf("down: exit %d\n%s", code, out)
	}
	if code, out := run("status"); code != 1 || !strings.Contains(out, "faultline cluster up") {
		t.Fatalf("status after down: exit %d, want 1 and a hint\n%s", code, out)
	}
	var out, errb bytes.Buffer
	if code := cli.Execute(cli.Root(), []string{"cluster", "up", "--name", cfg.Name, "--state-dir", cfg.StateDir, "--subnet", "10.0.0.0/16"}, &out, &errb); code != 254 || !strings.Contains(errb.String(), "/24") {
		t.Fatalf("bad subnet: exit %d\n%s", code, errb.String())
	}
}
