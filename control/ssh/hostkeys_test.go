package ssh_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/faultline/faultline/control/ssh"
)

// A known_hosts holding any one of a node's host keys is enough, whichever
// type it is and whether the host name is hashed (Debian's default); a key
// that is not the node's is refused, naming the key shown and the one held.
func TestKnownHostsHoldingOneKeyOfAnyTypeIsEnough(t *testing.T) {
	s := startSSHD(t)
	wrong := writeKey(t, filepath.Join(t.TempDir(), "wrong"))
	ec384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	absentType, err := gossh.NewPublicKey(&ec384.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	host := knownhosts.Normalize(s.addr)
	cases := []struct {
		name  string
		line  string
		shown string // the key type a refusal names as shown; "" = must connect
	}{
		{"only ed25519", knownhosts.Line([]string{s.addr}, s.hostKeys[gossh.KeyAlgoED25519]), ""},
		{"only ecdsa", knownhosts.Line([]string{s.addr}, s.hostKeys[gossh.KeyAlgoECDSA256]), ""},
		{"only rsa", knownhosts.Line([]string{s.addr}, s.hostKeys[gossh.KeyAlgoRSA]), ""},
		{"only ed25519, host name hashed", knownhosts.Line([]string{knownhosts.HashHostname(host)}, s.hostKeys[gossh.KeyAlgoED25519]), ""},
		// Not the node's: an ed25519 key is asked for and shown, and differs.
		{"a wrong ed25519 key", knownhosts.Line([]string{s.addr}, wrong), gossh.KeyAlgoED25519 + " " + gossh.FingerprintSHA256(s.hostKeys[gossh.KeyAlgoED25519])},
		// A type the node lacks: it shows another of its keys, refused too.
		{"a key of a type the node has not", knownhosts.Line([]string{s.addr}, absentType), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := s.config()
			cfg.KnownHostsFiles = []string{filepath.Join(t.TempDir(), "known_hosts")}
			if err := os.WriteFile(cfg.KnownHostsFiles[0], []byte(c.line+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			conn, err := ssh.Remote{Config: cfg}.Connect(context.Background(), "node")
			refused := strings.HasPrefix(c.name, "a ")
			if !refused {
				if err != nil {
					t.Fatalf("known_hosts holding %s: %v", c.name, err)
				}
				defer conn.Close()
				if got := run(t, conn, "echo", "in"); got != "in\n" {
					t.Fatalf("got %q", got)
				}
				return
			}
			var he *ssh.HostKeyError
			if !errors.As(err, &he) {
				t.Fatalf("known_hosts holding %s: got %v, want a HostKeyError", c.name, err)
			}
			held := strings.Fields(c.line)
			heldKey, _, _, _, _ := gossh.ParseAuthorizedKey([]byte(held[1] + " " + held[2]))
			for _, want := range []string{
				"the host key differs from the one in " + cfg.KnownHostsFiles[0] + ":1",
				"someone is in the middle",
				"known_hosts holds " + heldKey.Type() + " " + gossh.FingerprintSHA256(heldKey),
				"ssh-keygen -R " + host,
				c.shown,
			} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("refusal %q does not say %q", err, want)
				}
			}
			if he.Presented == nil || gossh.FingerprintSHA256(he.Presented) == gossh.FingerprintSHA256(heldKey) {
				t.Errorf("the refusal names the key shown as %v", he.Presented)
			}
		})
	}
}
