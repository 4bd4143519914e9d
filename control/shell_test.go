package control_test

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/faultline/faultline/control"
)

// awkward holds arguments that break naive joining: quotes, spaces, $,
// backslashes, newlines, globs, empty strings and leading dashes.
var awkward = []string{"plain", "two words", `it's`, `"double"`, "$HOME", "$(id)", "`id`", `back\slash`, "line1\nline2", "*", "", "-n", "tab\there", "ünïcødé"}

// printArgs is a shell command that prints each of its arguments followed by
// a NUL byte, so the test can split them back exactly.
var printArgs = []string{"sh", "-c", `for a in "$@"; do printf '%s\0' "$a"; done`, "sh"}

func splitNUL(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\x00")
	return strings.Split(s, "\x00")
}

func TestScriptPassesArgvThroughARealShell(t *testing.T) {
	argv := append(append([]string{}, printArgs...), awkward...)
	script := control.Script(control.Cmd{Argv: argv})
	out, err := exec.Command("sh", "-c", script).Output()
	if err != nil {
		t.Fatalf("sh -c %q: %v", script, err)
	}
	if got := splitNUL(out); !reflect.DeepEqual(got, awkward) {
		t.Fatalf("arguments changed on the way through the shell:\n got  %q\n want %q", got, awkward)
	}
}

func TestScriptSetsDirAndEnv(t *testing.T) {
	dir := t.TempDir() + "/with space's"
	if err := exec.Command("mkdir", dir).Run(); err != nil {
		t.Fatal(err)
	}
	script := control.Script(control.Cmd{
		Argv: []string{"sh", "-c", `printf '%s|%s' "$PWD" "$V"`},
		Env:  []string{"V=a b $c 'd'"},
		Dir:  dir,
	})
	out, err := exec.Command("sh", "-c", script).Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := dir + "|a b $c 'd'"; string(out) != want {
		t.Fatalf("got %q, want %q", out, want)
	}
}

func TestScriptSudoForms(t *testing.T) {
	got := control.Script(control.Cmd{Argv: []string{"id"}, Sudo: "pg user"})
	if want := `exec sudo -n -u 'pg user' -- id`; got != want {
		t.Errorf("no password: got %q, want %q", got, want)
	}
	got = control.Script(control.Cmd{Argv: []string{"id"}, Sudo: "root", SudoPassword: "pw"})
	if want := `exec sudo -S -k -p '' -u root -- id`; got != want {
		t.Errorf("password: got %q, want %q", got, want)
	}
}

func TestInputPrependsSudoPassword(t *testing.T) {
	in := control.Input(control.Cmd{Sudo: "root", SudoPassword: "s3cret", Stdin: strings.NewReader("data")})
	var b bytes.Buffer
	if _, err := b.ReadFrom(in); err != nil {
		t.Fatal(err)
	}
	if b.String() != "s3cret\ndata" {
		t.Fatalf("got %q", b.String())
	}
	if control.Input(control.Cmd{}) != nil {
		t.Fatal("a command without stdin must get a nil reader (immediate EOF)")
	}
}

func TestExitErrorNamesNodeCommandCodeAndStderrTail(t *testing.T) {
	long := strings.Repeat("noise\n", 200) + "the real reason"
	err := &control.ExitError{Node: "n3", Argv: []string{"grep", "a b"}, Result: control.Result{ExitCode: 2, Stderr: []byte(long)}}
	msg := err.Error()
	for _, want := range []string{"on n3", "grep 'a b'", "status 2", "the real reason"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if len(msg) > 700 {
		t.Errorf("message is %d bytes; the stderr tail should be bounded", len(msg))
	}
}

func TestOnNodesReportsEachFailingNode(t *testing.T) {
	boom := errors.New("boom")
	err := control.OnNodes(context.Background(), []string{"n1", "n2", "n3"}, func(_ context.Context, n string) error {
		if n == "n2" {
			return boom
		}
		return nil
	})
	var ne control.NodeErrors
	if !errors.As(err, &ne) {
		t.Fatalf("got %v, want NodeErrors", err)
	}
	if len(ne) != 1 || ne["n2"] != boom {
		t.Fatalf("got %v, want only n2 failing", ne)
	}
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "n2: boom") {
		t.Fatalf("error %q does not expose n2's error", err)
	}
	if err := control.OnNodes(context.Background(), []string{"a", "b"}, func(context.Context, string) error { return nil }); err != nil {
		t.Fatalf("all succeeded, got %v", err)
	}
}
