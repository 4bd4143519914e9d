package localcluster

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// newKey writes a fresh ed25519 private key in OpenSSH format to file (and
// the public key to file.pub) and returns the public key. Generating keys in
// process takes microseconds, where ssh-keygen would cost a process each.
func newKey(file, comment string) (gossh.PublicKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	block, err := gossh.MarshalPrivateKey(priv, comment)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(file, pem.EncodeToMemory(block), 0o600); err != nil {
		return nil, err
	}
	sp, err := gossh.NewPublicKey(pub)
	if err != nil {
		return nil, err
	}
	line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(sp))) + " " + comment + "\n"
	return sp, os.WriteFile(file+".pub", []byte(line), 0o644)
}

// sshdConfig is the node's sshd configuration: root logs in with the
// cluster key; passwords work for users that tests create inside a node.
func sshdConfig(c *Cluster, nodeDir string) string {
	return fmt.Sprintf(`# Written by faultline cluster up.
Port 22
HostKey %s/ssh_host_ed25519_key
AuthorizedKeysFile %s/authorized_keys .ssh/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication yes
UsePAM no
StrictModes no
UseDNS no
PidFile /run/sshd.pid
MaxSessions 64
MaxStartups 100:30:200
Subsystem sftp internal-sftp
`, nodeDir, c.StateDir)
}

// clientFiles writes known_hosts, the nodes file and ssh_config.
func clientFiles(c *Cluster, hostKeys map[string]gossh.PublicKey) error {
	var kh, nodes, cfg strings.Builder
	for _, n := range c.Nodes {
		kh.WriteString(knownhosts.Line([]string{n.Name, n.Addr.String()}, hostKeys[n.Name]) + "\n")
		nodes.WriteString(n.Name + "\n")
		fmt.Fprintf(&cfg, "Host %s\n  HostName %s\n  User %s\n  IdentityFile %s\n  UserKnownHostsFile %s\n  StrictHostKeyChecking yes\n  IdentitiesOnly yes\n\n",
			n.Name, n.Addr, c.User, c.PrivateKey, c.KnownHosts)
	}
	files := map[string]string{
		c.KnownHosts:                            kh.String(),
		filepath.Join(c.StateDir, "nodes"):      nodes.String(),
		filepath.Join(c.StateDir, "ssh_config"): cfg.String(),
	}
	for f, content := range files {
		if err := writeFileAtomic(f, []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}
