package runstore

import (
	"bufio"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/faultline/faultline/internal/durable"
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

// writeFile writes path whole or not at all (durable.WriteFile): after a
// crash or a power loss path holds its old content or the new one, never a
// torn mix. A temporary file that a crash leaves behind starts with a dot
// and ends in .tmp plus digits (IsLeftover). Run files are for reading:
// 0644.
func writeFile(path string, fill func(w *bufio.Writer) error) error {
	if err := durable.WriteFile(path, 0o644, fill); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}

// syncDir fsyncs a folder (durable.SyncDir), so that the names created or
// renamed in it (a new run folder, the journal) survive a power loss.
func syncDir(dir string) error { return durable.SyncDir(dir) }
