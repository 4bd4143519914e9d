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

func TestServeAnswersUntilTheContextEnds(t *testing.T) {
	store, _ := storedRun(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb lockedBuffer
	exit := make(chan int, 1)
	go func() {
		exit <- Execute(serveRoot(ctx), []string{"serve", "--store", store, "--addr", "127.0.0.1:0"}, &out, &errb)
	}()

	var url string
	for deadline := time.Now().Add(10 * time.Second); url == ""; {
		if time.Now().After(deadline) {
			t.Fatalf("no URL printed; stdout %q stderr %q", out.String(), errb.String())
		}
		select {
		case code := <-exit:
			t.Fatalf("serve exited %d before serving; stderr %q", code, errb.String())
		case <-time.After(10 * time.Millisecond):
		}
		url = servedURL.FindString(out.String())
	}
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
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb lockedBuffer
	exit := make(chan int, 1)
	go func() {
		exit <- Execute(serveRoot(ctx), []string{"serve", "--store", store, "--addr", "0.0.0.0:0", "--public"}, &out, &errb)
	}()
	served := regexp.MustCompile(`http://[^ ]+:([0-9]+)/`)
	var m []string
	for deadline := time.Now().Add(10 * time.Second); m == nil; m = served.FindStringSubmatch(out.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("no URL printed; stdout %q stderr %q", out.String(), errb.String())
		}
		select {
		case code := <-exit:
			t.Fatalf("serve exited %d; stderr %q", code, errb.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
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
