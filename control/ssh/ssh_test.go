package ssh_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ssh/agent"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/control/ssh"
)

func (s *sshd) config() ssh.Config {
	return ssh.Config{
		Addrs:           map[string]string{"node": s.addr},
		PrivateKeyFiles: []string{s.userKey},
		NoAgent:         true,
		KnownHostsFiles: []string{s.knownHosts},
		RetryDelay:      10 * time.Millisecond,
	}
}

func connect(t *testing.T, cfg ssh.Config) control.Conn {
	t.Helper()
	c, err := ssh.Remote{Config: cfg}.Connect(context.Background(), "node")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func run(t *testing.T, c control.Conn, argv ...string) string {
	t.Helper()
	res, err := c.Run(context.Background(), control.Cmd{Argv: argv})
	if err != nil {
		t.Fatal(err)
	}
	return string(res.Stdout)
}

func TestRunArgvStdinEnvDirArriveIntact(t *testing.T) {
	s := startSSHD(t)
	c := connect(t, s.config())
	awkward := []string{"two words", `it's "quoted"`, "$HOME $(id) `id`", "line1\nline2", "", `back\slash`}
	res, err := c.Run(context.Background(), control.Cmd{
		Argv:  append([]string{"sh", "-c", `for a in "$@"; do printf '%s\0' "$a"; done; printf '%s|%s|' "$PWD" "$V"; cat`, "sh"}, awkward...),
		Env:   []string{"V=x y"},
		Dir:   s.dir,
		Stdin: strings.NewReader("in\x00put"),
	})
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(string(res.Stdout), "\x00")
	if got := parts[:len(awkward)]; !reflect.DeepEqual(got, awkward) {
		t.Fatalf("arguments changed in transit:\n got  %q\n want %q", got, awkward)
	}
	if rest := strings.Join(parts[len(awkward):], "\x00"); rest != s.dir+"|x y|in\x00put" {
		t.Fatalf("dir/env/stdin: got %q", rest)
	}
}

func TestFailedCommandIsExitErrorAndNotRetried(t *testing.T) {
	s := startSSHD(t)
	c := connect(t, s.config())
	marker := filepath.Join(s.dir, "ran")
	_, err := c.Run(context.Background(), control.Cmd{Argv: []string{"sh", "-c", `echo once >> "$1"; echo broken >&2; exit 3`, "sh", marker}})
	var ee *control.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("got %v, want *control.ExitError", err)
	}
	if ee.Result.ExitCode != 3 || ee.Node != "node" || !strings.Contains(err.Error(), "broken") {
		t.Fatalf("exit error lacks code/node/stderr: %v", err)
	}
	if b, _ := os.ReadFile(marker); string(b) != "once\n" {
		t.Fatalf("a failed command must run exactly once; marker holds %q", b)
	}
}

func TestReconnectsAfterConnectionDropped(t *testing.T) {
	s := startSSHD(t)
	c := connect(t, s.config())
	before := run(t, c, "echo", "before")
	s.killSessions(t)
	after := run(t, c, "echo", "after")
	if before != "before\n" || after != "after\n" {
		t.Fatalf("got %q then %q", before, after)
	}
}

