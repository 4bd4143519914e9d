package localcluster

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"

	"github.com/faultline/faultline/control/ssh"
)

// Cluster is a built cluster, as saved in StateDir/cluster.json.
type Cluster struct {
	Name       string       `json:"name"`
	Subnet     netip.Prefix `json:"subnet"`
	Bridge     string       `json:"bridge"`
	BridgeAddr netip.Addr   `json:"bridge_addr"`
	StateDir   string       `json:"state_dir"`
	DiskDir    string       `json:"disk_dir"`
	User       string       `json:"user"`
	PrivateKey string       `json:"private_key"`
	KnownHosts string       `json:"known_hosts"`
	Nodes      []Node       `json:"nodes"`
}

// Node is one node of a cluster.
type Node struct {
	Name string     `json:"name"`
	Addr netip.Addr `json:"addr"`
	// NetNS is the network namespace (/run/netns/<NetNS>): run a program
	// in it with `ip netns exec <NetNS> ...`, e.g. iptables for partitions
	// or a TCP probe from the node's point of view.
	NetNS string `json:"netns"`
	// InitPID is the host PID of the node's first process (its sshd, PID 1
	// inside the node); `nsenter --target InitPID --net --mount --uts --pid`
	// enters the node.
	InitPID int `json:"init_pid"`
}

// NodeNames lists the nodes' names in order.
func (c *Cluster) NodeNames() []string {
	out := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		out[i] = n.Name
	}
	return out
}

// Node returns the node called name.
func (c *Cluster) Node(name string) (Node, bool) {
	for _, n := range c.Nodes {
		if n.Name == name {
			return n, true
		}
	}
	return Node{}, false
}

// SSHConfig is how to log in to the cluster's nodes: the cluster's key, its
// known_hosts, and each node's address.
func (c *Cluster) SSHConfig() ssh.Config {
	addrs := make(map[string]string, len(c.Nodes))
	for _, n := range c.Nodes {
		addrs[n.Name] = n.Addr.String()
	}
	return ssh.Config{
		User:            c.User,
		Addrs:           addrs,
		PrivateKeyFiles: []string{c.PrivateKey},
		NoAgent:         true,
		KnownHostsFiles: []string{c.KnownHosts},
	}
}

// Remote is the SSH remote for the cluster's nodes.
func (c *Cluster) Remote() ssh.Remote { return ssh.Remote{Config: c.SSHConfig()} }

// ErrNoCluster is returned by Load when no cluster has been built there.
var ErrNoCluster = errors.New("no local cluster")

// Load reads the cluster saved in stateDir (DefaultStateDir when empty), so a
// test runner can use the cluster `faultline cluster up` built without
// flags. It does not check that the cluster is still running; see Check.
func Load(stateDir string) (*Cluster, error) {
	if stateDir == "" {
		stateDir = DefaultStateDir
	}
	file := filepath.Join(stateDir, "cluster.json")
	b, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s (run `faultline cluster up`)", ErrNoCluster, stateDir)
	}
	if err != nil {
		return nil, err
	}
	var c Cluster
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(c.Nodes) == 0 {
		return nil, fmt.Errorf("%s: no nodes", file)
	}
	return &c, nil
}

func (c *Cluster) save() error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(c.StateDir, "cluster.json"), append(b, '\n'), 0o644)
}

// writeFileAtomic writes via a temporary file and a rename, so a crash
// never leaves half a state file behind.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
