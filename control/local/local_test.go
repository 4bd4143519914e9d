package local_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/control/local"
)

func connect(t *testing.T) control.Conn {
	t.Helper()
	c, err := local.Remote{}.Connect(context.Background(), "here")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestRunKeepsAwkwardArgumentsAndStdin(t *testing.T) {
	c := connect(t)
	arg := "quote ' \" $x `y` \\ \n newline"
	res, err := c.Run(context.Background(), control.Cmd{
		Argv:  []string{"sh", "-c", `printf '%s|' "$1"; cat`, "sh", arg},
		Stdin: strings.NewReader("from stdin"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := arg + "|from stdin"; string(res.Stdout) != want {
		t.Fatalf("got %q, want %q", res.Stdout, want)
	}
}

func TestRunNonzeroExitIsExitError(t *testing.T) {
	c := connect(t)
	_, err := c.Run(context.Background(), control.Cmd{Argv: []string{"sh", "-c", "echo why >&2; exit 7"}})
	var ee *control.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("got %v, want *control.ExitError", err)
	}
	if ee.Result.ExitCode != 7 || ee.Node != "here" || !strings.Contains(err.Error(), "why") {
		t.Fatalf("got code %d node %q message %q", ee.Result.ExitCode, ee.Node, err)
	}
}

func TestRunMissingProgramNamesIt(t *testing.T) {
	c := connect(t)
	_, err := c.Run(context.Background(), control.Cmd{Argv: []string{"no-such-program-faultline"}})
	var ee *control.ExitError
	if !errors.As(err, &ee) || ee.Result.ExitCode != 127 || !strings.Contains(err.Error(), "no-such-program-faultline") {
		t.Fatalf("got %v, want exit 127 naming the program", err)
	}
}

func TestRunSudoToAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI must run tests as root")
		}
		t.Skip("needs root (sudo without a password)")
	}
	c := connect(t)
	res, err := c.Run(context.Background(), control.Cmd{Argv: []string{"id", "-un"}, Sudo: "nobody"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(res.Stdout)); got != "nobody" {
		t.Fatalf("ran as %q, want nobody", got)
	}
}

func TestUploadDownloadRoundTrip(t *testing.T) {
	c := connect(t)
	dir := t.TempDir()
	data := bytes.Repeat([]byte{0, 1, 2, 255, '\n'}, 1000)
	src := filepath.Join(dir, "src")
	if err := os.WriteFile(src, data, 0o640); err != nil {
		t.Fatal(err)
	}
	mid, back := filepath.Join(dir, "mid"), filepath.Join(dir, "back")
	if err := c.Upload(context.Background(), src, mid); err != nil {
		t.Fatal(err)
	}
	if err := c.Download(context.Background(), mid, back); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(back)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("round trip changed the file (err %v)", err)
	}
	err = c.Download(context.Background(), filepath.Join(dir, "absent"), back)
	if err == nil || !strings.Contains(err.Error(), "absent") || !strings.Contains(err.Error(), "on here") {
		t.Fatalf("missing file: got %v, want an error naming node and path", err)
	}
}
