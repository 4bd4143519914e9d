package runstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/codec"
)

// Loaded is a stored run read back.
type Loaded struct {
	Dir string
	// HistoryFile is the file the history came from: history.edn for a run
	// that finished, history.jsonl for one that crashed before writing it.
	HistoryFile string
	History     *history.History
	// Warnings are problems the reader stepped over (a torn last line).
	Warnings []codec.Warning
	// Config is config.json, or nil if the run has none.
	Config map[string]any
	// Results is results.json, or nil if the run was never analysed.
	Results *checker.Result
}

// Resolve finds a run folder from what a user typed after `analyze`: nothing
// (the store's latest run), a test name (that test's latest run), a
// test/timestamp pair, or a path to a run folder anywhere.
func (s *Store) Resolve(arg string) (string, error) {
	candidates := []string{filepath.Join(s.Root, "latest")}
	if arg != "" {
		candidates = []string{
			arg,
			filepath.Join(s.Root, arg),
			filepath.Join(s.Root, arg, "latest"),
		}
	}
	for _, c := range candidates {
		if isRun(c) {
			dir, err := filepath.EvalSymlinks(c)
			if err != nil {
				return "", fmt.Errorf("store: %w", err)
			}
			return dir, nil
		}
	}
	if arg == "" {
		return "", fmt.Errorf("store %s: no latest run (expected a run folder at %s)", s.Root, candidates[0])
	}
	return "", fmt.Errorf("store %s: %q is not a run: expected a run folder (holding %s or %s), a test name, or test/timestamp", s.Root, arg, HistoryEDNFile, StreamFile)
}

// isRun reports whether dir looks like a run folder.
func isRun(dir string) bool {
	for _, f := range []string{HistoryEDNFile, StreamFile} {
		if st, err := os.Stat(filepath.Join(dir, f)); err == nil && st.Mode().IsRegular() {
			return true
		}
	}
	return false
}

// Load reads a run folder back: its history (the EDN written at the end, or
// the streamed JSON lines of a run that never got that far), configuration
// and results.
func Load(dir string) (*Loaded, error) {
	l := &Loaded{Dir: dir}
	if err := l.loadHistory(); err != nil {
		return nil, fmt.Errorf("store: loading run %s: %w", dir, err)
	}
	if err := readJSON(filepath.Join(dir, ConfigFile), &l.Config); err != nil {
		return nil, err
	}
	var res checker.Result
	switch err := readJSON(filepath.Join(dir, ResultsFile), &res); {
	case err != nil:
		return nil, err
	case fileExists(filepath.Join(dir, ResultsFile)):
		l.Results = &res
	}
	return l, nil
}

// loadHistory reads history.edn, or the journal when there is none (a run
// that crashed before the end). Since history.edn is written whole or not at
// all, one that is unreadable or cut short was left by an older Faultline
// that wrote it in place; the journal beside it then holds the history, and
// is preferred when it reads and holds more ops.
func (l *Loaded) loadHistory() error {
	edn, stream := filepath.Join(l.Dir, HistoryEDNFile), filepath.Join(l.Dir, StreamFile)
	if _, err := os.Stat(edn); errors.Is(err, fs.ErrNotExist) {
		l.HistoryFile = stream
		l.History, l.Warnings, err = readJournal(stream)
		return err
	}
	l.HistoryFile = edn
	h, warnings, err := codec.ReadFile(edn, codec.Auto)
	if (err != nil || len(warnings) > 0) && fileExists(stream) {
		jh, jw, jerr := readJournal(stream)
		if jerr == nil && (err != nil || jh.Len() > h.Len()) {
			problem := fmt.Sprint(err)
			if err == nil {
				problem = warnings[0].String()
			}
			l.HistoryFile, l.History = stream, jh
			l.Warnings = append([]codec.Warning{{File: edn, Msg: fmt.Sprintf("damaged (%s); the history comes from %s instead, which holds %d ops", problem, StreamFile, jh.Len())}}, jw...)
			return nil
		}
	}
	l.History, l.Warnings = h, warnings
	return err
}

// readJSON decodes a JSON file into v; a missing file leaves v alone.
func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("store: %s: %w", path, err)
	}
	return nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