func TestCommandCutOffMidRunIsNotRetried(t *testing.T) {
	s := startSSHD(t)
	c := connect(t, s.config())
	marker := filepath.Join(s.dir, "started")
	errc := make(chan error, 1)
	go func() {
		_, err := c.Run(context.Background(), control.Cmd{Argv: []string{"sh", "-c", `echo once >> "$1"; sleep 5`, "sh", marker}})
		errc <- err
	}()
	for i := 0; ; i++ {
		if _, err := os.Stat(marker); err == nil {
			break
		}
		if i > 200 {
			t.Fatal("command never started")
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.killSessions(t)
	err := <-errc
	var te *ssh.TransportError
	if !errors.As(err, &te) || !te.Started {
		t.Fatalf("got %v, want a TransportError for a started command", err)
	}
	if b, _ := os.ReadFile(marker); string(b) != "once\n" {
		t.Fatalf("command cut off mid-run was run again: marker holds %q", b)
	}
	if got := run(t, c, "echo", "next"); got != "next\n" {
		t.Fatalf("next command after the drop: %q", got)
	}
}

func TestConcurrentSessionsAreBounded(t *testing.T) {
	s := startSSHD(t)
	cfg := s.config()
	cfg.MaxSessions = 2
	c := connect(t, cfg)
	log := filepath.Join(s.dir, "sessions")
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run(t, c, "sh", "-c", `echo + >> "$1"; sleep 1; echo - >> "$1"`, "sh", log)
		}()
	}
	wg.Wait()
	b, _ := os.ReadFile(log)
	cur, peak := 0, 0
	for _, l := range strings.Fields(string(b)) {
		if l == "+" {
			cur++
		} else {
			cur--
		}
		peak = max(peak, cur)
	}
	// Unbounded, six one-second commands would overlap up to six deep;
	// on a loaded machine session setup may keep them from overlapping
	// at all, so only the bound is asserted.
	if peak < 1 || peak > 2 {
		t.Fatalf("peak concurrent sessions %d, want at most 2 (log %q)", peak, b)
	}
}

func TestContextCancelStopsCommand(t *testing.T) {
	s := startSSHD(t)
	c := connect(t, s.config())
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Run(ctx, control.Cmd{Argv: []string{"sleep", "10"}})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 3*time.Second {
		t.Fatalf("got %v after %v, want deadline exceeded promptly", err, time.Since(start))
	}
}

