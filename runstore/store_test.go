package runstore

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/checker"
)

func TestRunFoldersAndLinksFollowJepsensLayout(t *testing.T) {
	s := &Store{Root: t.TempDir()}
	start := time.Date(2026, 1, 25, 12, 0, 0, 0, time.UTC)
	r1, err := s.Create("etcd", start)
	if err != nil {
		t.Fatal(err)
	}
	if got := filepath.Base(r1.Dir); got != "20260125T120000.000Z" {
		t.Fatalf("run folder %s, want 20260125T120000.000Z", got)
	}
	if target, _ := os.Readlink(filepath.Join(s.Root, "current")); target != "etcd/20260125T120000.000Z" {
		t.Fatalf("current -> %q during the run", target)
	}
	// A second run in the same millisecond gets its own folder.
	r2, err := s.Create("etcd", start)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(r2.Dir) != "20260125T120000.001Z" {
		t.Fatalf("second run folder %s, want the next millisecond", r2.Dir)
	}
	if err := r1.Finish(); err != nil {
		t.Fatal(err)
	}
	// current points at r2, which is still running: r1's Finish must not remove it.
	if target, _ := os.Readlink(filepath.Join(s.Root, "current")); target != "etcd/20260125T120000.001Z" {
		t.Fatalf("current -> %q after the other run finished", target)
	}
	if err := r2.Finish(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(s.Root, "current")); !os.IsNotExist(err) {
		t.Fatalf("current still exists after the last run finished: %v", err)
	}
	for link, want := range map[string]string{"latest": "etcd/20260125T120000.001Z", "etcd/latest": "20260125T120000.001Z"} {
		if got, _ := os.Readlink(filepath.Join(s.Root, link)); got != want {
			t.Fatalf("%s -> %q, want %q", link, got, want)
		}
	}
}

func TestBadNamesAreRefusedWithTheReason(t *testing.T) {
	s := &Store{Root: t.TempDir()}
	for _, name := range []string{"", "..", "a/b", "latest"} {
		if _, err := s.Create(name, time.Now()); err == nil || !strings.Contains(err.Error(), "expected a non-empty name") {
			t.Errorf("Create(%q): %v", name, err)
		}
	}
	r, err := s.Create("t", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.NodeDir("../n1"); err == nil {
		t.Fatal("a node name with a slash was accepted as a folder")
	}
	if dir, err := r.NodeDir("n1"); err != nil || filepath.Dir(dir) != r.Dir {
		t.Fatalf("NodeDir(n1) = %s, %v", dir, err)
	}
}

func TestConfigIsStoredWithoutSecrets(t *testing.T) {
	s := &Store{Root: t.TempDir()}
	r, err := s.Create("t", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cfg := map[string]any{
		"nodes":           []string{"n1", "n2"},
		"password":        "hunter2",
		"ssh-private-key": "-----BEGIN OPENSSH PRIVATE KEY-----",
		"ssh":             map[string]any{"Password": "root-pw", "username": "root"},
		"flags":           map[string]string{"password": "flag-pw", "nodes": "n1"},
		"sudo-password":   "",
		"key-count":       5,
	}
	if err := r.WriteConfig(cfg); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(r.Path(ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"hunter2", "BEGIN OPENSSH", "root-pw", "flag-pw"} {
		if strings.Contains(string(b), secret) {
			t.Fatalf("config.json holds the secret %q:\n%s", secret, b)
		}
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back["password"] != Redacted || back["ssh"].(map[string]any)["username"] != "root" || back["key-count"] != float64(5) || back["sudo-password"] != "" {
		t.Fatalf("config read back as %v: want secrets redacted, everything else kept", back)
	}
}

func TestResultsEDNUsesJepsensValidKey(t *testing.T) {
	r := checker.Result{Valid: checker.Invalid, Summary: "1 anomaly", Children: map[string]checker.Result{
		"linear": {Valid: checker.Invalid, Details: map[string]any{"op-count": 12, "ratio": 0.5}},
		"stats":  {Valid: checker.Unknown},
	}}
	got, err := ResultEDN(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{:children {:linear {:details {:op-count 12, :ratio 0.5}, :valid? false}, :stats {:valid? :unknown}}, :summary "1 anomaly", :valid? false}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestResolveFindsRunsByNameOrPathAndSaysWhatItExpected(t *testing.T) {
	s := &Store{Root: t.TempDir()}
	r, err := s.Create("bank", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(r.Path(StreamFile), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Resolve(""); err == nil || !strings.Contains(err.Error(), "no latest run") {
		t.Fatalf("Resolve before any run finished: %v", err)
	}
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}
	for _, arg := range []string{"", "bank", "bank/20260101T000000.000Z", r.Dir} {
		if got, err := s.Resolve(arg); err != nil || got != r.Dir {
			t.Errorf("Resolve(%q) = %q, %v; want %q", arg, got, err, r.Dir)
		}
	}
	if _, err := s.Resolve("nope"); err == nil || !strings.Contains(err.Error(), `"nope" is not a run`) {
		t.Fatalf("Resolve(nope): %v", err)
	}
}
