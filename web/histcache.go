package web

import (
	"container/list"
	"errors"
	"os"
	"sync"

	"github.com/faultline/faultline/runstore"
)

// DefaultIndexBudget is how much memory the history indexes of all runs may
// hold together before the least recently used are dropped (a million-op
// history takes about 40 MB).
const DefaultIndexBudget = 512 << 20

// histCache keeps the history indexes of recently viewed runs, one per
// history file, within a memory budget. A request holds its entry's lock
// while it builds, extends or reads the index, so two requests for one run
// build its index once and never see it half-extended.
type histCache struct {
	budget int64

	mu    sync.Mutex
	lru   *list.List // of *histEntry, most recent first
	byKey map[string]*list.Element
	total int64
}

type histEntry struct {
	key   string
	mu    sync.Mutex
	idx   *histIndex
	bytes int64 // as last counted in total (under histCache.mu)
	// dropped is set (under mu) when the entry leaves the cache.
	dropped bool
}

func newHistCache(budget int64) *histCache {
	if budget <= 0 {
		budget = DefaultIndexBudget
	}
	return &histCache{budget: budget, lru: list.New(), byKey: map[string]*list.Element{}}
}

// historyFile is the history a run's view pages: history.edn once the run
// wrote it, else the journal streamed while it ran (a run in progress, or
// one that crashed). "" if it has neither.
func historyFile(root *os.Root, ref runRef) string {
	for _, name := range []string{runstore.HistoryEDNFile, runstore.StreamFile} {
		if st, err := root.Lstat(ref.Rel() + "/" + name); err == nil && st.Mode().IsRegular() {
			return name
		}
	}
	return ""
}

// errNoHistory is a run without a history file.
var errNoHistory = errors.New("this run has no history (no history.edn, no history.jsonl)")

// openHistory is a run's history index, up to date with its file, and the
// file open for reading pages; close releases both.
type openHistory struct {
	*histIndex
	file  *os.File
	entry *histEntry
}

func (h *openHistory) close() {
	h.file.Close()
	h.entry.mu.Unlock()
}

// acquire returns the run's history index, built or brought up to date with
// the file, locked until close. The file is opened (and its version read)
// before the index is looked at, so a file replaced since the index was
// built (history.edn rewritten) is indexed anew.
func (c *histCache) acquire(root *os.Root, ref runRef) (*openHistory, error) {
	name := historyFile(root, ref)
	if name == "" {
		return nil, errNoHistory
	}
	f, st, err := openRegular(root, ref.Rel()+"/"+name)
	if err != nil {
		return nil, err
	}
	e := c.lockedEntry(ref.Rel() + "/" + name)
	x := e.idx
	if x == nil || x.ino != inode(st) || st.Size() < x.consumed {
		x = newHistIndex(name)
		x.ino = inode(st)
	}
	if err := x.extend(f, st.Size()); err != nil {
		e.mu.Unlock()
		f.Close()
		return nil, err
	}
	e.idx = x
	c.account(e, x.bytes())
	return &openHistory{histIndex: x, file: f, entry: e}, nil
}

// lockedEntry finds or makes the cache entry of a history file, marks it
// used and locks it. An entry dropped from the cache between the lookup and
// the lock is not used: the lookup is made again.
func (c *histCache) lockedEntry(key string) *histEntry {
	for {
		e := c.entry(key)
		e.mu.Lock()
		if !e.dropped {
			return e
		}
		e.mu.Unlock()
	}
}

// entry finds or makes the cache entry of a history file and marks it used.
func (c *histCache) entry(key string) *histEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[key]; ok {
		c.lru.MoveToFront(el)
		return el.Value.(*histEntry)
	}
	e := &histEntry{key: key}
	c.byKey[key] = c.lru.PushFront(e)
	return e
}

// account records an entry's new size and drops the least recently used
// other entries while the total is over budget. Entries in use (locked) are
// skipped; the one just built is kept even alone over budget.
func (c *histCache) account(e *histEntry, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total += bytes - e.bytes
	e.bytes = bytes
	for el := c.lru.Back(); el != nil && c.total > c.budget; {
		prev := el.Prev()
		old := el.Value.(*histEntry)
		if old != e && old.mu.TryLock() {
			c.total -= old.bytes
			old.idx, old.bytes, old.dropped = nil, 0, true
			delete(c.byKey, old.key)
			c.lru.Remove(el)
			old.mu.Unlock()
		}
		el = prev
	}
}
