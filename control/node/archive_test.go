package node_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/faultline/faultline/control/node"
)

// release builds a tar.gz with one top-level directory, as release
// tarballs have.
func release(t *testing.T, top, body string) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	tw.WriteHeader(&tar.Header{Name: top + "/", Typeflag: tar.TypeDir, Mode: 0o755})
	tw.WriteHeader(&tar.Header{Name: top + "/bin/db", Mode: 0o755, Size: int64(len(body))})
	tw.Write([]byte(body))
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	gz.Close()
	return buf.Bytes()
}

func zipped(t *testing.T, files map[string]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, _ := zw.Create(name)
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestInstallArchiveFromLocalFiles(t *testing.T) {
	_, cs := conns(t)
	n1 := cs["n1"]
	dir := t.TempDir()
	tgz := filepath.Join(dir, "db-1.0.tar.gz")
	os.WriteFile(tgz, release(t, "db-1.0", "v1"), 0o644)
	dest := "/opt/" + unique("db-")
	for i := 0; i < 2; i++ {
		if err := node.InstallArchive(ctx, n1, tgz, dest); err != nil {
			t.Fatal(err)
		}
	}
	if got := must[string](t)(node.Output(ctx, n1, "cat", dest+"/bin/db")); got != "v1" {
		t.Fatalf("unwrapped release: %q", got)
	}
	zf := filepath.Join(dir, "tools.zip")
	os.WriteFile(zf, zipped(t, map[string]string{"a.txt": "A", "sub/b.txt": "B"}), 0o644)
	zdest := "/opt/" + unique("tools-")
	if err := node.InstallArchive(ctx, n1, "file://"+zf, zdest); err != nil {
		t.Fatal(err)
	}
	if got := must[string](t)(node.Shell(ctx, n1, `cat "$1/a.txt" "$1/sub/b.txt"`, zdest)); got != "AB" {
		t.Fatalf("zip contents: %q", got)
	}
}

// serve serves body at /db.tar.gz on the cluster bridge, where nodes can
// reach the host, and counts requests.
func serve(t *testing.T, bridge string, body func() []byte) (string, *atomic.Int32) {
	l, err := net.Listen("tcp", net.JoinHostPort(bridge, "0"))
	if err != nil {
		t.Fatal(err)
	}
	var hits atomic.Int32
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write(body())
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String() + "/db-2.0.tar.gz", &hits
}

func TestInstallArchiveFromURLCachesAndRefetchesCorrupt(t *testing.T) {
	c, cs := conns(t)
	n2 := cs["n2"]
	good := release(t, "db-2.0", "v2")
	url, hits := serve(t, c.BridgeAddr.String(), func() []byte { return good })
	dest := "/opt/" + unique("db-")
	if err := node.InstallArchive(ctx, n2, url, dest); err != nil {
		t.Fatal(err)
	}
	if got := must[string](t)(node.Output(ctx, n2, "cat", dest+"/bin/db")); got != "v2" || hits.Load() != 1 {
		t.Fatalf("got %q after %d fetches", got, hits.Load())
	}
	// Installing elsewhere uses the cache.
	if err := node.InstallArchive(ctx, n2, url, dest+"-copy"); err != nil || hits.Load() != 1 {
		t.Fatalf("second install: %v, %d fetches (want the cached copy)", err, hits.Load())
	}
	// Corrupt the cached copy: the next install notices, fetches once more.
	must[string](t)(node.Shell(ctx, n2, `for f in `+node.ArchiveCache+`/*db-2.0.tar.gz; do echo garbage > "$f"; done`))
	if err := node.InstallArchive(ctx, n2, url, dest+"-again"); err != nil {
		t.Fatal(err)
	}
	if hits.Load() != 2 {
		t.Fatalf("%d fetches, want 2 (one re-fetch of the corrupt cache)", hits.Load())
	}
	// A source that is always corrupt fails after one re-fetch, saying so.
	badURL, badHits := serve(t, c.BridgeAddr.String(), func() []byte { return []byte("not an archive") })
	err := node.InstallArchive(ctx, n2, badURL, "/opt/"+unique("bad-"))
	if err == nil || !strings.Contains(err.Error(), "corrupt") || badHits.Load() != 2 {
		t.Fatalf("always-corrupt source: %v after %d fetches, want a corrupt error after 2", err, badHits.Load())
	}
}
