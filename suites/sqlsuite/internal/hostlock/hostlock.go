// Package hostlock lets tests of different packages take turns at the
// machine for work too heavy to overlap: `go test ./...` runs packages in
// parallel, and two three-node Galera clusters on a loaded two-core machine
// starve each other's group communication until members are suspected and
// the cluster loses its primary component, which the tests would report as
// Galera's failure.
package hostlock

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Galera blocks until no other test on this machine holds the Galera lock,
// then holds it until t ends.
func Galera(t testing.TB) {
	t.Helper()
	path := filepath.Join(os.TempDir(), "faultline-galera-tests.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatalf("galera test lock: %v", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		t.Fatalf("galera test lock %s: %v", path, err)
	}
	t.Cleanup(func() { f.Close() }) // closing the file releases the lock
}
