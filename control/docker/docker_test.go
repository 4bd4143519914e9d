package docker_test

import (
	"reflect"
	"testing"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/control/docker"
)

func TestExecArgvPassesArgvUnchanged(t *testing.T) {
	r := docker.Remote{Container: func(n string) string { return "db-" + n }}
	got := r.ExecArgv("n1", control.Cmd{
		Argv: []string{"sh", "-c", "echo '$x' \"y\"\nz"},
		Env:  []string{"A=b c"},
		Dir:  "/var/lib/db",
		Sudo: "postgres",
	})
	want := []string{"docker", "exec", "-i", "-u", "postgres", "-w", "/var/lib/db", "-e", "A=b c", "db-n1", "sh", "-c", "echo '$x' \"y\"\nz"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

func TestCopyArgv(t *testing.T) {
	r := docker.Remote{Binary: "podman"}
	if got, want := r.CopyArgv("/tmp/a", "n2:/opt/a"), []string{"podman", "cp", "/tmp/a", "n2:/opt/a"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}
