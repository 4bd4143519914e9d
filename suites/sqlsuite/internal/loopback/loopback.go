// Package loopback starts real database servers on this machine's loopback
// interface for the SQL suite's tests: a MariaDB and a PostgreSQL in a
// temporary directory each, gone when the test ends. Tests that need one
// skip, saying which binary is missing, when the server is not installed.
package loopback

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Server is a running server's address and login.
type Server struct {
	Protocol string // "mysql" or "postgres"
	Host     string
	Port     int
	User     string
	Password string
	Database string
	// Log is the server's log file.
	Log string
}

// find returns the path of the first of names that exists, or skips t.
func find(t testing.TB, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	t.Skipf("%s not installed: this test needs a real server", strings.Join(names, " or "))
	return ""
}

// freePort asks the kernel for a free loopback port.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// run runs a setup command, failing t with its output.
func run(t testing.TB, cmd *exec.Cmd) {
	t.Helper()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
}

// start starts a long-running server and stops it (SIGTERM, then SIGKILL
// after 10 s) when the test ends.
func start(t testing.TB, cmd *exec.Cmd, log string) {
	t.Helper()
	f, err := os.Create(log + ".out")
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = f, f
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", cmd.Path, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); f.Close(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})
}

// waitReady waits up to 60 s until ready returns nil, failing t with the
// tail of log.
func waitReady(t testing.TB, log string, ready func() error) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var err error
	for time.Now().Before(deadline) {
		if err = ready(); err == nil {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	tail, _ := os.ReadFile(log)
	if len(tail) > 3000 {
		tail = tail[len(tail)-3000:]
	}
	t.Fatalf("server did not become ready in 60 s: %v\n%s:\n%s", err, log, tail)
}

// MariaDB starts a MariaDB server (mariadbd as root) with a user
// faultline/faultline and a database faultline.
func MariaDB(t testing.TB) Server {
	t.Helper()
	mariadbd := find(t, "mariadbd", "/usr/sbin/mariadbd")
	install := find(t, "mariadb-install-db")
	client := find(t, "mariadb")
	dir := t.TempDir()
	data, sock, log := filepath.Join(dir, "data"), filepath.Join(dir, "mysqld.sock"), filepath.Join(dir, "error.log")
	run(t, exec.Command(install, "--no-defaults", "--datadir="+data, "--user=root", "--auth-root-authentication-method=socket", "--skip-test-db"))
	port := freePort(t)
	start(t, exec.Command(mariadbd, "--no-defaults", "--datadir="+data, "--socket="+sock, "--port="+strconv.Itoa(port),
		"--bind-address=127.0.0.1", "--user=root", "--pid-file="+filepath.Join(dir, "mysqld.pid"), "--log-error="+log,
		"--skip-name-resolve", "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=16M", "--innodb-flush-log-at-trx-commit=2"), log)
	sql := func(stmt string) *exec.Cmd {
		return exec.Command(client, "--no-defaults", "--socket="+sock, "-uroot", "-e", stmt)
	}
	waitReady(t, log, func() error { return sql("SELECT 1").Run() })
	run(t, sql("CREATE DATABASE faultline; CREATE USER 'faultline'@'%' IDENTIFIED BY 'faultline'; GRANT ALL ON *.* TO 'faultline'@'%'"))
	return Server{Protocol: "mysql", Host: "127.0.0.1", Port: port, User: "faultline", Password: "faultline", Database: "faultline", Log: log}
}

// Postgres starts a PostgreSQL server as the postgres OS user (initdb and
// postgres refuse to run as root), trusting every login on loopback.
func Postgres(t testing.TB) Server {
	t.Helper()
	initdb := find(t, "initdb", "/usr/lib/postgresql/15/bin/initdb")
	postgres := find(t, "postgres", "/usr/lib/postgresql/15/bin/postgres")
	u, err := user.Lookup("postgres")
	if err != nil {
		t.Skip("no postgres OS user: this test needs PostgreSQL installed")
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	cred := &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	// t.TempDir's parents are private to root: the server needs a
	// directory of its own that the postgres user can reach.
	dir, err := os.MkdirTemp("", "faultline-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	data, log := filepath.Join(dir, "data"), filepath.Join(dir, "postgres.log")
	cmd := exec.Command(initdb, "-D", data, "-A", "trust", "-U", "postgres", "--no-sync")
	cmd.SysProcAttr = cred
	cmd.Dir = dir
	run(t, cmd)
	port := freePort(t)
	srv := exec.Command(postgres, "-D", data, "-p", strconv.Itoa(port), "-k", dir, "-c", "listen_addresses=127.0.0.1",
		"-c", "fsync=off", "-c", "max_connections=200", "-c", "log_min_messages=warning")
	srv.SysProcAttr = &syscall.SysProcAttr{Credential: cred.Credential}
	srv.Dir = dir
	start(t, srv, log)
	isReady := find(t, "pg_isready", "/usr/lib/postgresql/15/bin/pg_isready")
	waitReady(t, log+".out", func() error {
		return exec.Command(isReady, "-q", "-h", "127.0.0.1", "-p", strconv.Itoa(port), "-U", "postgres").Run()
	})
	return Server{Protocol: "postgres", Host: "127.0.0.1", Port: port, User: "postgres", Database: "postgres", Log: log + ".out"}
}

// String names the server for test messages.
func (s Server) String() string { return fmt.Sprintf("%s at %s:%d", s.Protocol, s.Host, s.Port) }
