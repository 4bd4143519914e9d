package hostexec_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/control/hostexec"
)

// conn is a hostexec.Conn whose "remote" program is env (running the
// command here) and whose copier is cp, as docker exec and docker cp would
// be for a container.
func conn() hostexec.Conn {
	return hostexec.Conn{
		Node:   "box",
		Exec:   func(cmd control.Cmd) ([]string, io.Reader) { return append([]string{"env"}, cmd.Argv...), cmd.Stdin },
		Copy:   func(from, to string) []string { return []string{"cp", from, to} },
		Target: "",
	}
}

func TestConnRunsAndReportsTheCallersCommand(t *testing.T) {
	c := conn()
	res, err := c.Run(context.Background(), control.Cmd{Argv: []string{"sh", "-c", "cat; echo out"}, Stdin: strings.NewReader("in ")})
	if err != nil || string(res.Stdout) != "in out\n" {
		t.Fatalf("got %q, %v", res.Stdout, err)
	}
	_, err = c.Run(context.Background(), control.Cmd{Argv: []string{"sh", "-c", "echo nope >&2; exit 4"}})
	var ee *control.ExitError
	if !errors.As(err, &ee) || ee.Result.ExitCode != 4 || ee.Node != "box" || ee.Argv[0] != "sh" || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("got %v, want exit 4 on box naming sh (not the env wrapper)", err)
	}
}

func TestConnTransfersAndNamesFailures(t *testing.T) {
	c := conn()
	dir := t.TempDir()
	src, mid, back := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "c")
	os.WriteFile(src, []byte("payload"), 0o644)
	if err := c.Upload(context.Background(), src, mid); err != nil {
		t.Fatal(err)
	}
	if err := c.Download(context.Background(), mid, back); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(back); string(b) != "payload" {
		t.Fatalf("round trip gave %q", b)
	}
	err := c.Download(context.Background(), filepath.Join(dir, "missing"), back)
	if err == nil || !strings.Contains(err.Error(), "download") || !strings.Contains(err.Error(), "missing") || !strings.Contains(err.Error(), "on box") {
		t.Fatalf("got %v, want an error naming the direction, path and node", err)
	}
}

func TestRunMissingProgram(t *testing.T) {
	_, err := hostexec.Run(context.Background(), "box", []string{"db"}, []string{"faultline-no-such-binary"}, nil)
	if err == nil || !strings.Contains(err.Error(), "cannot run faultline-no-such-binary") {
		t.Fatalf("got %v", err)
	}
}
