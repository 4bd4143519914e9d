package lazyfs

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mount mounts a lazyfs over a fresh backing directory and unmounts it when
// the test ends, checking that the mount is gone.
func mount(t testing.TB) (l *FS, backing, mnt string) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("lazyfs tests need root to mount FUSE")
		}
		t.Skip("needs root to mount FUSE")
	}
	dir := t.TempDir()
	backing, mnt = filepath.Join(dir, "backing"), filepath.Join(dir, "mnt")
	for _, d := range []string{backing, mnt} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	l = New(backing)
	srv, err := l.Mount(mnt)
	if err != nil {
		t.Fatalf("mounting lazyfs: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Unmount(); err != nil {
			t.Errorf("unmounting %s: %v", mnt, err)
		}
		mounts, _ := os.ReadFile("/proc/self/mounts")
		if strings.Contains(string(mounts), mnt) {
			t.Errorf("%s is still mounted", mnt)
		}
	})
	return l, backing, mnt
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func write(t *testing.T, path string, data []byte, sync bool) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if sync {
		if err := f.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestUnsyncedWritesAreSeenThenLost(t *testing.T) {
	l, backing, mnt := mount(t)
	p := filepath.Join(mnt, "log")
	write(t, p, []byte("acknowledged but never fsynced"), false)
	if got := read(t, p); string(got) != "acknowledged but never fsynced" {
		t.Fatalf("read back %q before the crash", got)
	}
	if got := read(t, filepath.Join(backing, "log")); len(got) != 0 {
		t.Fatalf("unsynced data reached the backing file: %q", got)
	}
	if s := l.Unsynced(); s.Files != 1 || s.Bytes != 30 {
		t.Fatalf("unsynced %+v, want 1 file, 30 bytes", s)
	}
	lost := l.Drop()
	if lost.Bytes != 30 {
		t.Fatalf("Drop lost %+v, want 30 bytes", lost)
	}
	if got := read(t, p); len(got) != 0 {
		t.Fatalf("after the crash the file holds %q, want nothing", got)
	}
	if st, err := os.Stat(p); err != nil || st.Size() != 0 {
		t.Fatalf("after the crash stat says %v, %v; want size 0", st, err)
	}
}

func TestFsyncedWritesSurvive(t *testing.T) {
	l, backing, mnt := mount(t)
	p := filepath.Join(mnt, "wal")
	write(t, p, []byte("durable"), true)
	write(t, filepath.Join(mnt, "other"), []byte("lost"), false)
	l.Drop()
	if got := read(t, p); string(got) != "durable" {
		t.Fatalf("fsynced file reads %q after the crash", got)
	}
	if got := read(t, filepath.Join(backing, "wal")); string(got) != "durable" {
		t.Fatalf("backing file holds %q", got)
	}
}

func TestOverwritesAndTruncationsOverlayUntilSynced(t *testing.T) {
	l, _, mnt := mount(t)
	p := filepath.Join(mnt, "data")
	base := bytes.Repeat([]byte("a"), 100)
	write(t, p, base, true)
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("BBBB"), 10); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.Truncate(p, 50); err != nil {
		t.Fatal(err)
	}
	want := append(bytes.Repeat([]byte("a"), 10), []byte("BBBB")...)
	want = append(want, bytes.Repeat([]byte("a"), 36)...)
	if got := read(t, p); !bytes.Equal(got, want) {
		t.Fatalf("overwritten and truncated file reads %q, want %q", got, want)
	}
	// Growing again after the truncation reads zeros, not the old bytes.
	if err := os.Truncate(p, 60); err != nil {
		t.Fatal(err)
	}
	if got := read(t, p); !bytes.Equal(got[50:], make([]byte, 10)) {
		t.Fatalf("bytes 50-60 after truncate 50 and extend 60: %q, want zeros", got[50:])
	}
	l.Drop()
	if got := read(t, p); !bytes.Equal(got, base) {
		t.Fatalf("after the crash the file reads %q, want the synced 100 a's", got)
	}
}

func TestRemovedFilesTakeTheirUnsyncedDataAlong(t *testing.T) {
	l, _, mnt := mount(t)
	write(t, filepath.Join(mnt, "gone"), []byte("unsynced"), false)
	if err := os.Remove(filepath.Join(mnt, "gone")); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(mnt, "old"), []byte("old unsynced"), false)
	write(t, filepath.Join(mnt, "new"), []byte("new"), true)
	if err := os.Rename(filepath.Join(mnt, "new"), filepath.Join(mnt, "old")); err != nil {
		t.Fatal(err)
	}
	if s := l.Unsynced(); s.Files != 0 {
		t.Fatalf("after removing and replacing the unsynced files, %+v remain unsynced", s)
	}
	if got := read(t, filepath.Join(mnt, "old")); string(got) != "new" {
		t.Fatalf("renamed file reads %q", got)
	}
	// A new file, whatever inode number it gets, starts clean.
	write(t, filepath.Join(mnt, "fresh"), nil, false)
	if got := read(t, filepath.Join(mnt, "fresh")); len(got) != 0 {
		t.Fatalf("fresh file reads %q", got)
	}
}
