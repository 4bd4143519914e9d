package runstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/faultline/faultline/internal/owner"
)

// HeartbeatFile is written into a run folder while the run's process is
// alive, so that a reader of the store (faultline serve) can tell a run in
// progress from one whose process died: the file says which process on which
// machine (and which boot of it) owns the run, and its modification time is
// refreshed every Every.
const HeartbeatFile = "heartbeat.json"

// DefaultHeartbeatEvery is how often a run refreshes its heartbeat.
const DefaultHeartbeatEvery = time.Second

// Heartbeat is the content of heartbeat.json: the owner of a run in progress.
type Heartbeat struct {
	PID  int    `json:"pid"`
	Host string `json:"host"`
	// BootID is the kernel's boot id (Linux), so a pid from an earlier boot
	// of the same machine is never taken for a live process.
	BootID string `json:"boot-id,omitempty"`
	// ProcStart is the process's start time in clock ticks since boot
	// (/proc/<pid>/stat), so a pid reused by another process is not taken
	// for the run's.
	ProcStart uint64 `json:"proc-start,omitempty"`
	// EveryMS is the refresh interval in milliseconds.
	EveryMS int64     `json:"every-ms"`
	Started time.Time `json:"started"`
}

// Beat is a running heartbeat; Stop ends it.
type Beat struct {
	path string
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// StartHeartbeat writes heartbeat.json into the run folder and refreshes its
// modification time every interval (DefaultHeartbeatEvery if 0) until Stop.
func (r *Run) StartHeartbeat(every time.Duration) (*Beat, error) {
	if every <= 0 {
		every = DefaultHeartbeatEvery
	}
	me := owner.Self()
	hb := Heartbeat{
		PID: me.PID, Host: me.Host, BootID: me.BootID, ProcStart: me.Start,
		EveryMS: every.Milliseconds(), Started: time.Now().UTC(),
	}
	b, err := json.Marshal(hb)
	if err != nil {
		return nil, fmt.Errorf("store: heartbeat: %w", err)
	}
	path := r.Path(HeartbeatFile)
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("store: heartbeat: %w", err)
	}
	beat := &Beat{path: path, stop: make(chan struct{}), done: make(chan struct{})}
	go beat.run(every)
	return beat, nil
}

func (b *Beat) run(every time.Duration) {
	defer close(b.done)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-b.stop:
			return
		case now := <-tick.C:
			// A failed touch only makes the run look stale sooner; the run
			// itself must not fail over it.
			_ = os.Chtimes(b.path, now, now)
		}
	}
}

// Stop ends the heartbeat and removes the file: the run's process is done
// with the run (its results, if any, say the rest). Safe to call twice.
func (b *Beat) Stop() error {
	var err error
	b.once.Do(func() {
		close(b.stop)
		<-b.done
		if e := os.Remove(b.path); e != nil && !errors.Is(e, os.ErrNotExist) {
			err = fmt.Errorf("store: heartbeat: %w", e)
		}
	})
	return err
}

// ParseHeartbeat reads the content of a heartbeat.json.
func ParseHeartbeat(b []byte) (Heartbeat, error) {
	var hb Heartbeat
	if err := json.Unmarshal(b, &hb); err != nil {
		return hb, fmt.Errorf("%s: %w", HeartbeatFile, err)
	}
	if hb.PID <= 0 || hb.EveryMS <= 0 {
		return hb, fmt.Errorf("%s: expected a pid and every-ms above 0, found pid %d, every-ms %d", HeartbeatFile, hb.PID, hb.EveryMS)
	}
	return hb, nil
}

// Alive says whether the run that wrote hb is still running, given the
// file's modification time (its last beat) and the time now, and why. On
// the machine and boot that wrote it the answer is exact: is the process
// with that pid and start time still there. Elsewhere (a store read over a
// network share) the beat must be younger than three intervals, at least
// five seconds.
func (hb Heartbeat) Alive(lastBeat, now time.Time) (bool, string) {
	if p := (owner.Process{PID: hb.PID, Host: hb.Host, BootID: hb.BootID, Start: hb.ProcStart}); p.Local() {
		return p.Alive()
	}
	stale := max(3*time.Duration(hb.EveryMS)*time.Millisecond, 5*time.Second)
	age := now.Sub(lastBeat)
	if age <= stale {
		return true, fmt.Sprintf("process %d on %s beat %s ago", hb.PID, hb.Host, age.Round(time.Second))
	}
	return false, fmt.Sprintf("process %d on %s has not beaten for %s (every %d ms expected)", hb.PID, hb.Host, age.Round(time.Second), hb.EveryMS)
}
