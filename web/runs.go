package web

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/faultline/faultline/runstore"
)

// Statuses a run can show. The first three are results.json's verdicts; the
// others say why there is none.
const (
	verdictValid      = "valid"
	verdictInvalid    = "invalid"
	verdictUnknown    = "unknown"
	verdictNone       = "no results"
	verdictRunning    = "running"
	verdictCrashed    = "crashed"
	verdictUnreadable = "unreadable results"
)

// statuses are the statuses the index can filter by, in the order offered.
var statuses = []string{verdictValid, verdictInvalid, verdictUnknown, verdictRunning, verdictCrashed, verdictNone, verdictUnreadable}

// runInfo is what the index and the run page show of one run: cheap to
// gather (a cached summary of results.json, the heartbeat, a cached line
// count), never the history or the whole results.
type runInfo struct {
	runRef
	Verdict string
	Summary string
	// Liveness says why a run without results is running or crashed.
	Liveness string
	// Results describes results.json (size, over the cap); ResultsBig
	// says it is too big to load and Summary came from its first bytes.
	ResultsSize int64
	ResultsBig  bool
	// Ops is the number of recorded ops, -1 if there is no history.
	Ops int
	// Timeline is the name of the run's timeline ("" if it has none).
	Timeline string
}

// Class is the CSS class that colours the run's row.
func (ri runInfo) Class() string {
	switch ri.Verdict {
	case verdictValid, verdictInvalid, verdictUnknown, verdictRunning, verdictCrashed:
		return ri.Verdict
	}
	return "other"
}

// Live reports whether the run is in progress.
func (ri runInfo) Live() bool { return ri.Verdict == verdictRunning }

// listRuns returns every run folder in the store (<test>/<start-time>, real
// folders only: the latest and current links are not runs of their own),
// newest first, only those of test if it is not "".
func listRuns(root *os.Root, test string) ([]runRef, error) {
	tests, err := fs.ReadDir(root.FS(), ".")
	if err != nil {
		return nil, err
	}
	var refs []runRef
	for _, t := range tests {
		if !t.IsDir() || (test != "" && t.Name() != test) {
			continue
		}
		runs, err := fs.ReadDir(root.FS(), t.Name())
		if err != nil {
			continue // a test folder we cannot read has no runs to show
		}
		for _, r := range runs {
			if ref, ok := parseRef(t.Name(), r.Name()); ok && r.IsDir() {
				refs = append(refs, ref)
			}
		}
	}
	slices.SortFunc(refs, func(a, b runRef) int {
		if c := b.Start.Compare(a.Start); c != 0 {
			return c
		}
		return strings.Compare(a.Test, b.Test)
	})
	return refs, nil
}

// testNames returns the names of the tests among refs, sorted, once each.
func testNames(refs []runRef) []string {
	var names []string
	for _, r := range refs {
		names = append(names, r.Test)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// currentRun returns "<test>/<start>" of the run <root>/current points at,
// or "" when no run is in progress. The link is written by runstore.Create as a
// path relative to the root.
func currentRun(storeRoot string) string {
	target, err := os.Readlink(filepath.Join(storeRoot, "current"))
	if err != nil {
		return ""
	}
	return filepath.ToSlash(filepath.Clean(target))
}

// info gathers what the pages show of one run. current is currentRun's
// answer.
func (s *Server) info(root *os.Root, ref runRef, current string) runInfo {
	ri := runInfo{runRef: ref, Ops: -1}
	sum := s.summaries.get(root, ref.Rel()+"/"+runstore.ResultsFile, s.maxResults())
	ri.ResultsSize, ri.ResultsBig = sum.size, sum.big
	switch {
	case sum.err != nil:
		ri.Verdict, ri.Summary = verdictUnreadable, sum.err.Error()
	case sum.present:
		ri.Verdict, ri.Summary = sum.verdict, sum.summary
	default:
		ri.Verdict, ri.Liveness = liveness(root, ref, current == ref.Rel())
	}
	ri.Timeline = firstFile(root, ref, "timeline.html")
	ri.Ops = s.opCount(root, ref)
	return ri
}

// liveness decides whether a run without results is running or crashed.
// A run writes heartbeat.json while its process lives (runstore.Beat): the
// process table (on this machine) or the age of the last beat says whether
// it still does. A run without a heartbeat file was made by an older
// Faultline or never got far: it is running if the store's current link
// points at it (nothing better is known), else it simply has no results.
func liveness(root *os.Root, ref runRef, current bool) (verdict, why string) {
	b, st, err := readRegular(root, ref.Rel()+"/"+runstore.HeartbeatFile, 4<<10)
	if err != nil {
		if current {
			return verdictRunning, "the store's current link points at this run (it has no heartbeat file, so a crash cannot be told apart)"
		}
		return verdictNone, ""
	}
	hb, err := runstore.ParseHeartbeat(b)
	if err != nil {
		return verdictCrashed, "unreadable heartbeat: " + err.Error()
	}
	alive, why := hb.Alive(st.ModTime(), time.Now())
	if alive {
		return verdictRunning, why
	}
	return verdictCrashed, why + "; the run stopped without results (its history holds the ops up to its last write)"
}

// firstFile returns the first of names that is a regular file in the run
// folder, or "".
func firstFile(root *os.Root, ref runRef, names ...string) string {
	for _, n := range names {
		if st, err := root.Lstat(ref.Rel() + "/" + n); err == nil && st.Mode().IsRegular() {
			return n
		}
	}
	return ""
}

// opCount is the number of ops the run recorded: the lines of history.edn,
// or of the streamed history.jsonl for a run that never wrote it (every
// history format Faultline writes has one op per line; a torn last line is
// not counted). Counts are cached per file; a file that grew (a journal) is
// counted on from where the last count stopped.
func (s *Server) opCount(root *os.Root, ref runRef) int {
	name := historyFile(root, ref)
	if name == "" {
		return -1
	}
	path := ref.Rel() + "/" + name
	f, st, err := openRegular(root, path)
	if err != nil {
		return -1
	}
	defer f.Close()
	s.countMu.Lock()
	c, ok := s.counts[path]
	s.countMu.Unlock()
	if !ok || c.ino != inode(st) || st.Size() < c.size {
		c = lineCount{ino: inode(st)}
	}
	if st.Size() > c.size {
		n, err := countLines(io.NewSectionReader(f, c.size, st.Size()-c.size))
		if err != nil {
			return -1
		}
		c.n += n
		c.size = st.Size()
	}
	s.countMu.Lock()
	s.counts[path] = c
	s.countMu.Unlock()
	return c.n
}

// lineCount is the cached line count of one version of a history file.
type lineCount struct {
	ino  uint64
	size int64
	n    int
}

// countLines counts newline-terminated lines.
func countLines(r io.Reader) (int, error) {
	buf := make([]byte, 256<<10)
	n := 0
	for {
		k, err := r.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}
