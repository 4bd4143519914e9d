package localcluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/faultline/faultline/control"
)

// Up builds the cluster cfg describes and returns it once every node's sshd
// accepts connections. A healthy cluster with the same shape is returned as
// is; anything else under the same name (a half-built or different cluster)
// is torn down first. Progress notes go to log (may be nil).
func Up(ctx context.Context, cfg Config, log io.Writer) (*Cluster, error) {
	if log == nil {
		log = io.Discard
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := requireRoot(); err != nil {
		return nil, err
	}
	if err := ensureTools(ctx, log); err != nil {
		return nil, err
	}
	if c, err := Load(cfg.StateDir); err == nil && c.shapeIs(cfg) && Check(c) == nil {
		fmt.Fprintf(log, "cluster %s is already up\n", cfg.Name)
		return c, nil
	}
	// Two clusters built at once (parallel test packages) must not both
	// find the same subnet free: hold the machine-wide lock from the check
	// until the bridge holds its address.
	unlock, err := lockMachine()
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := Down(ctx, cfg, log); err != nil {
		return nil, fmt.Errorf("clearing the remains of cluster %s: %w", cfg.Name, err)
	}
	if err := SubnetFree(cfg.Subnet); err != nil {
		return nil, err
	}
	c, err := build(ctx, cfg)
	if err != nil {
		if derr := Down(context.WithoutCancel(ctx), cfg, io.Discard); derr != nil {
			err = errors.Join(err, fmt.Errorf("and cleaning up after it: %w", derr))
		}
		return nil, err
	}
	return c, nil
}

// shapeIs reports whether a saved cluster is the one cfg asks for.
func (c *Cluster) shapeIs(cfg Config) bool {
	return c.Name == cfg.Name && len(c.Nodes) == cfg.Nodes && c.Subnet == cfg.Subnet && c.DiskDir == cfg.DiskDir
}

// SubnetFree returns an error when this machine already has an address
// in: putting the cluster there would hijack someone else's network.
func SubnetFree(subnet netip.Prefix) error {
	ifaces, err := net.Interfaces()
	if err != nil {
		return err
	}
	for _, ifc := range ifaces {
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			ip, ok := netip.AddrFromSlice(ipn.IP)
			if ok && subnet.Contains(ip.Unmap()) {
				return fmt.Errorf("subnet %s is already in use on this machine (%s has %s); choose another private /24 with --subnet", subnet, ifc.Name, ipn)
			}
		}
	}
	return nil
}

// build makes the cluster from nothing: state files and keys, the bridge,
// one namespace and veth per node, then starts every node and waits for its
// sshd.
func build(ctx context.Context, cfg Config) (*Cluster, error) {
	c := &Cluster{
		Name:       cfg.Name,
		Subnet:     cfg.Subnet,
		Bridge:     cfg.bridge(),
		BridgeAddr: cfg.addr(0),
		StateDir:   cfg.StateDir,
		DiskDir:    cfg.DiskDir,
		User:       "root",
		PrivateKey: filepath.Join(cfg.StateDir, "id_ed25519"),
		KnownHosts: filepath.Join(cfg.StateDir, "known_hosts"),
	}
	for i := 1; i <= cfg.Nodes; i++ {
		name := cfg.nodeName(i)
		c.Nodes = append(c.Nodes, Node{Name: name, Addr: cfg.addr(i), NetNS: cfg.netns(name)})
	}
	hostKeys, err := writeKeys(c)
	if err != nil {
		return nil, err
	}
	if err := makeNetwork(ctx, c); err != nil {
		return nil, err
	}
	err = control.OnNodes(ctx, c.NodeNames(), func(ctx context.Context, name string) error {
		for i := range c.Nodes {
			if c.Nodes[i].Name == name {
				return startNode(ctx, c, &c.Nodes[i])
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := clientFiles(c, hostKeys); err != nil {
		return nil, err
	}
	return c, c.save()
}

// writeKeys makes the state directory, the login key and every node's host
// key, sshd_config and init script.
func writeKeys(c *Cluster) (map[string]gossh.PublicKey, error) {
	if err := os.MkdirAll(c.StateDir, 0o755); err != nil {
		return nil, err
	}
	userKey, err := newKey(c.PrivateKey, "faultline@"+c.Name)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(c.StateDir, "authorized_keys"), gossh.MarshalAuthorizedKey(userKey), 0o644); err != nil {
		return nil, err
	}
	hostKeys := map[string]gossh.PublicKey{}
	for _, n := range c.Nodes {
		dir := nodeDir(c, n.Name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		if hostKeys[n.Name], err = newKey(filepath.Join(dir, "ssh_host_ed25519_key"), "root@"+n.Name); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, "sshd_config"), []byte(sshdConfig(c, dir)), 0o644); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, "init.sh"), []byte(initScript(c, n)), 0o755); err != nil {
			return nil, err
		}
	}
	return hostKeys, nil
}

func nodeDir(c *Cluster, node string) string { return filepath.Join(c.StateDir, "nodes.d", node) }

