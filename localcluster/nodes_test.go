package localcluster_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/control/ssh"
)

func unique(prefix string) string {
	b := make([]byte, 4)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func TestEachNodeAnswersWithItsOwnHostname(t *testing.T) {
	c, cs := conns(t)
	hostShell, _ := exec.Command("sh", "-c", "getent passwd root | cut -d: -f7").Output()
	for _, n := range c.NodeNames() {
		if got := sh(t, cs[n], "hostname; cat /etc/hostname; getent passwd root | cut -d: -f7"); got != n+"\n"+n+"\n/bin/sh" {
			t.Errorf("%s says it is %q (want its name twice and root's shell /bin/sh)", n, got)
		}
	}
	if after, _ := exec.Command("sh", "-c", "getent passwd root | cut -d: -f7").Output(); string(after) != string(hostShell) {
		t.Errorf("the host's root shell changed from %q to %q", hostShell, after)
	}
}

func TestKillByNameLeavesOtherNodesAlone(t *testing.T) {
	c, cs := conns(t)
	name := unique("flsleep")
	// A uniquely named copy of sleep, so the test can find its processes by
	// name and never touches anyone else's.
	bin := filepath.Join("/tmp", name)
	for _, n := range c.NodeNames() {
		sh(t, cs[n], `cp "$(command -v sleep)" "$1" && setsid "$1" 300 >/dev/null 2>&1 < /dev/null &`, bin)
	}
	t.Cleanup(func() {
		for _, n := range c.NodeNames() {
			cs[n].Run(context.Background(), control.Cmd{Argv: []string{"pkill", "-KILL", "-x", name}})
		}
	})
	for _, n := range c.NodeNames() {
		if got := sh(t, cs[n], `pgrep -x "$1" | wc -l`, name); got != "1" {
			t.Fatalf("%s runs %s processes named %s, want 1 (PID namespaces should hide the others')", n, got, name)
		}
	}
	sh(t, cs["n1"], `pkill -x "$1"; sleep 0.1; pgrep -x "$1" || true`, name)
	if got := sh(t, cs["n1"], `pgrep -x "$1" | wc -l`, name); got != "0" {
		t.Fatalf("n1 still runs %s after pkill", name)
	}
	for _, n := range c.NodeNames()[1:] {
		if got := sh(t, cs[n], `pgrep -x "$1" | wc -l`, name); got != "1" {
			t.Errorf("killing by name on n1 also killed it on %s", n)
		}
	}
}

func TestFilesUnderPrivateTreesAreInvisibleElsewhere(t *testing.T) {
	c, cs := conns(t)
	name := unique("fltest-")
	var files []string
	for _, dir := range []string{"/var/lib", "/etc", "/tmp", "/opt", "/root", "/var/log"} {
		files = append(files, filepath.Join(dir, name))
	}
	// One command per node: each login costs a session.
	const count = `n=0; for f in "$@"; do test -e "$f" && n=$((n+1)); done; echo $n`
	sh(t, cs["n2"], `for f in "$@"; do echo n2 > "$f"; done`, files...)
	if got := sh(t, cs["n2"], count, files...); got != "6" {
		t.Fatalf("n2 sees %s of the 6 files it wrote", got)
	}
	for _, n := range c.NodeNames() {
		if n == "n2" {
			continue
		}
		if got := sh(t, cs[n], count, files...); got != "0" {
			t.Errorf("%s sees %s of the files written on n2 under %s, want 0", n, got, name)
		}
	}
	for _, f := range files {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s written on n2 appeared on the host", f)
		}
	}
}

func TestUploadDownloadTenMegabytesByteForByte(t *testing.T) {
	_, cs := conns(t)
	data := make([]byte, 10<<20)
	rand.Read(data)
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	remote := "/var/lib/" + unique("flblob-")
	if err := cs["n3"].Upload(context.Background(), src, remote); err != nil {
		t.Fatal(err)
	}
	if got := sh(t, cs["n3"], `wc -c < "$1"`, remote); got != strconv.Itoa(len(data)) {
		t.Fatalf("n3 holds %s bytes, want %d", got, len(data))
	}
	back := filepath.Join(dir, "back")
	if err := cs["n3"].Download(context.Background(), remote, back); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(back)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("the file changed on the round trip (%d bytes back, err %v)", len(got), err)
	}
}

