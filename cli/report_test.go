package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/runstore"
)

// storedRun makes a store holding one finished run of test "demo" with a
// small register history under a partition, and returns the store root and
// the run folder.
func storedRun(t *testing.T) (root, dir string) {
	t.Helper()
	root = t.TempDir()
	s := &runstore.Store{Root: root}
	run, err := s.Create("demo", time.Date(2026, 1, 25, 12, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	var ops []history.Op
	add := func(tm int64, ty history.Type, p int, f string, v any) {
		ops = append(ops, history.Op{Index: len(ops), Time: tm, Type: ty, Process: p, F: f, Value: v})
	}
	add(0, history.Invoke, 0, "write", int64(1))
	add(1e6, history.OK, 0, "write", int64(1))
	add(2e8, history.Invoke, history.NemesisProcess, "start-partition", history.Keyword("majority"))
	add(21e7, history.Info, history.NemesisProcess, "start-partition", history.Keyword("majority"))
	add(3e8, history.Invoke, 1, "read", nil)
	add(8e8, history.Info, 1, "read", nil)
	add(9e8, history.Invoke, history.NemesisProcess, "stop-partition", nil)
	add(91e7, history.Info, history.NemesisProcess, "stop-partition", nil)
	add(1e9, history.Invoke, 0, "read", nil)
	add(1002e6, history.OK, 0, "read", int64(1))
	if err := run.WriteHistory(ops); err != nil {
		t.Fatal(err)
	}
	if err := run.Finish(); err != nil {
		t.Fatal(err)
	}
	return root, run.Dir
}

// reportRoot is a root with only the report command, so these tests do not
// depend on the rest of the command tree.
func reportRoot() *cobra.Command {
	root := &cobra.Command{Use: "faultline", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(reportCommand())
	return root
}

func TestReportCommandRedrawsAStoredRun(t *testing.T) {
	root, dir := storedRun(t)
	for _, args := range [][]string{
		{"report", "--store", root, "demo"},
		{"report", "--store", root},
		{"report", dir},
	} {
		for _, f := range []string{"latency-raw.png", "timeline.html"} {
			_ = os.Remove(filepath.Join(dir, f))
		}
		var out, errb bytes.Buffer
		if code := Execute(reportRoot(), args, &out, &errb); code != ExitValid {
			t.Fatalf("%v: exit %d, stderr:\n%s", args, code, errb.String())
		}
		for _, f := range []string{"latency-raw.png", "latency-raw.svg", "latency-quantiles.png", "rate.svg", "timeline.html"} {
			p := filepath.Join(dir, f)
			st, err := os.Stat(p)
			if err != nil || st.Size() == 0 {
				t.Errorf("%v: %s not written (%v)", args, f, err)
			}
			if !strings.Contains(out.String(), p+"\n") {
				t.Errorf("%v: output does not list %s:\n%s", args, p, out.String())
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "bank.png")); err == nil {
			t.Errorf("%v: a register history got a bank plot", args)
		}
		page, err := os.ReadFile(filepath.Join(dir, "timeline.html"))
		if err != nil || !strings.Contains(string(page), `"start-partition"`) {
			t.Errorf("%v: timeline.html lacks the stored history's nemesis op (%v)", args, err)
		}
	}
}

func TestReportCommandRejectsWhatIsNotARun(t *testing.T) {
	root, dir := storedRun(t)
	bad := filepath.Join(t.TempDir(), "broken")
	if err := os.MkdirAll(bad, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bad, runstore.HistoryEDNFile), []byte("{:index 0, :time 1, :type :invoke, :process 0, :f :read, :value nil}\n{:index 1, :time 2, :type :bogus, :process 0, :f :read}\n{:index 2, :time 3, :type :invoke, :process 1, :f :read, :value nil}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"report", "--store", root, "nope"}, []string{`"nope" is not a run`, "test name"}},
		{[]string{"report", "--store", t.TempDir()}, []string{"no latest run"}},
		{[]string{"report", bad}, []string{filepath.Join(bad, runstore.HistoryEDNFile) + ":2:", "bogus"}},
		{[]string{"report", dir, "extra"}, []string{"accepts at most 1 arg"}},
	} {
		var out, errb bytes.Buffer
		code := Execute(reportRoot(), c.args, &out, &errb)
		if code != ExitBadArgs {
			t.Errorf("%v: exit %d, want %d; stderr: %s", c.args, code, ExitBadArgs, errb.String())
		}
		for _, w := range c.want {
			if !strings.Contains(errb.String(), w) {
				t.Errorf("%v: stderr %q does not mention %q", c.args, errb.String(), w)
			}
		}
	}
}

func TestReportCommandWarnsAboutATornHistory(t *testing.T) {
	dir := t.TempDir()
	torn := "{:index 0, :time 1, :type :invoke, :process 0, :f :read, :value nil}\n{:index 1, :time 5, :type :ok, :process 0, :f :read, :value 3}\n{:index 2 :time"
	if err := os.WriteFile(filepath.Join(dir, runstore.HistoryEDNFile), []byte(torn), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := Execute(reportRoot(), []string{"report", dir}, &out, &errb); code != ExitValid {
		t.Fatalf("exit %d, stderr: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "warning: "+filepath.Join(dir, runstore.HistoryEDNFile)+":3:") {
		t.Errorf("the torn last line is not reported with its position: %q", errb.String())
	}
	if !strings.Contains(out.String(), filepath.Join(dir, "timeline.html")) {
		t.Errorf("the ops before the tear were not reported on: %q", out.String())
	}
}

func TestRootHasReportCommand(t *testing.T) {
	_, dir := storedRun(t)
	var out, errb bytes.Buffer
	if code := Execute(Root(), []string{"report", dir}, &out, &errb); code != ExitValid {
		t.Fatalf("faultline report through Root(): exit %d, stderr: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "timeline.html") {
		t.Errorf("faultline report wrote no timeline: %q", out.String())
	}
}
