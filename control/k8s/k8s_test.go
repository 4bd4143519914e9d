package k8s_test

import (
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/control/k8s"
)

func TestExecArgvSelectsContextNamespaceContainer(t *testing.T) {
	r := k8s.Remote{Context: "kind-test", Namespace: "db", Container: "tidb", Pod: func(n string) string { return "tidb-" + n }}
	got := r.ExecArgv("n1", control.Cmd{Argv: []string{"true"}})
	want := []string{"kubectl", "--context", "kind-test", "--namespace", "db", "exec", "-i", "tidb-n1", "-c", "tidb", "--", "sh", "-c", "exec true"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	cp := r.CopyArgv("/tmp/x", "tidb-n1:/opt/x")
	wantCp := []string{"kubectl", "--context", "kind-test", "--namespace", "db", "cp", "-c", "tidb", "/tmp/x", "tidb-n1:/opt/x"}
	if !reflect.DeepEqual(cp, wantCp) {
		t.Fatalf("got  %q\nwant %q", cp, wantCp)
	}
}

// The script kubectl hands to the pod's sh must deliver awkward arguments
// intact; run it through a real sh here to prove it.
func TestExecScriptSurvivesARealShell(t *testing.T) {
	awkward := []string{"a b", `it's`, "$HOME", "x\ny", `"q"`, ""}
	cmd := control.Cmd{Argv: append([]string{"sh", "-c", `for a in "$@"; do printf '%s\0' "$a"; done`, "sh"}, awkward...)}
	argv := k8s.Remote{}.ExecArgv("n1", cmd)
	if argv[len(argv)-3] != "sh" || argv[len(argv)-2] != "-c" {
		t.Fatalf("expected the command to be wrapped in sh -c, got %q", argv)
	}
	out, err := exec.Command("sh", "-c", argv[len(argv)-1]).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if !reflect.DeepEqual(got, awkward) {
		t.Fatalf("got %q, want %q", got, awkward)
	}
}
