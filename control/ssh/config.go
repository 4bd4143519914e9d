// Package ssh is the control.Remote for real machines: it logs in over SSH
// (golang.org/x/crypto/ssh) and moves files over SFTP (github.com/pkg/sftp).
//
// Authentication tries, in order, the private key files, the keys held by
// ssh-agent, and a password. Host keys are checked against known_hosts unless
// that is turned off explicitly; a node is asked first for the key types
// known_hosts holds for it (hostkeys.go), so one key of any type is enough,
// and a refusal names the key shown and the keys held. Each node gets one SSH connection, shared by
// at most MaxSessions concurrent commands, kept alive with keepalive
// requests, and re-dialled when the transport breaks. A command is retried
// only when it never started (dial, handshake or session setup failed): a
// command that ran and failed, or whose connection dropped while it ran,
// is reported and never run twice, because running it again might not be
// harmless.
package ssh

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Config says how to log in to nodes. The zero value logs in as root on port
// 22 with the default key files and the agent, checking ~/.ssh/known_hosts.
type Config struct {
	User string // "root" when empty
	Port int    // 22 when zero
	// Addrs maps node names to the address to dial (host or host:port), for
	// nodes whose names do not resolve; a node not in the map is dialled by
	// its name.
	Addrs map[string]string

	// PrivateKeyFiles are tried first. When nil, ~/.ssh/id_ed25519,
	// id_ecdsa and id_rsa are tried if they exist.
	PrivateKeyFiles []string
	// AgentSocket is the ssh-agent socket; $SSH_AUTH_SOCK when empty. Set
	// NoAgent to not use an agent at all.
	AgentSocket string
	NoAgent     bool
	// Password is tried last, when set.
	Password string

	// KnownHostsFiles are checked for host keys; ~/.ssh/known_hosts when
	// nil. InsecureIgnoreHostKey accepts any host key (the user's explicit
	// choice, e.g. --strict-host-key-checking=false).
	KnownHostsFiles       []string
	InsecureIgnoreHostKey bool

	ConnectTimeout time.Duration // 10s when zero
	KeepAlive      time.Duration // 15s when zero; negative turns keepalives off
	MaxSessions    int           // concurrent commands per node; 8 when zero
	// Retries is how many more times a command that could not be started
	// is tried, re-dialling in between; 3 when zero, none when negative.
	Retries    int
	RetryDelay time.Duration // first pause between tries, doubling; 200ms when zero
}

func (c Config) user() string {
	if c.User == "" {
		return "root"
	}
	return c.User
}

// addr is the host:port to dial for node.
func (c Config) addr(node string) string {
	host := node
	if a, ok := c.Addrs[node]; ok {
		host = a
	}
	if _, _, err := net.SplitHostPort(host); err == nil {
		return host
	}
	port := c.Port
	if port == 0 {
		port = 22
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

func orDuration(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

func (c Config) retries() int {
	switch {
	case c.Retries < 0:
		return 0
	case c.Retries == 0:
		return 3
	}
	return c.Retries
}

func (c Config) maxSessions() int {
	if c.MaxSessions <= 0 {
		return 8
	}
	return c.MaxSessions
}

// auth is what clientConfig decided, kept to explain a refused login.
type auth struct {
	methods  []gossh.AuthMethod
	keyFiles []string // the key files that were loaded
	agent    string   // the agent socket used, if any
	password bool
	closers  []func()
}

// authMethods loads keys, connects to the agent and adds the password. A key
// file that was named explicitly and cannot be read is an error; default key
// files that do not exist are skipped.
func (c Config) authMethods() (*auth, error) {
	a := &auth{}
	files, explicit := c.PrivateKeyFiles, true
	if files == nil {
		explicit = false
		if home, err := os.UserHomeDir(); err == nil {
			for _, n := range []string{"id_ed25519", "id_ecdsa", "id_rsa"} {
				files = append(files, filepath.Join(home, ".ssh", n))
			}
		}
	}
	var signers []gossh.Signer
	for _, f := range files {
		pem, err := os.ReadFile(f)
		if err != nil {
			if explicit {
				return nil, fmt.Errorf("ssh private key %s: %w", f, err)
			}
			continue
		}
		s, err := gossh.ParsePrivateKey(pem)
		if err != nil {
			var missing *gossh.PassphraseMissingError
			if errors.As(err, &missing) {
				if explicit {
					return nil, fmt.Errorf("ssh private key %s is protected by a passphrase: load it into ssh-agent (ssh-add %s) instead", f, f)
				}
				continue
			}
			return nil, fmt.Errorf("ssh private key %s: %w", f, err)
		}
		signers = append(signers, s)
		a.keyFiles = append(a.keyFiles, f)
	}
	if len(signers) > 0 {
		a.methods = append(a.methods, gossh.PublicKeys(signers...))
	}
	if !c.NoAgent {
		sock := c.AgentSocket
		if sock == "" {
			sock = os.Getenv("SSH_AUTH_SOCK")
		}
		if sock != "" {
			conn, err := net.Dial("unix", sock)
			if err != nil {
				return nil, fmt.Errorf("ssh-agent at %s: %w (unset SSH_AUTH_SOCK or start the agent)", sock, err)
			}
			a.closers = append(a.closers, func() { conn.Close() })
			a.methods = append(a.methods, gossh.PublicKeysCallback(agent.NewClient(conn).Signers))
			a.agent = sock
		}
	}
	if c.Password != "" {
		a.methods = append(a.methods, gossh.Password(c.Password))
		a.password = true
	}
	if len(a.methods) == 0 {
		return nil, fmt.Errorf("no way to log in over ssh: no private key file (looked for %s), no ssh-agent (SSH_AUTH_SOCK is empty) and no password", strings.Join(files, ", "))
	}
	return a, nil
}

func (a *auth) close() {
	for _, f := range a.closers {
		f()
	}
}

// hostKeyCallback checks host keys against known_hosts, or accepts any when
// the user turned checking off.
func (c Config) hostKeyCallback() (gossh.HostKeyCallback, []string, error) {
	if c.InsecureIgnoreHostKey {
		return gossh.InsecureIgnoreHostKey(), nil, nil
	}
	files := c.KnownHostsFiles
	if files == nil {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, nil, fmt.Errorf("finding ~/.ssh/known_hosts: %w", err)
		}
		files = []string{filepath.Join(home, ".ssh", "known_hosts")}
	}
	cb, err := knownhosts.New(files...)
	if err != nil {
		return nil, nil, fmt.Errorf("reading known_hosts (%s): %w; create it with ssh-keyscan, or turn host key checking off", strings.Join(files, ", "), err)
	}
	return cb, files, nil
}
