package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
)

func TestStatsCountOutcomesAndTrackActiveFaults(t *testing.T) {
	var s Stats
	nem := func(f string) history.Op {
		return history.Op{Type: history.Info, Process: history.NemesisProcess, F: f}
	}
	for _, op := range []history.Op{
		{Type: history.Invoke, Process: 0, F: "read"}, {Type: history.OK, Process: 0, F: "read"},
		{Type: history.Invoke, Process: 1, F: "write"}, {Type: history.Fail, Process: 1, F: "write"},
		{Type: history.Invoke, Process: 2, F: "cas"}, {Type: history.Info, Process: 2, F: "cas"},
		{Type: history.Invoke, Process: history.NemesisProcess, F: "start-partition"}, // an invoke changes nothing yet
		nem("start-partition"), nem("kill"), nem("pause"), nem("bump-clock"),
		nem("resume"), nem("start"), nem("check-clock-offsets"),
	} {
		s.Observe(op)
	}
	snap := s.Snapshot()
	if snap.Invokes != 3 || snap.OK != 1 || snap.Fail != 1 || snap.Info != 1 {
		t.Fatalf("counts %+v", snap)
	}
	if got := strings.Join(snap.Active, ","); got != "clock,partition" {
		t.Fatalf("active faults %q, want clock,partition (kill and pause were undone)", got)
	}
	line := snap.Line(12*time.Second+300*time.Millisecond, time.Minute, 1234.4)
	if line != "12s / 1m0s  1234 ops/s  ok 1  fail 1  info 1  faults: clock,partition" {
		t.Fatalf("status line %q", line)
	}
	s.Observe(nem("stop-partition"))
	s.Observe(nem("reset-clock"))
	if l := s.Snapshot().Line(0, 0, 0); !strings.HasSuffix(l, "faults: none") || !strings.Contains(l, "no limit") {
		t.Fatalf("status line after healing: %q", l)
	}
}

func TestWithoutATerminalProgressIsLoggedAsPlainOrJSONLines(t *testing.T) {
	var out bytes.Buffer
	test := &Test{Output: &out, LogJSON: true}
	log, term := test.logger(&bytes.Buffer{}, nil)
	if term != nil {
		t.Fatal("a bytes.Buffer was taken for a terminal")
	}
	var s Stats
	s.Observe(history.Op{Type: history.OK, Process: 0, F: "read"})
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Millisecond)
	defer cancel()
	reportProgress(ctx, &s, time.Now(), time.Minute, nil, log, 20*time.Millisecond)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) < 2 {
		t.Fatalf("%d progress lines in 120ms at one per 20ms:\n%s", len(lines), out.String())
	}
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("--log-json line is not JSON: %q: %v", l, err)
		}
		if rec["msg"] != "progress" || rec["ok"] != float64(1) || rec[slog.LevelKey] != "INFO" {
			t.Fatalf("progress record %v", rec)
		}
	}
}
