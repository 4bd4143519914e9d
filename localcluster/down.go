package localcluster

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"time"
)

// Down removes everything a cluster with cfg's name made: it kills every
// process in the cluster's namespaces, deletes the namespaces, the bridge and
// the veth links, and removes the node disks and the state files. It finds
// the remains by name, so it also clears a cluster whose state file was lost
// or that was half built. Removing a cluster that does not exist is not an
// error.
func Down(ctx context.Context, cfg Config, log io.Writer) error {
	if log == nil {
		log = io.Discard
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return err
	}
	if err := requireRoot(); err != nil {
		return err
	}
	namespaces := clusterNetNS(cfg)
	if err := killNodes(ctx, namespaces); err != nil {
		return err
	}
	// Deleting a veth's host end takes its peer at once; leaving it to the
	// namespace's destruction would take the kernel up to a second.
	var batch strings.Builder
	for _, l := range clusterLinks(cfg) {
		fmt.Fprintf(&batch, "link del %s\n", l)
	}
	for _, ns := range namespaces {
		fmt.Fprintf(&batch, "netns del %s\n", ns)
	}
	if batch.Len() > 0 {
		// -force: carry on past a link that vanished meanwhile.
		if err := run(ctx, batch.String(), "ip", "-force", "-batch", "-"); err != nil && len(clusterLinks(cfg))+len(clusterNetNS(cfg)) > 0 {
			return fmt.Errorf("deleting the cluster's links and namespaces: %w", err)
		}
	}
	if err := waitLinksGone(ctx, cfg); err != nil {
		return err
	}
	if err := os.RemoveAll(cfg.DiskDir); err != nil {
		return fmt.Errorf("removing node disks: %w", err)
	}
	if err := removeStateFiles(cfg.StateDir); err != nil {
		return err
	}
	if len(namespaces) > 0 {
		fmt.Fprintf(log, "cluster %s is down (%d nodes removed)\n", cfg.Name, len(namespaces))
	}
	return nil
}

// nodeNS matches the names of the namespaces and host veth ends of a
// cluster's nodes.
func nodeNS(name string) *regexp.Regexp {
	return regexp.MustCompile(`^` + regexp.QuoteMeta(name) + `-n[0-9]+$`)
}

// clusterNetNS lists the cluster's network namespaces that exist.
func clusterNetNS(cfg Config) []string {
	ents, _ := os.ReadDir("/run/netns")
	re := nodeNS(cfg.Name)
	var out []string
	for _, e := range ents {
		if re.MatchString(e.Name()) {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// killNodes kills every process in the namespaces and waits until none is
// left. Killing a node's init (PID 1 of its PID namespace) takes the whole
// node with it; the sweep by network namespace catches anything else that
// entered it (ip netns exec from a nemesis, say).
func killNodes(ctx context.Context, namespaces []string) error {
	var left []int
	err := poll(ctx, 5*time.Second, func() bool {
		left = left[:0]
		for _, ns := range namespaces {
			for _, pid := range pidsInNetNS(ns) {
				if alive(pid) {
					syscall.Kill(pid, syscall.SIGKILL)
					left = append(left, pid)
				}
			}
		}
		return len(left) == 0
	})
	if err != nil {
		return fmt.Errorf("processes %v in the cluster's namespaces did not die after SIGKILL: %w", left, err)
	}
	return nil
}

// poll calls done every 5 ms until it returns true, for at most limit.
func poll(ctx context.Context, limit time.Duration, done func() bool) error {
	deadline := time.Now().Add(limit)
	for !done() {
		if time.Now().After(deadline) {
			return fmt.Errorf("still not done after %v", limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	return nil
}

// clusterLinks lists the host links the cluster made: its bridge and the
// host ends of its veths.
func clusterLinks(cfg Config) []string {
	ifaces, _ := net.Interfaces()
	re := nodeNS(cfg.Name)
	var out []string
	for _, ifc := range ifaces {
		if ifc.Name == cfg.bridge() || re.MatchString(ifc.Name) {
			out = append(out, ifc.Name)
		}
	}
	return out
}

// waitLinksGone waits until none of the cluster's links is left; a veth
// whose namespace was deleted vanishes in the background.
func waitLinksGone(ctx context.Context, cfg Config) error {
	if err := poll(ctx, 5*time.Second, func() bool { return len(clusterLinks(cfg)) == 0 }); err != nil {
		return fmt.Errorf("links %v remain after deleting them: %w", clusterLinks(cfg), err)
	}
	return nil
}

// stateFiles are the files Up writes in the state directory.
var stateFiles = []string{"cluster.json", "cluster.json.tmp", "nodes", "nodes.tmp", "id_ed25519", "id_ed25519.pub", "authorized_keys", "known_hosts", "known_hosts.tmp", "ssh_config", "ssh_config.tmp"}

// removeStateFiles removes what Up wrote, and the directory if that leaves
// it empty; files someone else put there are left alone.
func removeStateFiles(dir string) error {
	for _, f := range stateFiles {
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	if err := os.RemoveAll(filepath.Join(dir, "nodes.d")); err != nil {
		return err
	}
	os.Remove(dir)
	return nil
}
