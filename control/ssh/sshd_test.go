package ssh_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// sshd is a real OpenSSH server started on loopback for one test.
type sshd struct {
	dir        string
	addr       string
	pid        int
	hostKey    gossh.PublicKey
	userKey    string // private key file accepted for root
	knownHosts string
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("this test needs root to run sshd; CI must run as root")
	}
	t.Skip("needs root to run sshd")
}

// writeKey writes a new ed25519 private key in OpenSSH format and returns
// its public half.
func writeKey(t *testing.T, file string) gossh.PublicKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	sp, err := gossh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func startSSHD(t *testing.T) *sshd {
	t.Helper()
	needRoot(t)
	sshdBin, err := exec.LookPath("sshd")
	if err != nil {
		sshdBin = "/usr/sbin/sshd"
	}
	if _, err := os.Stat(sshdBin); err != nil {
		t.Fatalf("openssh-server is not installed (run scripts/setup.sh): %v", err)
	}
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil { // sshd's privilege separation dir
		t.Fatal(err)
	}
	s := &sshd{dir: t.TempDir()}
	s.hostKey = writeKey(t, filepath.Join(s.dir, "host_key"))
	s.userKey = filepath.Join(s.dir, "id_ed25519")
	userPub := writeKey(t, s.userKey)
	if err := os.WriteFile(filepath.Join(s.dir, "authorized_keys"), gossh.MarshalAuthorizedKey(userPub), 0o600); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	s.addr = fmt.Sprintf("127.0.0.1:%d", port)
	cfg := fmt.Sprintf(`Port %d
ListenAddress 127.0.0.1
HostKey %s/host_key
AuthorizedKeysFile %s/authorized_keys
PidFile %s/sshd.pid
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication no
MaxSessions 30
MaxStartups 50
Subsystem sftp internal-sftp
`, port, s.dir, s.dir, s.dir)
	if err := os.WriteFile(filepath.Join(s.dir, "sshd_config"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	s.knownHosts = filepath.Join(s.dir, "known_hosts")
	if err := os.WriteFile(s.knownHosts, []byte(knownhosts.Line([]string{s.addr}, s.hostKey)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// sshd runs in a mount namespace of its own where root's login shell is
	// /bin/sh, so that commands do not pay for whatever the host root's
	// ~/.bashrc does (on the project machine, pyenv: 0.1 s to 60 s).
	passwd, err := os.ReadFile("/etc/passwd")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(passwd), "\n")
	for i, l := range lines {
		if f := strings.Split(l, ":"); len(f) == 7 && f[0] == "root" {
			f[6] = "/bin/sh"
			lines[i] = strings.Join(f, ":")
		}
	}
	if err := os.WriteFile(filepath.Join(s.dir, "passwd"), []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "sh", "-c", `mount --bind "$1" /etc/passwd && exec "$2" -D -e -f "$3"`,
		"sh", filepath.Join(s.dir, "passwd"), sshdBin, filepath.Join(s.dir, "sshd_config"))
	var log strings.Builder
	cmd.Stderr = &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.pid = cmd.Process.Pid
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		// Per-connection children outlive a killed listener; end them too.
		exec.Command("pkill", "-KILL", "-P", fmt.Sprint(s.pid)).Run()
	})
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", s.addr)
		if err == nil {
			c.Close()
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("sshd did not listen on %s: %s", s.addr, log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// killSessions kills sshd's per-connection processes, dropping every open
// connection the way a network failure or a restarted sshd would.
func (s *sshd) killSessions(t *testing.T) {
	t.Helper()
	out, _ := exec.Command("pgrep", "-P", fmt.Sprint(s.pid)).Output()
	pids := strings.Fields(string(out))
	if len(pids) == 0 {
		t.Fatal("no sshd session process to kill")
	}
	for _, p := range pids {
		exec.Command("kill", "-KILL", p).Run()
	}
}
