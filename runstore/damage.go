package runstore

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/codec"
)

// A power loss can leave a journal longer than what reached the disk: the
// file system committed the file's new size but not the data of its last
// pages, which read back as zero bytes (a page may also be half written, so
// the zeros can start inside a line). The journal never writes a zero byte
// (JSON escapes control characters), so the first one marks the damage.
// Everything before the line it falls on was written before it and is
// loaded; nothing after it is, even complete lines a reordered writeback kept
// after the hole: ops after a hole would pair wrongly with those before it
// (a lost completion would make an acknowledged write look indeterminate,
// which can hide an anomaly).

// damage describes a journal's zero-filled part.
type damage struct {
	line      int   // the line holding the first zero byte, from 1
	lineStart int64 // the byte offset at which that line starts
	col       int   // the first zero byte's column on it, from 1
	zeros     int64 // zero bytes from there to the end of the file
	rest      int64 // other bytes after the first zero byte
	restLines int   // newlines among them
}

// findDamage scans r for the first zero byte; nil means there is none.
func findDamage(r io.Reader) (*damage, error) {
	buf := make([]byte, 1<<20)
	var d *damage
	var off, lineStart int64
	line := 1
	for {
		n, err := r.Read(buf)
		chunk := buf[:n]
		if d == nil {
			if z := bytes.IndexByte(chunk, 0); z >= 0 {
				before := chunk[:z]
				line += bytes.Count(before, []byte{'\n'})
				if nl := bytes.LastIndexByte(before, '\n'); nl >= 0 {
					lineStart = off + int64(nl) + 1
				}
				d = &damage{line: line, lineStart: lineStart, col: int(off + int64(z) - lineStart + 1)}
				chunk = chunk[z:]
			} else {
				line += bytes.Count(chunk, []byte{'\n'})
				if nl := bytes.LastIndexByte(chunk, '\n'); nl >= 0 {
					lineStart = off + int64(nl) + 1
				}
			}
		}
		if d != nil {
			nonZero := len(chunk) - bytes.Count(chunk, []byte{0})
			d.zeros += int64(len(chunk) - nonZero)
			d.rest += int64(nonZero)
			d.restLines += bytes.Count(chunk, []byte{'\n'})
		}
		off += int64(n)
		if err == io.EOF {
			return d, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// readJournal reads a run's history.jsonl. A journal cut short (a torn last
// line) or ending in zero bytes (a power loss) gives the ops before the
// damage and a Warning that says where it starts and what was dropped.
func readJournal(path string) (*history.History, []codec.Warning, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	d, err := findDamage(f)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if d == nil {
		return codec.ReadFile(path, codec.Auto)
	}
	if d.lineStart == 0 { // no op before the damage: no history, as for an empty file
		return nil, nil, &codec.NoOpsError{File: path, Format: string(codec.JSON),
			Why: fmt.Sprintf("it starts with zero bytes (%s), %s", d.extent(), powerLoss)}
	}
	r, err := codec.NewReader(io.NewSectionReader(f, 0, d.lineStart), path, codec.Auto)
	if err != nil {
		return nil, nil, err
	}
	h, err := r.ReadAll()
	if err != nil {
		return nil, nil, err
	}
	w := codec.Warning{File: path, Line: d.line, Col: d.col, Msg: d.explain(h.Len())}
	return h, append(r.Warnings(), w), nil
}

// powerLoss says where zero bytes in a journal come from.
const powerLoss = "what a power loss leaves of writes that never reached the disk"

// extent says how much damage there is.
func (d *damage) extent() string {
	if d.rest > 0 {
		return fmt.Sprintf("%d zero bytes and %d other bytes (%d lines) to the end of the file", d.zeros, d.rest, d.restLines)
	}
	return fmt.Sprintf("%d zero bytes to the end of the file", d.zeros)
}

// explain says what the damage is and what was kept of the journal.
func (d *damage) explain(kept int) string {
	what := "zero bytes start here"
	if d.col > 1 {
		what = "the op on this line is cut short by zero bytes"
	}
	msg := fmt.Sprintf("%s (%s), %s; the %d ops before this line are kept", what, d.extent(), powerLoss, kept)
	if d.rest > 0 {
		msg += "; nothing after the first zero byte is loaded, as ops after a hole would pair wrongly with those before it"
	}
	return msg
}
