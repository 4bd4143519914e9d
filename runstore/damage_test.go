package runstore

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/history/codec"
)

var testStart = time.Date(2026, 1, 25, 12, 0, 0, 0, time.UTC)

// writeJournal writes ops through a real Journal and returns the file's bytes.
func writeJournal(t *testing.T, path string, n int) []byte {
	t.Helper()
	j, err := OpenJournal(path, JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range journalOps(n) {
		if err := j.Append(op); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := j.Synced(), int64(2*n); got != want {
		t.Fatalf("Synced() = %d after Close, want every one of the %d ops appended", got, want)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// lineStarts returns the byte offset at which each line of b starts.
func lineStarts(b []byte) []int {
	starts := []int{0}
	for i, c := range b {
		if c == '\n' && i+1 < len(b) {
			starts = append(starts, i+1)
		}
	}
	return starts
}

func zeros(n int) []byte { return make([]byte, n) }

// A power loss leaves the journal's committed size with zero bytes where the
// last pages' data never reached the disk. Every case loads exactly the ops
// on the lines before the first zero byte, with one warning saying where the
// damage starts, how much there is and how many ops were kept.
func TestAJournalEndingInZerosLoadsEverythingBeforeThemWithAWarning(t *testing.T) {
	const pairs = 20000 // 40000 lines, over 1 MiB: damage past the scanner's first chunk
	dir := t.TempDir()
	good := writeJournal(t, filepath.Join(dir, "good.jsonl"), pairs)
	starts := lineStarts(good)
	if len(good) < 1<<20 || len(starts) != 2*pairs {
		t.Fatalf("journal of %d bytes and %d lines, want over 1 MiB and %d lines", len(good), len(starts), 2*pairs)
	}
	cut := func(line int) []byte { return bytes.Clone(good[:starts[line-1]]) } // lines before `line`
	cases := []struct {
		name     string
		content  []byte
		ops      int
		line     int
		col      int
		explains string
	}{
		{
			name:    "zeros after the last complete line",
			content: append(bytes.Clone(good), zeros(4096)...),
			ops:     2 * pairs, line: 2*pairs + 1, col: 1,
			explains: fmt.Sprintf("zero bytes start here (4096 zero bytes to the end of the file), %s; the %d ops before this line are kept", powerLoss, 2*pairs),
		},
		{
			// The page holding the start of line 30001 was half written.
			name:    "an op cut short by zeros",
			content: append(append(cut(30001), good[starts[30000]:starts[30000]+17]...), zeros(3000)...),
			ops:     30000, line: 30001, col: 18,
			explains: fmt.Sprintf("the op on this line is cut short by zero bytes (3000 zero bytes to the end of the file), %s; the 30000 ops before this line are kept", powerLoss),
		},
		{
			// Writeback reached a later page but not this one: the lines
			// after the hole are complete, and still not loaded.
			name:    "a hole with complete lines after it",
			content: append(append(cut(101), zeros(4096)...), good[starts[200]:starts[203]]...),
			ops:     100, line: 101, col: 1,
			explains: fmt.Sprintf("zero bytes start here (4096 zero bytes and %d other bytes (3 lines) to the end of the file), %s; the 100 ops before this line are kept; nothing after the first zero byte is loaded, as ops after a hole would pair wrongly with those before it", starts[203]-starts[200], powerLoss),
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), StreamFile)
			if err := os.WriteFile(path, c.content, 0o644); err != nil {
				t.Fatal(err)
			}
			h, warnings, err := readJournal(path)
			if err != nil {
				t.Fatalf("a power-damaged journal failed to load: %v", err)
			}
			if h.Len() != c.ops {
				t.Fatalf("loaded %d ops, want the %d before the damage", h.Len(), c.ops)
			}
			want := fmt.Sprintf("%s:%d:%d: %s", path, c.line, c.col, c.explains)
			if len(warnings) != 1 || warnings[0].String() != want {
				t.Fatalf("warnings %q\nwant one: %q", warnings, want)
			}
			for i, op := range h.All() {
				if op.Index != i {
					t.Fatalf("op %d loaded with index %d: not the journal's prefix", i, op.Index)
				}
			}
		})
	}
}

// A journal that is zeros from its first byte holds no history: like an
// empty file, that is an error (never an empty, valid history), and it says
// what the file holds.
func TestAJournalOfNothingButZerosIsNoHistory(t *testing.T) {
	path := filepath.Join(t.TempDir(), StreamFile)
	if err := os.WriteFile(path, zeros(8192), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := readJournal(path)
	var none *codec.NoOpsError
	want := "no operations found in " + path + " (read as json): it starts with zero bytes (8192 zero bytes to the end of the file), " + powerLoss
	if !errors.As(err, &none) || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

// Only zero bytes mark a power loss. A torn last line (a crash) is the
// reader's usual warning; a broken line with intact lines after it is no
// power loss and no history, so it is an error that says where.
func TestATornLineIsAWarningOnlyAtTheEnd(t *testing.T) {
	dir := t.TempDir()
	good := writeJournal(t, filepath.Join(dir, "good.jsonl"), 10)
	starts := lineStarts(good)

	torn := filepath.Join(dir, "torn.jsonl")
	os.WriteFile(torn, good[:starts[19]+25], 0o644)
	h, warnings, err := readJournal(torn)
	if err != nil || h.Len() != 19 {
		t.Fatalf("torn last line: %d ops, %v", opCount(h), err)
	}
	if len(warnings) != 1 || !strings.HasPrefix(warnings[0].String(), torn+":20:1: the last op is cut short (a crashed run?) and was dropped; the 19 ops before it are kept") {
		t.Fatalf("torn last line: warnings %q", warnings)
	}

	broken := filepath.Join(dir, "broken.jsonl")
	os.WriteFile(broken, append(append(bytes.Clone(good[:starts[5]+25]), '\n'), good[starts[6]:]...), 0o644)
	if _, _, err := readJournal(broken); err == nil || !strings.Contains(err.Error(), broken+":6:") {
		t.Fatalf("a broken line amid intact ones loaded (err %v), want an error naming %s:6", err, broken)
	}
}

// history.edn is written whole or not at all now; one that an older
// Faultline left cut short by a crash yields to the journal beside it.
func TestADamagedHistoryEDNYieldsToTheJournal(t *testing.T) {
	s := &Store{Root: t.TempDir()}
	r, err := s.Create("t", testStart)
	if err != nil {
		t.Fatal(err)
	}
	writeJournal(t, r.Path(StreamFile), 10)
	if err := r.WriteHistory(journalOps(10)); err != nil {
		t.Fatal(err)
	}
	full, err := os.ReadFile(r.Path(HistoryEDNFile))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(r.Path(HistoryEDNFile), append(full[:len(full)/2], zeros(100)...), 0o644)
	l, err := Load(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(l.HistoryFile) != StreamFile || l.History.Len() != 20 {
		t.Fatalf("loaded %d ops from %s, want all 20 from the journal", l.History.Len(), l.HistoryFile)
	}
	if len(l.Warnings) != 1 || !strings.Contains(l.Warnings[0].Msg, "the history comes from history.jsonl instead, which holds 20 ops") {
		t.Fatalf("warnings %q", l.Warnings)
	}
}
