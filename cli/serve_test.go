package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// lockedBuffer is a bytes.Buffer safe to read while the command writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serveRoot is a root with only the serve command.
func serveRoot(ctx context.Context) *cobra.Command {
	root := &cobra.Command{Use: "faultline", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(serveCommand())
	root.SetContext(ctx)
	return root
}

var servedURL = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+/`)

// serveInBackground runs `faultline serve args...` until the returned
// cancel (or the test's end), with its output and exit code.
func serveInBackground(t *testing.T, args ...string) (out, errb *lockedBuffer, exit <-chan int, cancel context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	out, errb = &lockedBuffer{}, &lockedBuffer{}
	code := make(chan int, 1)
	go func() { code <- Execute(serveRoot(ctx), append([]string{"serve"}, args...), out, errb) }()
	return out, errb, code, cancel
}

// waitForServing waits until serve prints the URL it serves (matching re)
// and returns the match, failing if serve exits or 10 s pass first.
func waitForServing(t *testing.T, re *regexp.Regexp, out, errb *lockedBuffer, exit <-chan int) []string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("no URL printed; stdout %q stderr %q", out.String(), errb.String())
		}
		select {
		case code := <-exit:
			t.Fatalf("serve exited %d before serving; stderr %q", code, errb.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func TestServeAnswersUntilTheContextEnds(t *testing.T) {
	store, _ := storedRun(t)
	out, errb, exit, cancel := serveInBackground(t, "--store", store, "--addr", "127.0.0.1:0")
	url := waitForServing(t, servedURL, out, errb, exit)[0]
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "/run/demo/20260125T120000.000Z/") {
		t.Fatalf("GET %s: %d, body lacks the demo run:\n%s", url, resp.StatusCode, body)
	}

	cancel()
	select {
	case code := <-exit:
		if code != ExitValid {
			t.Fatalf("exit %d after cancel, stderr %q", code, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve still running 10 s after its context ended")
	}
	if _, err := http.Get(url); err == nil {
		t.Errorf("%s still answers after serve returned", url)
	}
}

func TestServeSaysWhenTheStoreIsMissing(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-store-here")
	var out, errb bytes.Buffer
	code := Execute(serveRoot(context.Background()), []string{"serve", "--store", missing, "--addr", "127.0.0.1:0"}, &out, &errb)
	if code != ExitBadArgs {
		t.Errorf("exit %d, want %d", code, ExitBadArgs)
	}
	if !strings.Contains(errb.String(), missing+" does not exist") {
		t.Errorf("stderr does not say the store is missing: %q", errb.String())
	}
	if out.Len() != 0 {
		t.Errorf("printed a URL for a missing store: %q", out.String())
	}
}

func TestServeRefusesAnAddressOtherMachinesReachWithoutPublic(t *testing.T) {
	store, _ := storedRun(t)
	for _, addr := range []string{":0", "0.0.0.0:0"} {
		var out, errb bytes.Buffer
		code := Execute(serveRoot(context.Background()), []string{"serve", "--store", store, "--addr", addr}, &out, &errb)
		if code != ExitBadArgs || !strings.Contains(errb.String(), "pass --public") || !strings.Contains(errb.String(), "anyone who reaches it can read every run") {
			t.Errorf("--addr %s: exit %d, stderr %q", addr, code, errb.String())
		}
		if out.Len() != 0 {
			t.Errorf("--addr %s without --public printed a URL: %q", addr, out.String())
		}
	}
}

func TestServePublicWarnsThatTheStoreIsReadable(t *testing.T) {
	store, _ := storedRun(t)
	out, errb, exit, cancel := serveInBackground(t, "--store", store, "--addr", "0.0.0.0:0", "--public")
	m := waitForServing(t, regexp.MustCompile(`http://[^ ]+:([0-9]+)/`), out, errb, exit)
	if !strings.Contains(errb.String(), "warning:") || !strings.Contains(errb.String(), "anyone who can reach this address can read every run") {
		t.Errorf("no warning on stderr: %q", errb.String())
	}
	resp, err := http.Get("http://127.0.0.1:" + m[1] + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("GET /: %d, CSP %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
	}
	cancel()
	if code := <-exit; code != ExitValid {
		t.Errorf("exit %d after cancel", code)
	}
}
