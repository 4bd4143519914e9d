package node_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/control/node"
)

func TestAptInstallOnlyWhatIsMissing(t *testing.T) {
	_, cs := conns(t)
	n1 := cs["n1"]
	missing := must[[]string](t)(node.MissingPackages(ctx, n1, "coreutils", "openssh-server", "faultline-no-such-package"))
	if len(missing) != 1 || missing[0] != "faultline-no-such-package" {
		t.Fatalf("missing %q", missing)
	}
	installed := must[[]string](t)(node.AptInstall(ctx, n1, "coreutils", "openssh-server"))
	if len(installed) != 0 {
		t.Fatalf("installed %q although nothing was missing", installed)
	}
	_, err := node.AptInstall(ctx, n1, "faultline-no-such-package")
	var ee *control.ExitError
	if !errors.As(err, &ee) || !strings.Contains(err.Error(), "faultline-no-such-package") {
		t.Fatalf("installing an unknown package: %v", err)
	}
}

func TestSetHostsReplacesItsBlock(t *testing.T) {
	_, cs := conns(t)
	n3 := cs["n3"]
	before := must[string](t)(node.Output(ctx, n3, "cat", "/etc/hosts"))
	for _, addrs := range []map[string]string{{"db1": "10.9.9.1", "db2": "10.9.9.2"}, {"db1": "10.9.9.7"}} {
		if err := node.SetHosts(ctx, n3, addrs); err != nil {
			t.Fatal(err)
		}
	}
	after := must[string](t)(node.Output(ctx, n3, "cat", "/etc/hosts"))
	if !strings.HasPrefix(after, before) {
		t.Fatalf("the lines that were there were changed:\nbefore %q\nafter  %q", before, after)
	}
	if got := must[string](t)(node.Output(ctx, n3, "getent", "hosts", "db1")); !strings.HasPrefix(got, "10.9.9.7") {
		t.Fatalf("db1 resolves to %q", got)
	}
	if strings.Contains(after, "db2") || strings.Count(after, "BEGIN faultline") != 1 {
		t.Fatalf("the old block was not replaced:\n%s", after)
	}
}

func TestHealNetworkAfterPartition(t *testing.T) {
	c, cs := conns(t)
	n1, _ := c.Node("n1")
	n2, _ := c.Node("n2")
	t.Cleanup(func() { node.HealNetwork(ctx, cs["n1"]) })
	// n1 drops everything from n2, as a partition nemesis would.
	must[string](t)(node.Output(ctx, cs["n1"], "iptables", "-w", "-A", "INPUT", "-s", n2.Addr.String(), "-j", "DROP"))
	if err := node.WaitForPort(ctx, cs["n2"], n1.Addr.String(), 22, 300*time.Millisecond); err == nil {
		t.Fatal("n2 still reaches n1 through the partition")
	}
	// The control host still reaches n1: its SSH is never cut.
	if got := must[string](t)(node.Output(ctx, cs["n1"], "hostname")); got != "n1" {
		t.Fatalf("host lost n1: %q", got)
	}
	if err := node.HealNetwork(ctx, cs["n1"]); err != nil {
		t.Fatal(err)
	}
	if err := node.WaitForPort(ctx, cs["n2"], n1.Addr.String(), 22, 2*time.Second); err != nil {
		t.Fatalf("after healing: %v", err)
	}
}
