package runstore

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// IsLeftover reports whether name (a file name or slash path) is a
// temporary file that writeFile would leave behind if it crashed before its
// rename: a dot, the final file's name, ".tmp", digits. Readers of a run
// folder (the web UI's listing) skip them: they are never a finished file.
func IsLeftover(name string) bool {
	base := filepath.Base(name)
	i := strings.LastIndex(base, ".tmp")
	if !strings.HasPrefix(base, ".") || i <= 1 || i+len(".tmp") == len(base) {
		return false
	}
	for _, c := range base[i+len(".tmp"):] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// writeFile writes path whole or not at all. The content goes to a temporary
// file in the same folder, which is fsynced and renamed over path, and then
// the folder is fsynced: after a crash or a power loss path holds its old
// content or the new one, never a torn mix, and a file the store says it
// wrote is on disk. A temporary file that a crash leaves behind starts with a
// dot and ends in .tmp plus digits.
func writeFile(path string, fill func(w *bufio.Writer) error) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("store: writing %s: %w", path, err)
	}
	tmp := f.Name()
	err = f.Chmod(0o644) // CreateTemp makes 0600; run folders are for reading
	if err == nil {
		w := bufio.NewWriterSize(f, 64<<10)
		err = fill(w)
		if err == nil {
			err = w.Flush()
		}
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("store: writing %s: %w", path, err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("store: writing %s: %w", path, err)
	}
	return nil
}

// syncDir fsyncs a folder, so that the names created or renamed in it (a
// new run folder, the journal, a renamed results file) survive a power loss
// along with the data fsynced under them. File systems that cannot sync a
// folder (EINVAL) are left to their own ordering.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		err = nil
	}
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("fsync of folder %s: %w", dir, err)
	}
	return nil
}
