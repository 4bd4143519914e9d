// Package logpattern searches the logs collected from each node for crash
// signatures (panics, failed assertions, sanitizer reports): the one
// checker that reads files rather than the history, which is why it lives in
// a package of its own. It expects the store's layout: one folder per node
// under Dir (a run folder) holding that node's log files, searched
// recursively. Files directly under Dir are the run's own (history, results)
// and are never searched: a history may well mention "panic:" in an error.
//
// It proves only that no line of the collected logs matches a pattern. It
// cannot see what was never logged or never collected, so a clean result
// says "no known crash signature", not "no crash".
package logpattern

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/internal/plural"
)

// DefaultPatterns are common crash signatures: Go panics and fatal errors,
// failed assertions, segmentation faults and sanitizer reports.
var DefaultPatterns = []string{
	`panic: `,
	`fatal error: `,
	`(?i)assertion .*failed|failed assertion`,
	`SIGSEGV|(?i)segmentation fault`,
	`AddressSanitizer|ThreadSanitizer`,
}

// Match is one log line that matched.
type Match struct {
	Node    string `json:"node"`
	File    string `json:"file"` // relative to Dir
	Line    int    `json:"line"`
	Pattern string `json:"pattern"`
	Text    string `json:"text"` // the line, cut to 400 bytes
}

// Details is what the search found; Matches keeps the first MaxMatches.
type Details struct {
	FileCount  int     `json:"file-count"`
	MatchCount int     `json:"match-count"`
	Matches    []Match `json:"matches,omitempty"`
}

// Explain lists the matching lines as file:line.
func (d *Details) Explain(w io.Writer) {
	fmt.Fprintf(w, "%s searched, %s %s a crash signature\n", plural.Count(d.FileCount, "log file"), plural.Count(d.MatchCount, "line"), plural.Pick(d.MatchCount, "matches", "match"))
	for _, m := range d.Matches {
		fmt.Fprintf(w, "  %s: %s:%d: %s\n", m.Node, m.File, m.Line, m.Text)
	}
}

// Checker searches the logs under Dir for any of Patterns.
type Checker struct {
	Dir string
	// Nodes, if set, are the node folders to search; a node without one
	// makes the result unknown (its logs were not collected). Empty means
	// every folder under Dir.
	Nodes []string
	// Files, if set, is a glob (path.Match syntax) a log file's base name
	// must match, such as "db.log" or "*.log", as Jepsen's
	// log-file-pattern names one file per node. Empty searches every file.
	Files      string
	Patterns   []*regexp.Regexp
	MaxMatches int // matches kept in Details; 0 means 100
}

// New compiles patterns (DefaultPatterns if none) into a checker of dir. A
// pattern that does not compile is an error naming it.
func New(dir string, patterns ...string) (*Checker, error) {
	if len(patterns) == 0 {
		patterns = DefaultPatterns
	}
	c := &Checker{Dir: dir}
	for i, p := range patterns {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("log pattern %d %q: %w", i+1, p, err)
		}
		c.Patterns = append(c.Patterns, re)
	}
	return c, nil
}

// Check ignores the history and searches the logs. A missing directory or
// one without files is unknown; a file that cannot be read is unknown with
// its path.
func (c *Checker) Check(ctx context.Context, _ *history.History) checker.Result {
	max := c.MaxMatches
	if max == 0 {
		max = 100
	}
	d := &Details{}
	nodes, err := c.nodes()
	for _, node := range nodes {
		if err != nil {
			break
		}
		err = filepath.WalkDir(filepath.Join(c.Dir, node), func(path string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !e.Type().IsRegular() {
				return nil
			}
			if c.Files != "" {
				if ok, err := filepath.Match(c.Files, e.Name()); err != nil || !ok {
					return err
				}
			}
			rel, _ := filepath.Rel(c.Dir, path)
			d.FileCount++
			return c.search(path, rel, node, d, max)
		})
	}
	switch {
	case err != nil:
		return checker.Result{Valid: checker.Unknown, Error: "searching logs: " + err.Error(), Details: d}
	case d.MatchCount > 0:
		m := d.Matches[0]
		return checker.Result{Valid: checker.Invalid, Details: d, Summary: fmt.Sprintf("%s %s a crash signature; first: %s %s:%d", plural.Count(d.MatchCount, "log line"), plural.Pick(d.MatchCount, "matches", "match"), m.Node, m.File, m.Line)}
	case d.FileCount == 0:
		return checker.Result{Valid: checker.Unknown, Details: d, Summary: "no node logs under " + c.Dir}
	}
	return checker.Result{Valid: checker.Valid, Details: d}
}

// nodes returns the node folders to search.
func (c *Checker) nodes() ([]string, error) {
	if len(c.Nodes) > 0 {
		return c.Nodes, nil
	}
	entries, err := os.ReadDir(c.Dir)
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out, err
}

func (c *Checker) search(path, rel, node string, d *Details, max int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	for line := 1; sc.Scan(); line++ {
		text := sc.Bytes()
		for _, re := range c.Patterns {
			if !re.Match(text) {
				continue
			}
			d.MatchCount++
			if len(d.Matches) < max {
				d.Matches = append(d.Matches, Match{Node: node, File: filepath.ToSlash(rel), Line: line, Pattern: re.String(), Text: string(text[:min(len(text), 400)])})
			}
			break
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
