package runstore

import (
	"bufio"
	"fmt"

	"github.com/faultline/faultline/internal/durable"
)

// writeFile writes path whole or not at all (durable.WriteFile): after a
// crash or a power loss path holds its old content or the new one, never a
// torn mix. A temporary file that a crash leaves behind starts with a dot
// and ends in .tmp plus digits (durable.IsLeftover). Run files are for reading:
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
