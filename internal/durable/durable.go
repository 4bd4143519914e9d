// Package durable writes files that survive a crash or a power loss whole:
// the run store's results and configuration, and the fault ledger's
// entries, whose loss would leave a fault nobody knows to heal.
package durable

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
// temporary file that WriteFile would leave behind if it crashed before its
// rename: a dot, the final file's name, ".tmp", digits. Readers of a folder
// (the web UI's listing of a run) skip them: they are never a finished file.
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

// WriteFile writes path whole or not at all. The content goes to a temporary
// file in the same folder, which is fsynced and renamed over path, and then
// the folder is fsynced: after a crash or a power loss path holds its old
// content or the new one, never a torn mix, and a file said written is on
// disk. A temporary file that a crash leaves behind starts with a dot and
// ends in .tmp plus digits (IsLeftover).
func WriteFile(path string, perm os.FileMode, fill func(w *bufio.Writer) error) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp := f.Name()
	err = f.Chmod(perm) // CreateTemp makes 0600
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
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := SyncDir(dir); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// Remove removes path and fsyncs its folder, so that the removal survives
// a power loss too. A file that is already gone is not an error.
func Remove(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return SyncDir(filepath.Dir(path))
}

// SyncDir fsyncs a folder, so that the names created, renamed or removed in
// it survive a power loss along with the data fsynced under them. File
// systems that cannot sync a folder (EINVAL) are left to their own ordering.
func SyncDir(dir string) error {
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
