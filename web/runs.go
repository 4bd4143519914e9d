package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/store"
)

// Verdicts a run can show. The first three are results.json's; the others
// say why there is none.
const (
	verdictValid      = "valid"
	verdictInvalid    = "invalid"
	verdictUnknown    = "unknown"
	verdictNone       = "no results"
	verdictRunning    = "running"
	verdictUnreadable = "unreadable results"
)

// runInfo is what the index and the run page show of one run: cheap to
// gather (results.json, a few stats and one line count), never the history.
type runInfo struct {
	runRef
	Verdict string
	Summary string
	// Result is results.json, nil if the run has none.
	Result *checker.Result
	// Ops is the number of recorded ops, -1 if there is no history.
	Ops int
	// Timeline and History are the names of the timeline and the history
	// file to link to ("" if the run has none).
	Timeline string
	History  string
}

// Class is the CSS class that colours the run's row.
func (ri runInfo) Class() string {
	switch ri.Verdict {
	case verdictValid, verdictInvalid, verdictUnknown:
		return ri.Verdict
	}
	return "other"
}

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
// or "" when no run is in progress. The link is written by store.Create as a
// path relative to the root.
func currentRun(storeRoot string) string {
	target, err := os.Readlink(filepath.Join(storeRoot, "current"))
	if err != nil {
		return ""
	}
	return filepath.ToSlash(filepath.Clean(target))
}

// info gathers what the pages show of one run. current is currentRun's
// answer: a run it names that has no results yet is running. (A run that
// crashed keeps the link until the next run starts, so it shows as running
// until then; the store cannot tell the two apart.)
func (s *Server) info(root *os.Root, ref runRef, current string) runInfo {
	ri := runInfo{runRef: ref, Ops: -1}
	res, err := readResult(root, ref)
	switch {
	case err != nil:
		ri.Verdict, ri.Summary = verdictUnreadable, err.Error()
	case res != nil:
		ri.Result, ri.Verdict, ri.Summary = res, verdictOf(res.Valid), res.Summary
		if ri.Summary == "" {
			ri.Summary = res.Error
		}
	case current == ref.Rel():
		ri.Verdict = verdictRunning
	default:
		ri.Verdict = verdictNone
	}
	ri.Timeline = firstFile(root, ref, "timeline.html")
	ri.History = firstFile(root, ref, store.HistoryTxtFile, store.HistoryEDNFile, store.StreamFile)
	ri.Ops = s.opCount(root, ref)
	return ri
}

// verdictOf names a checker verdict the way the pages do.
func verdictOf(v checker.Validity) string {
	switch v {
	case checker.Valid:
		return verdictValid
	case checker.Invalid:
		return verdictInvalid
	}
	return verdictUnknown
}

// readResult reads results.json of a run: nil, nil if there is none. It
// decodes into checker.Result, the type the runner wrote, so the verdict is
// read exactly as `faultline analyze` reads it.
func readResult(root *os.Root, ref runRef) (*checker.Result, error) {
	b, err := root.ReadFile(ref.Rel() + "/" + store.ResultsFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var res checker.Result
	if err := json.Unmarshal(b, &res); err != nil {
		return nil, fmt.Errorf("%s: %w", store.ResultsFile, err)
	}
	return &res, nil
}

// firstFile returns the first of names that is a regular file in the run
// folder, or "".
func firstFile(root *os.Root, ref runRef, names ...string) string {
	for _, n := range names {
		if st, err := root.Stat(ref.Rel() + "/" + n); err == nil && st.Mode().IsRegular() {
			return n
		}
	}
	return ""
}

// countKey identifies one version of a history file for the op count cache.
type countKey struct {
	path string
	size int64
	mod  time.Time
}

// opCount is the number of ops the run recorded: the lines of history.edn,
// or of the streamed history.jsonl for a run that never wrote it (every
// history format Faultline writes has one op per line; a torn last line is
// not counted). Counts are cached per file version, so a finished run is
// read once and a running one again only when it has grown.
func (s *Server) opCount(root *os.Root, ref runRef) int {
	name := firstFile(root, ref, store.HistoryEDNFile, store.StreamFile)
	if name == "" {
		return -1
	}
	path := ref.Rel() + "/" + name
	st, err := root.Stat(path)
	if err != nil {
		return -1
	}
	key := countKey{path: path, size: st.Size(), mod: st.ModTime()}
	if n, ok := s.counts.Load(key); ok {
		return n.(int)
	}
	f, err := root.Open(path)
	if err != nil {
		return -1
	}
	defer f.Close()
	n, err := countLines(f)
	if err != nil {
		return -1
	}
	s.counts.Store(key, n)
	return n
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
