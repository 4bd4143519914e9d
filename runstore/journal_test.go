package runstore

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/codec"
)

func journalOps(n int) []history.Op {
	ops := make([]history.Op, 0, 2*n)
	for i := 0; i < n; i++ {
		p := i % 3
		ops = append(ops,
			history.Op{Index: 2 * i, Time: int64(10 * i), Type: history.Invoke, Process: p, F: "cas", Value: []any{int64(i), int64(i + 1)}},
			history.Op{Index: 2*i + 1, Time: int64(10*i + 5), Type: history.OK, Process: p, F: "cas", Value: []any{int64(i), int64(i + 1)}})
	}
	return ops
}

func TestJournalWritesEveryOpAndReadsBackEqual(t *testing.T) {
	path := filepath.Join(t.TempDir(), StreamFile)
	j, err := OpenJournal(path, JournalOptions{Batch: 7})
	if err != nil {
		t.Fatal(err)
	}
	ops := journalOps(500)
	for _, op := range ops {
		if err := j.Append(op); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	h, warnings, err := codec.ReadFile(path, codec.Auto)
	if err != nil || len(warnings) > 0 {
		t.Fatalf("reading back: %v %v", err, warnings)
	}
	if h.Len() != len(ops) {
		t.Fatalf("read %d ops, wrote %d", h.Len(), len(ops))
	}
	for i := range ops {
		if got, want := h.At(i).String(), ops[i].String(); got != want {
			t.Fatalf("op %d read back as %s, want %s", i, got, want)
		}
	}
}

func TestACrashedRunLeavesTheHistoryUpToTheLastFsync(t *testing.T) {
	path := filepath.Join(t.TempDir(), StreamFile)
	j, err := OpenJournal(path, JournalOptions{SyncEvery: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	ops := journalOps(100)
	for _, op := range ops {
		j.Append(op)
	}
	// No Close: the process "dies" here. The writer syncs on its own timer.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if st, err := os.Stat(path); err == nil && st.Size() > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("nothing reached the file within 5s without Close")
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(30 * time.Millisecond)
	// A crash mid-write leaves a torn last line: the reader keeps the rest.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	torn := filepath.Join(t.TempDir(), "torn.jsonl")
	if err := os.WriteFile(torn, append(b, []byte(`{"index":200,"time":2000,"type":"inv`)...), 0o644); err != nil {
		t.Fatal(err)
	}
	h, warnings, err := codec.ReadFile(torn, codec.Auto)
	if err != nil {
		t.Fatalf("a crashed run's journal is unreadable: %v", err)
	}
	if h.Len() != len(ops) {
		t.Fatalf("read %d ops from the crashed journal, want the %d appended before the crash", h.Len(), len(ops))
	}
	if len(warnings) != 1 {
		t.Fatalf("warnings %v, want one about the torn last line", warnings)
	}
}

func TestLoadPrefersTheFinalEDNAndFallsBackToTheStream(t *testing.T) {
	s := &Store{Root: t.TempDir()}
	r, err := s.Create("t", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	j, err := r.OpenJournal(JournalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ops := journalOps(10)
	for _, op := range ops {
		j.Append(op)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	l, err := Load(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(l.HistoryFile) != StreamFile || l.History.Len() != 20 || l.Results != nil {
		t.Fatalf("crashed run loaded from %s with %d ops, results %v", l.HistoryFile, l.History.Len(), l.Results)
	}
	if err := r.WriteHistory(ops[:4]); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteConfig(map[string]any{"workload": "register"}); err != nil {
		t.Fatal(err)
	}
	l, err = Load(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(l.HistoryFile) != HistoryEDNFile || l.History.Len() != 4 || l.Config["workload"] != "register" {
		t.Fatalf("finished run loaded from %s with %d ops and config %v", l.HistoryFile, l.History.Len(), l.Config)
	}
	txt, _, err := codec.ReadFile(r.Path(HistoryTxtFile), codec.JepsenLog)
	if err != nil || txt.Len() != 4 {
		t.Fatalf("history.txt read back with %v ops: %v", txt, err)
	}
}

func TestAFailingDiskIsReportedNotSwallowed(t *testing.T) {
	// /dev/full accepts the open and fails every write with ENOSPC.
	j, err := OpenJournal("/dev/full", JournalOptions{SyncEvery: 5 * time.Millisecond, Batch: 1})
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	var appendErr error
	for i, op := range journalOps(20000) {
		if appendErr = j.Append(op); appendErr != nil {
			break
		}
		if i%1000 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	err = j.Close()
	if err == nil || !strings.Contains(err.Error(), "no space left on device") {
		t.Fatalf("Close after writing to a full disk: %v", err)
	}
	if appendErr == nil {
		t.Fatal("Append kept accepting ops without reporting the failed writes")
	}
}
