package runstore

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/codec"
)

// Journal streams a run's history to history.jsonl while the test runs, so a
// crashed run still leaves a readable history. Append is cheap (it copies the
// op into a buffer under a mutex); a single writer goroutine encodes batches
// and fsyncs at most every SyncEvery, so the interpreter's control loop never
// waits on the disk. After a crash the file holds every op up to the last
// fsync (a torn last line is something every reader copes with); after a
// power loss it may also end in zero bytes, which Load steps over.
type Journal struct {
	file *os.File
	bw   *bufio.Writer
	enc  codec.Writer

	syncEvery time.Duration
	batch     int

	mu      sync.Mutex
	buf     []history.Op
	err     error // first write error; sticky
	closing bool

	kick chan struct{}
	done chan struct{}

	written int64        // ops encoded so far (writer goroutine only)
	synced  atomic.Int64 // ops on disk as of the last fsync
}

// JournalOptions tune the journal; zero values take the defaults.
type JournalOptions struct {
	// SyncEvery is the longest time between fsyncs (default 200 ms).
	SyncEvery time.Duration
	// Batch is how many buffered ops wake the writer early (default 4096).
	Batch int
}

// OpenJournal creates history.jsonl in the run folder and starts its writer.
func (r *Run) OpenJournal(o JournalOptions) (*Journal, error) {
	return OpenJournal(r.Path(StreamFile), o)
}

// OpenJournal creates (truncating) a journal file at path.
func OpenJournal(path string, o JournalOptions) (*Journal, error) {
	if o.SyncEvery <= 0 {
		o.SyncEvery = 200 * time.Millisecond
	}
	if o.Batch <= 0 {
		o.Batch = 4096
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("store: journal: %w", err)
	}
	// The file's name must reach the disk too, or a power loss could take
	// the whole journal with it however often its data was fsynced.
	if err := syncDir(filepath.Dir(path)); err != nil {
		f.Close()
		return nil, fmt.Errorf("store: journal: %w", err)
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	enc, err := codec.NewWriter(bw, codec.JSON)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("store: journal %s: %w", path, err)
	}
	j := &Journal{
		file: f, bw: bw, enc: enc,
		syncEvery: o.SyncEvery, batch: o.Batch,
		buf:  make([]history.Op, 0, o.Batch),
		kick: make(chan struct{}, 1),
		done: make(chan struct{}),
	}
	go j.run()
	return j, nil
}

// Append queues op for writing. It returns the first write error the writer
// met, so the caller learns that the disk is failing.
func (j *Journal) Append(op history.Op) error {
	j.mu.Lock()
	j.buf = append(j.buf, op)
	n, err := len(j.buf), j.err
	j.mu.Unlock()
	if n == j.batch {
		select {
		case j.kick <- struct{}{}:
		default:
		}
	}
	return err
}

// Synced is how many of the appended ops are on disk: every op up to the
// last fsync, which a crash or a power loss cannot take away.
func (j *Journal) Synced() int64 { return j.synced.Load() }

// Close writes and fsyncs everything appended, then closes the file.
func (j *Journal) Close() error {
	j.mu.Lock()
	j.closing = true
	j.mu.Unlock()
	select {
	case j.kick <- struct{}{}:
	default:
	}
	<-j.done
	err := j.file.Close()
	j.mu.Lock()
	defer j.mu.Unlock()
	return errors.Join(j.err, err)
}

// run is the writer goroutine: it swaps the buffer out, encodes it, and
// fsyncs when SyncEvery has passed since the last fsync, or on close.
func (j *Journal) run() {
	defer close(j.done)
	tick := time.NewTicker(j.syncEvery)
	defer tick.Stop()
	spare := make([]history.Op, 0, j.batch)
	lastSync := time.Now()
	dirty := false // written since the last fsync
	for {
		select {
		case <-j.kick:
		case <-tick.C:
		}
		j.mu.Lock()
		batch := j.buf
		j.buf = spare[:0]
		closing := j.closing
		j.mu.Unlock()
		dirty = dirty || len(batch) > 0
		sync := dirty && (closing || time.Since(lastSync) >= j.syncEvery)
		err := j.write(batch, sync)
		if err == nil && sync {
			lastSync, dirty = time.Now(), false
			j.synced.Store(j.written)
		}
		clear(batch) // drop references to values for the GC
		spare = batch
		if err != nil {
			j.mu.Lock()
			if j.err == nil {
				j.err = err
			}
			j.mu.Unlock()
		}
		if closing {
			return
		}
	}
}

func (j *Journal) write(batch []history.Op, sync bool) error {
	for i := range batch {
		if err := j.enc.Write(batch[i]); err != nil {
			return fmt.Errorf("store: journal: op %d: %w", batch[i].Index, err)
		}
		j.written++
	}
	if err := j.enc.Flush(); err != nil {
		return fmt.Errorf("store: journal: %w", err)
	}
	if err := j.bw.Flush(); err != nil {
		return fmt.Errorf("store: journal: %w", err)
	}
	if sync {
		if err := j.file.Sync(); err != nil {
			return fmt.Errorf("store: journal: fsync: %w", err)
		}
	}
	return nil
}
