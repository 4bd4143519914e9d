// Package ledger is the fault ledger on the control node: before a fault is
// applied to a node, an entry says what the fault is, on which nodes, how
// to undo it (as data, so a process that never saw the run can heal it) and
// who owns it; the entry is removed once the fault is healed. A harness
// killed with SIGKILL, or a control node that lost power, leaves its entries
// behind, and the next run (or `faultline heal`) undoes them before doing
// anything else.
//
// Ownership is by claim: a run claims its nodes (Claim) before it touches
// them, and every entry it writes names its claim. A claim is live while
// its process is alive (pid, boot id and start time, so a reused pid does
// not count) and the claim has not been released; a second run whose nodes
// overlap a live claim is refused with a *BusyError naming the other run.
// Entries of claims that are not live are leftovers, and only those are
// ever healed. A process that runs tests one after another (test-all)
// releases each run's claim, so the next run heals what the last one left.
//
// Where it lives: one folder per user on the control node (DefaultDir:
// $FAULTLINE_LEDGER_DIR, else $XDG_STATE_HOME/faultline/ledger, else
// ~/.local/state/faultline/ledger), not the run store: faults belong to
// nodes, not runs, and two runs with different --store folders on the same
// nodes must see each other's faults; `faultline heal` knows no store.
//
// Nodes are identified by what they are, not what they are called (ID):
// local clusters all name their nodes n1, n2, ..., so an entry names the
// node's boot id and network namespace as the node reports them.
//
// Every file is written to a temporary name, fsynced and renamed, and
// removals fsync their folder (internal/durable), so an entry said written
// is on disk before the fault is applied.
package ledger

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/faultline/faultline/db"
	"github.com/faultline/faultline/internal/durable"
	"github.com/faultline/faultline/internal/owner"
	"github.com/faultline/faultline/nemesis/target"
)

// DirEnv overrides DefaultDir.
const DirEnv = "FAULTLINE_LEDGER_DIR"

// DefaultDir is where the ledger lives unless a test or program says
// otherwise (see the package doc).
func DefaultDir() string {
	if d := os.Getenv(DirEnv); d != "" {
		return d
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "faultline", "ledger")
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		home = os.TempDir()
	}
	return filepath.Join(home, ".local", "state", "faultline", "ledger")
}

// Ledger is a ledger folder: claims/ holds one file per claim, faults/ one
// file per fault entry, and lock serialises claiming.
type Ledger struct {
	Dir string
}

// Open returns the ledger in dir, creating its folders. A Ledger{Dir: dir}
// that was not opened creates them when it first claims nodes.
func Open(dir string) (*Ledger, error) {
	l := &Ledger{Dir: dir}
	for _, d := range []string{l.claimsDir(), l.faultsDir()} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("fault ledger: %w", err)
		}
	}
	return l, nil
}

func (l *Ledger) claimsDir() string { return filepath.Join(l.Dir, "claims") }
func (l *Ledger) faultsDir() string { return filepath.Join(l.Dir, "faults") }
func (l *Ledger) entryPath(id string) string {
	return filepath.Join(l.faultsDir(), id+".json")
}

// Node is a node as the ledger knows it: the name a run used, and ID, what
// the node is (see Identify).
type Node struct {
	Name string `json:"name"`
	ID   string `json:"id"`
}

// ClaimRecord is a claim's file: a run's hold on its nodes.
type ClaimRecord struct {
	ID    string        `json:"id"`
	Owner owner.Process `json:"owner"`
	Run   string        `json:"run,omitempty"` // the run's folder, for messages
	Nodes []Node        `json:"nodes"`
	At    time.Time     `json:"at"`
}

// Entry is one fault that may be in effect: written before the fault is
// applied, removed once it is healed.
type Entry struct {
	ID    string    `json:"id"`
	Claim string    `json:"claim"` // the ClaimRecord.ID of its owner
	Fault string    `json:"fault"` // the op f, or "setup" for what a nemesis's Setup does
	Run   string    `json:"run,omitempty"`
	At    time.Time `json:"at"`
	// Nodes says, per node, how to undo the fault there.
	Nodes []NodeUndo `json:"nodes"`
}

// NodeUndo is how to undo a fault on one node.
type NodeUndo struct {
	Node
	Undo []Undo `json:"undo"`
}

// BusyError is the refusal of a claim on nodes a live run holds.
type BusyError struct {
	Other ClaimRecord
	Nodes []string // the nodes both want
}

func (e *BusyError) Error() string {
	run := e.Other.Run
	if run == "" {
		run = "(no run folder: faultline heal)"
	}
	return fmt.Sprintf("nodes %s are in use by another live run: process %d on %s, run folder %s (wait for it to finish, or stop it; its faults are never healed while it lives)",
		strings.Join(e.Nodes, ", "), e.Other.Owner.PID, e.Other.Owner.Host, run)
}

// Claim is a held claim; Release gives the nodes back.
type Claim struct {
	l   *Ledger
	rec ClaimRecord
	seq atomic.Int64
}

// Info returns the claim's record.
func (c *Claim) Info() ClaimRecord { return c.rec }

// Ledger returns the ledger the claim belongs to.
func (c *Claim) Ledger() *Ledger { return c.l }

var claimSeq atomic.Int64

