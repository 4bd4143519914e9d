package web

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/faultline/faultline/checker"
)

// DefaultMaxResults is the largest results.json the server loads whole. A
// bigger one (a checker that listed a million anomalies) is summarised from
// its first bytes: verdict, summary, size, and a link to the file.
const DefaultMaxResults = 16 << 20

// resultSummary is what the index shows of a results.json.
type resultSummary struct {
	present bool // the run has a results.json
	verdict string
	summary string
	size    int64
	big     bool  // over the cap: verdict and summary from its first bytes
	err     error // unreadable
}

// summaryCache keeps the summary of every results.json by path, valid while
// the file's inode, size and modification time stay the same, so the index
// reads each results file once, not on every request.
type summaryCache struct {
	mu sync.Mutex
	m  map[string]cachedSummary
}

type cachedSummary struct {
	ino  uint64
	size int64
	mod  time.Time
	sum  resultSummary
}

// get returns the summary of the results file at path (relative to root).
func (c *summaryCache) get(root *os.Root, path string, max int64) resultSummary {
	st, err := root.Lstat(path)
	if isNotExist(err) {
		return resultSummary{}
	}
	if err != nil {
		return resultSummary{present: true, err: err}
	}
	if err := checkRegular(path, st); err != nil {
		return resultSummary{present: true, err: err}
	}
	c.mu.Lock()
	cached, ok := c.m[path]
	c.mu.Unlock()
	if ok && cached.ino == inode(st) && cached.size == st.Size() && cached.mod.Equal(st.ModTime()) {
		return cached.sum
	}
	sum := summarise(root, path, max)
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]cachedSummary{}
	}
	c.m[path] = cachedSummary{ino: inode(st), size: st.Size(), mod: st.ModTime(), sum: sum}
	c.mu.Unlock()
	return sum
}

// maxSummary bounds the summary kept per run for the index.
const maxSummary = 600

// summarise reads a results file: whole if it is within max, else only its
// first bytes, where the runner's results.json has "valid" and "summary"
// (checker.Result's first fields).
func summarise(root *os.Root, path string, max int64) resultSummary {
	f, st, err := openRegular(root, path)
	if err != nil {
		return resultSummary{present: true, err: err}
	}
	defer f.Close()
	sum := resultSummary{present: true, size: st.Size(), big: st.Size() > max}
	var r io.Reader = io.LimitReader(f, max)
	if sum.big {
		r = io.LimitReader(f, 64<<10)
	}
	v, summary, err := headOfResult(r)
	if err != nil {
		sum.err = fmt.Errorf("%s: %w", path, err)
		return sum
	}
	sum.verdict, sum.summary = verdictOf(v), clipText(summary, maxSummary)
	if sum.big {
		sum.summary = clipText(fmt.Sprintf("(results.json is %s, over the %s this server loads) %s", size(st.Size()), size(max), summary), maxSummary)
	}
	return sum
}

// headOfResult reads a result's "valid" and "summary" (or, without a
// summary, its "error") from the start of a results.json, stopping as soon
// as it has them: the details after them are never decoded.
func headOfResult(r io.Reader) (checker.Validity, string, error) {
	dec := json.NewDecoder(r)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return checker.Unknown, "", fmt.Errorf("expected a JSON object (a checker result), found %v %v", tok, err)
	}
	var v checker.Validity
	var summary, errText string
	seenValid := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return v, "", err
		}
		key, _ := tok.(string)
		switch key {
		case "valid":
			if err := dec.Decode(&v); err != nil {
				return v, "", err
			}
			seenValid = true
		case "summary":
			if err := dec.Decode(&summary); err != nil {
				return v, "", err
			}
		case "error":
			if err := dec.Decode(&errText); err != nil {
				return v, "", err
			}
		default:
			if seenValid {
				// Details and children follow the head: stop here.
				return v, orElse(summary, errText), nil
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return v, "", err
			}
		}
	}
	if !seenValid {
		return v, "", fmt.Errorf(`no "valid" field: not a checker result`)
	}
	return v, orElse(summary, errText), nil
}

func orElse(a, b string) string {
	if a != "" {
		return a
	}
	return b
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
