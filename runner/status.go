package runner

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/internal/statusline"
)

// Stats counts what a run has recorded so far, for the status line. The
// control loop calls Observe; any goroutine may call Snapshot.
type Stats struct {
	invokes, ok, fail, info atomic.Int64

	mu     sync.Mutex
	active map[string]bool
}

// Snapshot is the state of a run at one moment.
type Snapshot struct {
	Invokes, OK, Fail, Info int64
	// Active names the faults in effect, as far as the nemesis ops tell.
	Active []string
}

// Observe counts one recorded op.
func (s *Stats) Observe(op history.Op) {
	if op.Process == history.NemesisProcess {
		if op.Type == history.Info {
			s.fault(op.F)
		}
		return
	}
	switch op.Type {
	case history.Invoke:
		s.invokes.Add(1)
	case history.OK:
		s.ok.Add(1)
	case history.Fail:
		s.fail.Add(1)
	case history.Info:
		s.info.Add(1)
	}
}

// fault tracks which faults are on from the fs of completed nemesis ops:
// start-X/stop-X, kill/start, pause/resume, and clock faults until
// reset-clock.
func (s *Stats) fault(f string) {
	name, on := "", false
	switch {
	case strings.HasPrefix(f, "start-"):
		name, on = strings.TrimPrefix(f, "start-"), true
	case strings.HasPrefix(f, "stop-"):
		name = strings.TrimPrefix(f, "stop-")
	case f == "kill" || f == "pause":
		name, on = f, true
	case f == "start":
		name = "kill"
	case f == "resume":
		name = "pause"
	case f == "bump-clock" || f == "strobe-clock":
		name, on = "clock", true
	case f == "reset-clock":
		name = "clock"
	default:
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active == nil {
		s.active = make(map[string]bool)
	}
	if on {
		s.active[name] = true
	} else {
		delete(s.active, name)
	}
}

// Snapshot returns the counts and active faults now.
func (s *Stats) Snapshot() Snapshot {
	out := Snapshot{Invokes: s.invokes.Load(), OK: s.ok.Load(), Fail: s.fail.Load(), Info: s.info.Load()}
	s.mu.Lock()
	for f := range s.active {
		out.Active = append(out.Active, f)
	}
	s.mu.Unlock()
	sort.Strings(out.Active)
	return out
}

// completed is the number of client ops completed so far.
func (s Snapshot) completed() int64 { return s.OK + s.Fail + s.Info }

// Line renders the status: elapsed / limit, ops/s over the last interval,
// outcome counts and active faults.
func (s Snapshot) Line(elapsed, limit time.Duration, opsPerSec float64) string {
	lim := "no limit"
	if limit > 0 {
		lim = limit.String()
	}
	faults := "none"
	if len(s.Active) > 0 {
		faults = strings.Join(s.Active, ",")
	}
	return fmt.Sprintf("%s / %s  %.0f ops/s  ok %d  fail %d  info %d  faults: %s",
		elapsed.Truncate(time.Second), lim, opsPerSec, s.OK, s.Fail, s.Info, faults)
}

// reportProgress shows progress until ctx ends: every half second on the
// terminal's status line, or (with no terminal) every interval as a log line.
func reportProgress(ctx context.Context, stats *Stats, start time.Time, limit time.Duration, term *statusline.Terminal, log *slog.Logger, interval time.Duration) {
	if term != nil {
		interval = 500 * time.Millisecond
		defer term.Clear()
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	prev, prevAt := int64(0), start
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			s := stats.Snapshot()
			rate := float64(s.completed()-prev) / now.Sub(prevAt).Seconds()
			prev, prevAt = s.completed(), now
			if term != nil {
				term.Set(s.Line(now.Sub(start), limit, rate))
				continue
			}
			log.Info("progress", "elapsed", now.Sub(start).Truncate(time.Second).String(), "ops-per-sec", int64(rate),
				"ok", s.OK, "fail", s.Fail, "info", s.Info, "faults", strings.Join(s.Active, ","))
		}
	}
}
