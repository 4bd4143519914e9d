// Package runstore owns a test run's folder on disk: where the history is
// streamed while the test runs, where results, configuration, the run log and
// each node's logs land afterwards, and how a stored run is found and loaded
// back for `faultline analyze`. The layout follows Jepsen's so that people
// (and tools) who know store/ find their way:
//
//	<root>/<test-name>/<20260125T120000.000Z>/
//	    history.jsonl   streamed as the test runs (JSON lines, fsynced in batches)
//	    history.edn     the whole history as Jepsen EDN, written at the end
//	    history.txt     Jepsen's tab-separated text form
//	    results.json, results.edn
//	    config.json     the test's configuration, secrets redacted
//	    run.log         the run's log
//	    <node>/         logs downloaded from each node
//	<root>/<test-name>/latest -> <timestamp>
//	<root>/latest  -> <test-name>/<timestamp>
//	<root>/current -> <test-name>/<timestamp>   (only while a run is in progress)
//
// Files other than the journal are written whole or not at all (a temporary
// name, fsynced, renamed), and new names are fsynced into their folders, so a
// power loss leaves each file old or new. The journal is the one file that
// grows in place: a power loss may leave it cut short or ending in zero
// bytes, and Load keeps every op before the damage, with a warning.
//
// The package is runstore, not store, so that its source never shares a
// folder with the default folder of runs, store/, which is ignored whole.
package runstore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// File names inside a run folder.
const (
	StreamFile     = "history.jsonl"
	HistoryEDNFile = "history.edn"
	HistoryTxtFile = "history.txt"
	ResultsFile    = "results.json"
	ResultsEDNFile = "results.edn"
	ConfigFile     = "config.json"
	LogFile        = "run.log"
)

// TimeFormat is the layout of a run folder's name: the run's start in UTC to
// the millisecond, as Jepsen names its runs.
const TimeFormat = "20060102T150405.000Z"

// Store is a root folder holding runs of any number of tests.
type Store struct {
	Root string
}

// Run is one run's folder.
type Run struct {
	Store *Store
	Test  string
	Start time.Time
	Dir   string
}

// Create makes the folder of a new run of test started at start, and points
// <root>/current at it. Two runs started in the same millisecond get
// distinct folders (the later one is named a millisecond later).
func (s *Store) Create(test string, start time.Time) (*Run, error) {
	if err := checkName(test); err != nil {
		return nil, err
	}
	parent := filepath.Join(s.Root, test)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	start = start.UTC()
	for {
		dir := filepath.Join(parent, start.Format(TimeFormat))
		err := os.Mkdir(dir, 0o755)
		if errors.Is(err, fs.ErrExist) {
			start = start.Add(time.Millisecond)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		// The new folder's name must survive a power loss, or the
		// journal fsynced inside it would be unreachable.
		if err := errors.Join(syncDir(parent), syncDir(s.Root)); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		r := &Run{Store: s, Test: test, Start: start, Dir: dir}
		if err := s.link("current", r.rel()); err != nil {
			return nil, err
		}
		return r, nil
	}
}

// checkName refuses test names that would escape the store or be unreadable
// as a folder name.
func checkName(test string) error {
	if test == "" || test == "." || test == ".." || test == "latest" || test == "current" || strings.ContainsAny(test, `/\`+"\x00") {
		return fmt.Errorf("store: test name %q: expected a non-empty name without slashes, other than latest or current", test)
	}
	return nil
}

// rel is the run's folder relative to the store root.
func (r *Run) rel() string { return filepath.Join(r.Test, filepath.Base(r.Dir)) }

// Path returns the path of a file in the run folder.
func (r *Run) Path(name string) string { return filepath.Join(r.Dir, name) }

// NodeDir returns (creating it) the folder for one node's logs.
func (r *Run) NodeDir(node string) (string, error) {
	if node == "" || strings.ContainsAny(node, `/\`) || node == "." || node == ".." {
		return "", fmt.Errorf("store: node name %q cannot name a folder", node)
	}
	dir := filepath.Join(r.Dir, node)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("store: %w", err)
	}
	return dir, nil
}

// Finish points <root>/latest and <root>/<test>/latest at the run and
// removes <root>/current if it still points here.
func (r *Run) Finish() error {
	if err := r.Store.link("latest", r.rel()); err != nil {
		return err
	}
	if err := r.Store.link(filepath.Join(r.Test, "latest"), filepath.Base(r.Dir)); err != nil {
		return err
	}
	cur := filepath.Join(r.Store.Root, "current")
	if target, err := os.Readlink(cur); err == nil && target == r.rel() {
		if err := os.Remove(cur); err != nil {
			return fmt.Errorf("store: %w", err)
		}
	}
	return nil
}

// link atomically points the symlink <root>/name at target (relative to the
// link's folder): a reader never sees the link missing.
func (s *Store) link(name, target string) error {
	path := filepath.Join(s.Root, name)
	tmp := fmt.Sprintf("%s.tmp%d", path, os.Getpid())
	_ = os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("store: %w", err)
	}
	return nil
}
