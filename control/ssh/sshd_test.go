package ssh_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// sshd is a real OpenSSH server started on loopback for one test. Like a
// stock sshd it has an ed25519, an ecdsa and an rsa host key; known_hosts
// holds only the ed25519 one, as a known_hosts written by ssh-keyscan -t
// ed25519 (or by a client that negotiated ed25519) does.
type sshd struct {
	dir        string
	addr       string
	pid        int
	hostKey    gossh.PublicKey            // the ed25519 one
	hostKeys   map[string]gossh.PublicKey // by key type
	userKey    string                     // private key file accepted for root
	knownHosts string
}

// hostKeyTypes are the host key types every test sshd has.
var hostKeyTypes = []string{gossh.KeyAlgoED25519, gossh.KeyAlgoECDSA256, gossh.KeyAlgoRSA}

// hostPrivateKeys are generated once per test binary (an RSA key takes a
// while) and shared by every sshd.
var hostPrivateKeys = sync.OnceValues(func() (map[string]crypto.Signer, error) {
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	rs, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	return map[string]crypto.Signer{gossh.KeyAlgoED25519: ed, gossh.KeyAlgoECDSA256: ec, gossh.KeyAlgoRSA: rs}, nil
})

// writeHostKeys writes the host keys into dir as host_key_<type> and
// returns their public halves.
func writeHostKeys(t *testing.T, dir string) map[string]gossh.PublicKey {
	t.Helper()
	privs, err := hostPrivateKeys()
	if err != nil {
		t.Fatal(err)
	}
	pubs := map[string]gossh.PublicKey{}
	for _, typ := range hostKeyTypes {
		block, err := gossh.MarshalPrivateKey(privs[typ], "")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "host_key_"+typ), pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
		if pubs[typ], err = gossh.NewPublicKey(privs[typ].Public()); err != nil {
			t.Fatal(err)
		}
	}
	return pubs
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
	s.hostKeys = writeHostKeys(t, s.dir)
	s.hostKey = s.hostKeys[gossh.KeyAlgoED25519]
	s.userKey = filepath.Join(s.dir, "id_ed25519")
	userPub := writeKey(t, s.userKey)
	if err := os.WriteFile(filepath.Join(s.dir, "authorized_keys"), gossh.MarshalAuthorizedKey(userPub), 0o600); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	s.addr = fmt.Sprintf("127.0.0.1:%d", port)
	cfg := fmt.Sprintf(`Port %d
ListenAddress 127.0.0.1
HostKey %[2]s/host_key_ssh-ed25519
HostKey %[2]s/host_key_ecdsa-sha2-nistp256
HostKey %[2]s/host_key_ssh-rsa
AuthorizedKeysFile %[2]s/authorized_keys
PidFile %[2]s/sshd.pid
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication no
MaxSessions 30
MaxStartups 50
Subsystem sftp internal-sftp
`, port, s.dir)
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
