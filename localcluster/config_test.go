package localcluster

import (
	"net/netip"
	"strings"
	"testing"
)

func TestConfigRejectsWithReasons(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Name: "Has-Dash"}, "lowercase letters and digits"},
		{Config{Name: "waytoolongname"}, "15 characters"},
		{Config{Nodes: 500}, "between 1 and 200"},
		{Config{Subnet: netip.MustParsePrefix("10.1.0.0/16")}, "/24"},
		{Config{Subnet: netip.MustParsePrefix("8.8.8.0/24")}, "private"},
		{Config{DiskDir: "/var/lib/faultline/disks"}, "inside /var/lib"},
	} {
		_, err := tc.cfg.withDefaults()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want an error mentioning %q", tc.cfg, err, tc.want)
		}
	}
}

func TestConfigDefaultsAndAddresses(t *testing.T) {
	c, err := Config{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "fl" || c.Nodes != 5 || c.StateDir != DefaultStateDir || c.DiskDir != "/var/cache/faultline/fl" {
		t.Fatalf("defaults: %+v", c)
	}
	if c.addr(0).String() != "10.251.73.1" || c.addr(3).String() != "10.251.73.13" {
		t.Fatalf("bridge %s, n3 %s", c.addr(0), c.addr(3))
	}
	if c.bridge() != "fl-br" || c.netns("n3") != "fl-n3" {
		t.Fatalf("names: %s %s", c.bridge(), c.netns("n3"))
	}
}

func TestInitScriptOverlaysEveryPrivateTree(t *testing.T) {
	c := &Cluster{Name: "x", StateDir: "/s", DiskDir: "/d", BridgeAddr: netip.MustParseAddr("10.9.9.1"),
		Nodes: []Node{{Name: "n1", Addr: netip.MustParseAddr("10.9.9.11")}, {Name: "n2", Addr: netip.MustParseAddr("10.9.9.12")}}}
	s := initScript(c, c.Nodes[0])
	for _, tree := range overlaid {
		if !strings.Contains(s, "lowerdir="+tree+",") || !strings.Contains(s, " "+tree+"\n") {
			t.Errorf("no overlay for %s in:\n%s", tree, s)
		}
	}
	for _, want := range []string{"hostname n1", "10.9.9.12 n2", "mount -t tmpfs -o mode=755 tmpfs /run", "exec ", "-D -e -f /s/nodes.d/n1/sshd_config"} {
		if !strings.Contains(s, want) {
			t.Errorf("init script lacks %q:\n%s", want, s)
		}
	}
}