// Claim takes the nodes for the calling process's run (run is its folder,
// for other runs' error messages). It fails with a *BusyError if a live
// claim holds any of them. Claims whose owner is gone are left in place
// (their entries are leftovers Heal undoes, and Heal then drops them).
func (l *Ledger) Claim(run string, nodes []Node) (*Claim, error) {
	if _, err := Open(l.Dir); err != nil {
		return nil, err
	}
	unlock, err := l.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	claims, err := l.Claims()
	if err != nil {
		return nil, err
	}
	for _, other := range claims {
		if live, _ := other.Live(); !live {
			continue
		}
		if both := overlap(other.Nodes, nodes); len(both) > 0 {
			return nil, &BusyError{Other: other, Nodes: both}
		}
	}
	me := owner.Self()
	rec := ClaimRecord{
		ID:    fmt.Sprintf("%d-%d-%d-%d", me.PID, me.Start, time.Now().UnixNano(), claimSeq.Add(1)),
		Owner: me, Run: run, Nodes: nodes, At: time.Now().UTC(),
	}
	if err := writeJSON(filepath.Join(l.claimsDir(), rec.ID+".json"), rec); err != nil {
		return nil, err
	}
	return &Claim{l: l, rec: rec}, nil
}

// ClaimNodes asks each node who it is (Identify) and claims them (Claim).
func (l *Ledger) ClaimNodes(ctx context.Context, run string, nodes []db.Node) (*Claim, error) {
	ids := make([]Node, len(nodes))
	err := target.Each(ctx, nodes, func(ctx context.Context, n db.Node) error {
		id, err := Identify(ctx, n)
		ids[slices.IndexFunc(nodes, func(m db.Node) bool { return m.Name == n.Name })] = id
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("fault ledger: %w", err)
	}
	return l.Claim(run, ids)
}

// Live says whether the claim's owner is alive (exactly: pid, boot id,
// start time), and why. A claim written on another machine (a ledger on a
// shared home folder) cannot be checked and counts as live: a run never
// heals what might be another live run's faults.
func (c ClaimRecord) Live() (bool, string) {
	if host, _ := os.Hostname(); c.Owner.Host != host {
		return true, fmt.Sprintf("process %d on %s, another machine: taken for alive", c.Owner.PID, c.Owner.Host)
	}
	return c.Owner.Alive()
}

// overlap lists the names of the nodes of b that a also holds (by ID).
func overlap(a, b []Node) []string {
	var out []string
	for _, n := range b {
		if slices.ContainsFunc(a, func(m Node) bool { return m.ID == n.ID }) {
			out = append(out, n.Name)
		}
	}
	return out
}

// node is the claimed node named name.
func (c *Claim) node(name string) Node {
	for _, n := range c.rec.Nodes {
		if n.Name == name {
			return n
		}
	}
	return Node{Name: name}
}

// Release gives the claim's nodes back. Entries still in the ledger stay:
// they are faults this run could not heal, which the next run heals.
func (c *Claim) Release() error {
	return c.l.removeClaim(c.rec.ID)
}

func (l *Ledger) removeClaim(id string) error {
	if err := durable.Remove(filepath.Join(l.claimsDir(), id+".json")); err != nil {
		return fmt.Errorf("fault ledger: releasing claim %s: %w", id, err)
	}
	return nil
}

// Record writes an entry for a fault about to be applied and returns its
// id; it returns once the entry is on disk.
func (c *Claim) Record(fault string, nodes []NodeUndo) (string, error) {
	e := Entry{
		ID:    fmt.Sprintf("%s-%d", c.rec.ID, c.seq.Add(1)),
		Claim: c.rec.ID, Fault: fault, Run: c.rec.Run, At: time.Now().UTC(), Nodes: nodes,
	}
	if err := writeJSON(c.l.entryPath(e.ID), e); err != nil {
		return "", err
	}
	return e.ID, nil
}

// Clear removes an entry: its fault is healed.
func (l *Ledger) Clear(id string) error {
	if err := durable.Remove(l.entryPath(id)); err != nil {
		return fmt.Errorf("fault ledger: clearing %s: %w", id, err)
	}
	return nil
}

// Claims lists every claim file, oldest first.
func (l *Ledger) Claims() ([]ClaimRecord, error) {
	return readAll[ClaimRecord](l.claimsDir(), func(c ClaimRecord) time.Time { return c.At })
}

// Entries lists every fault entry, oldest first.
func (l *Ledger) Entries() ([]Entry, error) {
	return readAll[Entry](l.faultsDir(), func(e Entry) time.Time { return e.At })
}

// readAll reads every *.json of dir (temporary files a crash left start with
// a dot and are skipped), sorted by the time at gives.
func readAll[T any](dir string, at func(T) time.Time) ([]T, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	var out []T
	for _, name := range names {
		b, err := os.ReadFile(name)
		if errors.Is(err, os.ErrNotExist) {
			continue // cleared meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("fault ledger: %w", err)
		}
		var v T
		if err := json.Unmarshal(b, &v); err != nil {
			return nil, fmt.Errorf("fault ledger: %s: %w (a ledger file is written whole or not at all, so this one was edited by hand; fix or remove it)", name, err)
		}
		out = append(out, v)
	}
	sort.SliceStable(out, func(i, j int) bool { return at(out[i]).Before(at(out[j])) })
	return out, nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("fault ledger: %w", err)
	}
	if err := durable.WriteFile(path, 0o644, func(w *bufio.Writer) error { _, err := w.Write(append(b, '\n')); return err }); err != nil {
		return fmt.Errorf("fault ledger: %w", err)
	}
	return nil
}

// lock takes the ledger's exclusive lock (flock, released if the process
// dies), so two runs starting at once cannot both claim the same nodes.
func (l *Ledger) lock() (func(), error) {
	f, err := os.OpenFile(filepath.Join(l.Dir, "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("fault ledger: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("fault ledger: locking %s: %w", f.Name(), err)
	}
	_, _ = f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
	return func() { f.Close() }, nil
}