func TestSudoToAnotherUser(t *testing.T) {
	_, cs := conns(t)
	res, err := cs["n1"].Run(context.Background(), control.Cmd{Argv: []string{"id", "-un"}, Sudo: "nobody"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(res.Stdout)); got != "nobody" {
		t.Fatalf("ran as %q, want nobody", got)
	}
}

// A user with a password, made inside n4's private /etc, logs in with the
// password and uses sudo with its password.
func TestPasswordLoginAndSudoWithPassword(t *testing.T) {
	c, cs := conns(t)
	user, pw := unique("u"), "pa ss'$word"
	sh(t, cs["n4"], `useradd -M -d /var/lib/"$1" -s /bin/sh "$1" && printf '%s:%s\n' "$1" "$2" | chpasswd && echo "$1 ALL=(ALL) ALL" > /etc/sudoers.d/"$1"`, user, pw)
	cfg := c.SSHConfig()
	cfg.User, cfg.Password, cfg.PrivateKeyFiles = user, pw, []string{}
	conn, err := ssh.Remote{Config: cfg}.Connect(context.Background(), "n4")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	res, err := conn.Run(context.Background(), control.Cmd{Argv: []string{"sh", "-c", `id -un; cat`}, Sudo: "root", SudoPassword: pw, Stdin: strings.NewReader("payload")})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(res.Stdout); got != "root\npayload" {
		t.Fatalf("got %q, want root and the stdin without the password line", got)
	}
	_, err = conn.Run(context.Background(), control.Cmd{Argv: []string{"id"}, Sudo: "root", SudoPassword: "wrong"})
	var ee *control.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("a wrong sudo password: got %v, want an exit error", err)
	}
	if out := sh(t, cs["n5"], `id "$1" >/dev/null 2>&1 && echo exists || echo absent`, user); out != "absent" {
		t.Fatalf("the user made on n4 %s on n5", out)
	}
}

func TestAwkwardArgumentsArriveIntact(t *testing.T) {
	_, cs := conns(t)
	awkward := []string{"two words", `it's "quoted"`, "$HOME $(id) `id` ${X:-y}", "line1\nline2\n", "", `back\slash`, "*", ";&|<>"}
	res, err := cs["n5"].Run(context.Background(), control.Cmd{Argv: append([]string{"sh", "-c", `for a in "$@"; do printf '%s\0' "$a"; done`, "sh"}, awkward...)})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(res.Stdout), "\x00"), "\x00")
	if !reflect.DeepEqual(got, awkward) {
		t.Fatalf("got  %q\nwant %q", got, awkward)
	}
}

// sessionPIDs lists the host PIDs of a node's per-connection sshd processes
// (children of the node's sshd, its init).
func sessionPIDs(t *testing.T, initPID int) []string {
	out, _ := exec.Command("pgrep", "-P", strconv.Itoa(initPID)).Output()
	return strings.Fields(string(out))
}

func TestReconnectAfterSessionKilledAndNoRetryOfFailures(t *testing.T) {
	c, cs := conns(t)
	n2, _ := c.Node("n2")
	conn := cs["n2"]
	sh(t, conn, "true")
	pids := sessionPIDs(t, n2.InitPID)
	if len(pids) == 0 {
		t.Fatal("found no sshd session process for our connection")
	}
	for _, p := range pids {
		exec.Command("kill", "-KILL", p).Run()
	}
	if got := sh(t, conn, "echo back; hostname"); got != "back\nn2" {
		t.Fatalf("after the drop: %q", got)
	}
	marker := "/tmp/" + unique("flonce-")
	_, err := conn.Run(context.Background(), control.Cmd{Argv: []string{"sh", "-c", `echo x >> "$1"; exit 9`, "sh", marker}})
	var ee *control.ExitError
	if !errors.As(err, &ee) || ee.Result.ExitCode != 9 || ee.Node != "n2" {
		t.Fatalf("got %v, want exit 9 on n2", err)
	}
	if got := sh(t, conn, `wc -l < "$1"`, marker); got != "1" {
		t.Fatalf("a failing command ran %s times, want once", got)
	}
}

func TestNodesReachEachOtherButNothingOutside(t *testing.T) {
	c, cs := conns(t)
	n2, _ := c.Node("n2")
	if got := sh(t, cs["n1"], `bash -c 'exec 3<>/dev/tcp/n2/22 && echo open'`); got != "open" {
		t.Fatalf("n1 cannot reach n2:22: %q", got)
	}
	if got := sh(t, cs["n1"], `ip route`); strings.Contains(got, "default") || !strings.Contains(got, c.Subnet.String()) {
		t.Fatalf("n1 must route only its /24 (%s), got %q", c.Subnet, got)
	}
	// Other code reaches into a node through its exported namespace names.
	out, err := exec.Command("ip", "netns", "exec", n2.NetNS, "ip", "-br", "-4", "addr", "show", "eth0").Output()
	if err != nil || !strings.Contains(string(out), n2.Addr.String()) {
		t.Fatalf("ip netns exec %s: %q %v", n2.NetNS, out, err)
	}
	out, err = exec.Command("nsenter", "--target", strconv.Itoa(n2.InitPID), "--uts", "hostname").Output()
	if err != nil || strings.TrimSpace(string(out)) != "n2" {
		t.Fatalf("nsenter --target %d --uts hostname: %q %v", n2.InitPID, out, err)
	}
}
