package runstore

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/codec"
)

// crashChildEnv makes this test binary a writer for the crash tests to kill:
// "journal PATH" appends ops to a journal at PATH forever, printing how many
// are synced whenever that grows; "edn DIR" rewrites DIR's history.edn over
// and over, printing "wrote" after each.
const crashChildEnv = "FAULTLINE_STORE_CRASH_CHILD"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(crashChildEnv); ok {
		crashChild(strings.Fields(args))
		return
	}
	os.Exit(m.Run())
}

func crashChild(args []string) {
	switch args[0] {
	case "journal":
		j, err := OpenJournal(args[1], JournalOptions{SyncEvery: 5 * time.Millisecond})
		if err != nil {
			panic(err)
		}
		var printed int64
		for i, op := range journalOps(1 << 20) {
			j.Append(op)
			if i%50 == 0 {
				time.Sleep(100 * time.Microsecond)
				if n := j.Synced(); n > printed {
					fmt.Printf("synced %d\n", n)
					printed = n
				}
			}
		}
	case "edn":
		r := &Run{Dir: args[1]}
		for ops := journalOps(50000); ; {
			if err := r.WriteHistory(ops); err != nil {
				panic(err)
			}
			fmt.Println("wrote")
		}
	}
	select {}
}

// startCrashChild runs this binary as a writer and returns it with its
// stdout's lines.
func startCrashChild(t *testing.T, args ...string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+strings.Join(args, " "))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, bufio.NewScanner(out)
}

func kill(t *testing.T, cmd *exec.Cmd, out *bufio.Scanner) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for out.Scan() { // drain what it printed before dying
	}
	cmd.Wait()
}

// A writer SIGKILLed mid-run, then a power loss on top of it: whatever the
// page cache held beyond the last fsync is zeroed from a random point on
// (its size kept, as the file system committed it). Every op the journal
// reported synced before the kill is loaded, in order, and nothing else is
// made up.
func TestEveryOpSyncedBeforeAKillAndAPowerLossIsLoaded(t *testing.T) {
	want := journalOps(1 << 20)
	for round := range 4 {
		dir := t.TempDir()
		path := filepath.Join(dir, StreamFile)
		cmd, out := startCrashChild(t, "journal", path)
		target := int64(500 + 1500*round)
		var synced int64
		for synced < target && out.Scan() {
			synced, _ = strconv.ParseInt(strings.TrimPrefix(out.Text(), "synced "), 10, 64)
		}
		if synced < target {
			t.Fatalf("the writer stopped before syncing %d ops", target)
		}
		kill(t, cmd, out)

		// The kill alone loses nothing written: at most a torn last line.
		h, warnings, err := readJournal(path)
		if err != nil || int64(h.Len()) < synced || len(warnings) > 1 {
			t.Fatalf("round %d after SIGKILL: %d ops of %d synced, warnings %q, err %v", round, opCount(h), synced, warnings, err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// The power loss: zeros from a random point after the last synced
		// op's line to the end of the page.
		durable := lineStarts(b)
		end := len(b)
		if int(synced) < len(durable) {
			end = durable[synced]
		}
		from := end + rand.IntN(len(b)-end+1)
		size := (len(b)/4096 + 1) * 4096
		lost := append(bytes.Clone(b[:from]), zeros(size-from)...)
		if err := os.WriteFile(path, lost, 0o644); err != nil {
			t.Fatal(err)
		}
		l, err := Load(dir)
		if err != nil {
			t.Fatalf("round %d: the journal of a killed run that lost power does not load: %v", round, err)
		}
		if n := int64(l.History.Len()); n < synced {
			t.Fatalf("round %d: loaded %d ops; %d were synced before the crash", round, n, synced)
		}
		for i, op := range l.History.All() {
			if got, w := op.String(), want[i].String(); got != w {
				t.Fatalf("round %d: op %d loaded as %s, want %s", round, i, got, w)
			}
		}
		if len(l.Warnings) != 1 || !strings.Contains(l.Warnings[0].Msg, "what a power loss leaves") ||
			!strings.Contains(l.Warnings[0].Msg, fmt.Sprintf("the %d ops before this line are kept", l.History.Len())) {
			t.Fatalf("round %d: warnings %q", round, l.Warnings)
		}
	}
}

// history.edn is replaced whole: a writer killed at any moment leaves the
// previous complete file or the new one, never a cut-short one.
func TestAKilledWriterLeavesHistoryEDNWholeOrAbsent(t *testing.T) {
	for round := range 3 {
		dir := t.TempDir()
		cmd, out := startCrashChild(t, "edn", dir)
		if round > 0 && !out.Scan() { // rounds after the first kill a rewrite
			t.Fatal("the writer never finished a history.edn")
		}
		time.Sleep(time.Duration(rand.IntN(200)) * time.Millisecond)
		kill(t, cmd, out)
		path := filepath.Join(dir, HistoryEDNFile)
		h, warnings, err := codec.ReadFile(path, codec.EDN)
		switch {
		case os.IsNotExist(err) && round == 0:
			continue // killed before the first rename
		case err != nil || len(warnings) > 0 || h.Len() != 100000:
			t.Fatalf("round %d: history.edn after a kill: %d ops, warnings %q, err %v", round, opCount(h), warnings, err)
		}
	}
}

// opCount is h's length, or -1 for no history (for failure messages).
func opCount(h *history.History) int {
	if h == nil {
		return -1
	}
	return h.Len()
}

// A write that fails leaves the old file as it was and no temporary file.
func TestAFailedWriteLeavesTheOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ResultsFile)
	if err := writeFile(path, func(w *bufio.Writer) error { _, err := w.WriteString("old\n"); return err }); err != nil {
		t.Fatal(err)
	}
	err := writeFile(path, func(w *bufio.Writer) error {
		w.WriteString("half of the new")
		return io.ErrShortWrite
	})
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("a failed write returned %v, want an error naming %s", err, path)
	}
	if b, _ := os.ReadFile(path); string(b) != "old\n" {
		t.Fatalf("after a failed write the file holds %q, want the old content", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("folder holds %d entries after a failed write, want only %s", len(entries), ResultsFile)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v, want 0644", st.Mode().Perm())
	}
}