// makeNetwork creates the bridge, the namespaces and the veth pairs in one
// `ip -batch` run on the host side, then addresses each node from inside its
// namespace. No route to anywhere but the cluster's /24 is added.
func makeNetwork(ctx context.Context, c *Cluster) error {
	var host strings.Builder
	fmt.Fprintf(&host, "link add %s type bridge\naddr add %s/24 dev %s\nlink set %s up\n", c.Bridge, c.BridgeAddr, c.Bridge, c.Bridge)
	for _, n := range c.Nodes {
		fmt.Fprintf(&host, "netns add %s\nlink add %s type veth peer name eth0 netns %s\nlink set %s master %s up\n", n.NetNS, n.NetNS, n.NetNS, n.NetNS, c.Bridge)
	}
	if err := run(ctx, host.String(), "ip", "-batch", "-"); err != nil {
		return fmt.Errorf("creating the bridge and namespaces: %w", err)
	}
	return control.OnNodes(ctx, c.NodeNames(), func(ctx context.Context, name string) error {
		n, _ := c.Node(name)
		script := fmt.Sprintf("link set lo up\naddr add %s/24 dev eth0\nlink set eth0 up\n", n.Addr)
		return run(ctx, script, "ip", "-n", n.NetNS, "-batch", "-")
	})
}

// initScript runs as PID 1 of the node's fresh PID, mount and UTS
// namespaces: it lays the node's private overlays over the host's trees,
// sets the hostname and /etc/hosts, and becomes the node's sshd.
func initScript(c *Cluster, n Node) string {
	var b strings.Builder
	b.WriteString("#!/bin/sh\n# Written by faultline cluster up: the first process of node " + n.Name + ".\nset -eu\n")
	disk := filepath.Join(c.DiskDir, n.Name)
	for _, t := range overlaid {
		key := strings.ReplaceAll(strings.TrimPrefix(t, "/"), "/", "_")
		up, work := control.Quote(disk+"/upper/"+key), control.Quote(disk+"/work/"+key)
		fmt.Fprintf(&b, "mkdir -p %s %s\nchmod --reference=%s %s\nchown --reference=%s %s\n", up, work, t, up, t, up)
		fmt.Fprintf(&b, "mount -t overlay overlay -o lowerdir=%s,upperdir=%s,workdir=%s %s\n", t, up, work, t)
	}
	b.WriteString("mount -t tmpfs -o mode=755 tmpfs /run\nmkdir -p /run/sshd\n")
	// root's login shell becomes /bin/sh in the node's private passwd, so
	// an SSH command does not run the host root's ~/.bashrc (which may do
	// anything: pyenv's rehash lock made single commands wait 60 s).
	b.WriteString(`sed -i -E 's#^(root:([^:]*:){5})[^:]*$#\1/bin/sh#' /etc/passwd` + "\n")
	fmt.Fprintf(&b, "hostname %s\necho %s > /etc/hostname\n", n.Name, n.Name)
	b.WriteString("{\n  echo '127.0.0.1 localhost'\n  echo '::1 localhost ip6-localhost ip6-loopback'\n")
	for _, o := range c.Nodes {
		fmt.Fprintf(&b, "  echo '%s %s'\n", o.Addr, o.Name)
	}
	fmt.Fprintf(&b, "  echo '%s control'\n} > /etc/hosts\n", c.BridgeAddr)
	sshd, _ := lookPath("sshd")
	fmt.Fprintf(&b, "exec %s -D -e -f %s\n", sshd, control.Quote(filepath.Join(nodeDir(c, n.Name), "sshd_config")))
	return b.String()
}

// startNode starts the node's namespaces with its init script and waits
// until its sshd accepts connections on the node's address.
func startNode(ctx context.Context, c *Cluster, n *Node) error {
	dir := nodeDir(c, n.Name)
	logFile, err := os.OpenFile(filepath.Join(dir, "node.log"), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := exec.Command("ip", "netns", "exec", n.NetNS,
		"unshare", "--pid", "--mount", "--uts", "--fork", "--mount-proc", "--propagation", "private",
		"sh", filepath.Join(dir, "init.sh"))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own session: the node must outlive the command that built it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting node %s: %w", n.Name, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }() // reaps it when this process lives on
	addr := net.JoinHostPort(n.Addr.String(), "22")
	deadline := time.Now().Add(15 * time.Second)
	for {
		if n.InitPID == 0 {
			if kids := children(cmd.Process.Pid); len(kids) > 0 {
				n.InitPID = kids[0]
			}
		}
		if n.InitPID != 0 {
			conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
			if err == nil {
				conn.Close()
				return nil
			}
		}
		select {
		case <-exited:
			out, _ := os.ReadFile(logFile.Name())
			return fmt.Errorf("node %s stopped while starting (log %s): %s", n.Name, logFile.Name(), tail(out))
		case <-ctx.Done():
			return fmt.Errorf("node %s: %w", n.Name, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(logFile.Name())
			return fmt.Errorf("node %s: sshd did not accept connections on %s within 15s (log %s): %s", n.Name, addr, logFile.Name(), tail(out))
		}
	}
}