func TestAuthFailureSaysWhatToCheck(t *testing.T) {
	s := startSSHD(t)
	cfg := s.config()
	other := filepath.Join(t.TempDir(), "other_key")
	writeKey(t, other)
	cfg.PrivateKeyFiles = []string{other}
	cfg.User = "root"
	_, err := ssh.Remote{Config: cfg}.Connect(context.Background(), "node")
	var ae *ssh.AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want *ssh.AuthError", err)
	}
	for _, want := range []string{"node", other, "authorized_keys", "ssh-agent", `user "root"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("auth error %q does not mention %q", err, want)
		}
	}
}

func TestMissingKeyFileIsNamed(t *testing.T) {
	cfg := ssh.Config{PrivateKeyFiles: []string{"/nonexistent/key"}, NoAgent: true, InsecureIgnoreHostKey: true, Addrs: map[string]string{"node": "127.0.0.1:1"}}
	_, err := ssh.Remote{Config: cfg}.Connect(context.Background(), "node")
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/key") {
		t.Fatalf("got %v, want an error naming the key file", err)
	}
}

func TestHostKeyChecking(t *testing.T) {
	s := startSSHD(t)
	cfg := s.config()
	cfg.KnownHostsFiles = []string{filepath.Join(t.TempDir(), "empty")}
	os.WriteFile(cfg.KnownHostsFiles[0], nil, 0o600)
	_, err := ssh.Remote{Config: cfg}.Connect(context.Background(), "node")
	var he *ssh.HostKeyError
	if !errors.As(err, &he) || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("unknown host: got %v, want HostKeyError saying not found", err)
	}

	changed := filepath.Join(t.TempDir(), "changed")
	otherHost := writeKey(t, filepath.Join(t.TempDir(), "k"))
	os.WriteFile(changed, []byte(fmt.Sprintf("[127.0.0.1]:%s %s", strings.Split(s.addr, ":")[1], bytes.TrimSpace(marshal(otherHost)))), 0o600)
	cfg.KnownHostsFiles = []string{changed}
	_, err = ssh.Remote{Config: cfg}.Connect(context.Background(), "node")
	if !errors.As(err, &he) || !strings.Contains(err.Error(), "differs") {
		t.Fatalf("changed host key: got %v, want HostKeyError saying it differs", err)
	}

	cfg.InsecureIgnoreHostKey = true
	c := connect(t, cfg)
	if got := run(t, c, "echo", "ok"); got != "ok\n" {
		t.Fatalf("with checking off: %q", got)
	}
}

func TestAgentAuth(t *testing.T) {
	s := startSSHD(t)
	raw, err := os.ReadFile(s.userKey)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := parseRaw(raw)
	if err != nil {
		t.Fatal(err)
	}
	keyring := agent.NewKeyring()
	// A decoy first, as real agents hold several keys.
	_, decoy, _ := ed25519.GenerateKey(rand.Reader)
	keyring.Add(agent.AddedKey{PrivateKey: decoy})
	keyring.Add(agent.AddedKey{PrivateKey: priv})
	sock := filepath.Join(t.TempDir(), "agent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go agent.ServeAgent(keyring, c)
		}
	}()
	cfg := s.config()
	cfg.PrivateKeyFiles = []string{}
	cfg.NoAgent = false
	cfg.AgentSocket = sock
	c := connect(t, cfg)
	if got := run(t, c, "echo", "via agent"); got != "via agent\n" {
		t.Fatalf("got %q", got)
	}
}

func TestUploadDownloadTenMegabytes(t *testing.T) {
	s := startSSHD(t)
	c := connect(t, s.config())
	data := make([]byte, 10<<20)
	rand.Read(data)
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	os.WriteFile(src, data, 0o644)
	remote := filepath.Join(s.dir, "remote file")
	if err := c.Upload(context.Background(), src, remote); err != nil {
		t.Fatal(err)
	}
	back := filepath.Join(dir, "back")
	if err := c.Download(context.Background(), remote, back); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(back)
	if !bytes.Equal(got, data) {
		t.Fatalf("round trip changed the file: %d bytes back of %d", len(got), len(data))
	}
	err := c.Download(context.Background(), filepath.Join(s.dir, "absent"), back)
	if err == nil || !strings.Contains(err.Error(), "absent") || !strings.Contains(err.Error(), "on node") {
		t.Fatalf("download of a missing file: got %v", err)
	}
}

func TestSudoToAnotherUser(t *testing.T) {
	s := startSSHD(t)
	c := connect(t, s.config())
	res, err := c.Run(context.Background(), control.Cmd{Argv: []string{"id", "-un"}, Sudo: "nobody"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(res.Stdout)); got != "nobody" {
		t.Fatalf("ran as %q, want nobody", got)
	}
}

// A node whose transport keeps failing is dialled Retries+1 times, then the
// error says how many tries were made.
func TestConnectRetriesTransportFailuresThenGivesUp(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var accepted atomic.Int32
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close() // hang up before the SSH handshake
		}
	}()
	key := filepath.Join(t.TempDir(), "key")
	writeKey(t, key)
	cfg := ssh.Config{Addrs: map[string]string{"node": l.Addr().String()}, PrivateKeyFiles: []string{key}, NoAgent: true,
		InsecureIgnoreHostKey: true, Retries: 2, RetryDelay: time.Millisecond}
	_, err = ssh.Remote{Config: cfg}.Connect(context.Background(), "node")
	var te *ssh.TransportError
	if !errors.As(err, &te) || te.Started || !strings.Contains(err.Error(), "gave up after 3 tries") {
		t.Fatalf("got %v, want a TransportError after 3 tries", err)
	}
	if n := accepted.Load(); n != 3 {
		t.Fatalf("dialled %d times, want 3", n)
	}
}

func TestCommandKilledBySignalIsExitError(t *testing.T) {
	s := startSSHD(t)
	c := connect(t, s.config())
	_, err := c.Run(context.Background(), control.Cmd{Argv: []string{"sh", "-c", "kill -KILL $$"}})
	var ee *control.ExitError
	if !errors.As(err, &ee) || ee.Result.ExitCode != 128+9 {
		t.Fatalf("got %v, want an exit error with status 137", err)
	}
}
