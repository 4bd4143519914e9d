package localcluster

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"regexp"
	"strings"
)

// Defaults of the cluster `faultline cluster up` builds.
const (
	DefaultName     = "fl"
	DefaultNodes    = 5
	DefaultStateDir = "/var/lib/faultline/cluster"
	DefaultDiskRoot = "/var/cache/faultline"
)

// DefaultSubnet is deliberately unusual, so it does not clash with home,
// office, Docker or Kubernetes networks.
var DefaultSubnet = netip.MustParsePrefix("10.251.73.0/24")

// overlaid lists the trees each node gets a private writable copy of.
var overlaid = []string{"/etc", "/var/lib", "/var/log", "/opt", "/root", "/tmp"}

// Config describes a cluster. The zero value means the defaults.
type Config struct {
	// Name prefixes every namespace and link the cluster makes (at most 8
	// lowercase letters and digits), so clusters with different names never
	// collide.
	Name     string
	Nodes    int
	Subnet   netip.Prefix // a /24; nodes are .11, .12, ...; the bridge is .1
	StateDir string
	// DiskDir holds the nodes' overlay upper directories. It must not lie
	// inside any overlaid tree; DefaultDiskRoot/<Name> when empty.
	DiskDir string
}

var validName = regexp.MustCompile(`^[a-z][a-z0-9]{0,7}$`)

// withDefaults fills in defaults and checks the values.
func (c Config) withDefaults() (Config, error) {
	if c.Name == "" {
		c.Name = DefaultName
	}
	if !validName.MatchString(c.Name) {
		return c, fmt.Errorf("cluster name %q: want 1-8 lowercase letters and digits starting with a letter (it prefixes interface names, which are limited to 15 characters)", c.Name)
	}
	if c.Nodes == 0 {
		c.Nodes = DefaultNodes
	}
	if c.Nodes < 1 || c.Nodes > 200 {
		return c, fmt.Errorf("--nodes %d: want between 1 and 200", c.Nodes)
	}
	if !c.Subnet.IsValid() {
		c.Subnet = DefaultSubnet
	}
	if c.Subnet.Bits() != 24 || !c.Subnet.Addr().Is4() || !c.Subnet.Addr().IsPrivate() {
		return c, fmt.Errorf("subnet %s: want a private IPv4 /24 such as %s", c.Subnet, DefaultSubnet)
	}
	c.Subnet = c.Subnet.Masked()
	if c.StateDir == "" {
		c.StateDir = DefaultStateDir
	}
	if c.DiskDir == "" {
		c.DiskDir = filepath.Join(DefaultDiskRoot, c.Name)
	}
	for _, p := range []*string{&c.StateDir, &c.DiskDir} {
		abs, err := filepath.Abs(*p)
		if err != nil {
			return c, err
		}
		*p = abs
	}
	for _, t := range overlaid {
		if c.DiskDir == t || strings.HasPrefix(c.DiskDir, t+"/") {
			return c, fmt.Errorf("disk dir %s lies inside %s, which every node overlays; choose a directory outside %s", c.DiskDir, t, strings.Join(overlaid, ", "))
		}
	}
	return c, nil
}

// addr is the address of the i-th node (1-based) or, for i == 0, the bridge.
func (c Config) addr(i int) netip.Addr {
	a := c.Subnet.Addr().As4()
	if i == 0 {
		a[3] = 1
	} else {
		a[3] = byte(10 + i)
	}
	return netip.AddrFrom4(a)
}

func (c Config) bridge() string { return c.Name + "-br" }

func (c Config) nodeName(i int) string { return fmt.Sprintf("n%d", i) }

// netns is the network namespace of node, also the name of the host end of
// its veth.
func (c Config) netns(node string) string { return c.Name + "-" + node }

// Validate checks the configuration without touching the machine, so that
// callers can tell bad arguments from a failed build.
func (c Config) Validate() error {
	_, err := c.withDefaults()
	return err
}
