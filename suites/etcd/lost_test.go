package etcd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/cli"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/codec"
	"github.com/faultline/faultline/runstore"
	"github.com/faultline/faultline/workload/txn"
)

// lastAppend is the last value the append workload ever appends to a key
// (workload/txn's MaxWritesPerKey, 32 by default): once a transaction
// appending it is acknowledged and no append to the key is outstanding,
// the key is retired and nothing writes it again, so an element removed
// from the end of its list stays removed. (Values are planned in order but
// commit in any order, so the list's last element need not be 32.)
const lastAppend = 32

// A write lost by the database near the end of a run, played by the test:
// while the append workload runs under kills and pauses, the test waits
// for a key that is retired (its append of lastAppend acknowledged, no
// append to it outstanding, as the run's own journal says), then rewrites
// that key through etcd's v3 API from outside the run, without its last
// element, which an acknowledged transaction appended. Only the final
// reads can show the loss (no main-phase transaction touches the retired
// key any more; a read may or may not have seen the element before it was
// removed), and they must: the run is invalid, and both the verdict line
// and results.json name the element. The valid twin is
// TestAppendWithKillsAndPausesIsStrictSerializable: the same run, nothing
// removed.
func TestAnAppendRemovedBehindTheRunsBackMakesItInvalid(t *testing.T) {
	c := env.Need(t)
	var endpoints []string
	for _, n := range c.Nodes {
		endpoints = append(endpoints, n.Addr.String()+":2379")
	}
	dir := storeDir(t)
	ctx, cancel := context.WithCancel(context.Background())
	removed := make(chan removal, 1)
	go func() { removed <- removeAnAcknowledgedAppend(ctx, dir, endpoints) }()
	code, out, l := runIn(t, dir, faultArgs("append", "kill,pause")...)
	cancel()
	r := <-removed
	if r.err != nil {
		t.Fatalf("removing an acknowledged append during the run: %v", r.err)
	}
	t.Logf("removed element %d of key %s (acknowledged at op %d) when the journal held %d ops", r.elem, r.key, r.ack, r.journaled)
	// The removal came before the final reads, and the key was retired: no
	// transaction wrote it after the removal.
	for _, op := range l.History.All() {
		if op.Index < r.journaled || op.Type != history.Invoke || op.F != txn.F {
			continue
		}
		if v, _ := op.Get(txn.FinalField); v == true {
			break
		}
		if writesKey(op, r.key) {
			t.Fatalf("op %d writes key %s after it was retired: the removed element was not the key's last", op.Index, r.key)
		}
	}
	if c := finalReadsOf(l); c.ok == 0 || c.firstIndex < r.journaled {
		t.Fatalf("final reads: %d ok, the first at op %d; expected ok final reads after the removal (journal at %d ops)", c.ok, c.firstIndex, r.journaled)
	}

	named := fmt.Sprintf("key %s element %d (acknowledged at op %d;", strings.TrimPrefix(r.key, "t/"), r.elem, r.ack)
	if code != cli.ExitInvalid || !strings.Contains(out, ": INVALID (etcd-append-kill,pause, ") || !strings.Contains(out, named) {
		t.Fatalf("exit %d, expected invalid with the lost append named (%q) on the verdict line: %s", code, named, out)
	}
	if l.Results == nil || l.Results.Valid != checker.Invalid || !strings.Contains(l.Results.Summary, named) {
		t.Fatalf("results.json: %+v, expected invalid with %q in its summary", l.Results, named)
	}
	step, err := anomalyNaming(l, strings.TrimPrefix(r.key, "t/"), r.elem)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("results.json explains: %s", step)
	if _, err := os.Stat(filepath.Join(l.Dir, "elle", "anomalies.txt")); err != nil {
		t.Fatalf("no Elle explanation in the run folder: %v", err)
	}
}

// removal is what the saboteur did: element elem of key (t/<k>),
// acknowledged at op ack, removed when the journal held journaled ops.
type removal struct {
	key       string
	elem      int64
	ack       int
	journaled int
	err       error
}

// removeAnAcknowledgedAppend watches the running test's journal
// (<store>/current/history.jsonl) for a retired key whose last element an
// acknowledged transaction appended, then rewrites the key without it,
// guarded by its mod revision so that nothing else is overwritten. It
// gives up when ctx ends (the run is over) or after a minute.
func removeAnAcknowledgedAppend(ctx context.Context, dir string, endpoints []string) removal {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cl, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		return removal{err: err}
	}
	defer cl.Close()
	tried := map[string]bool{} // keys whose last element was not acknowledged
	var last error
	for {
		j, err := readJournal(filepath.Join(dir, "current", runstore.StreamFile))
		if err != nil {
			return removal{err: err}
		}
		for _, key := range j.retired() {
			if tried[key] {
				continue
			}
			elem, err := removeLast(ctx, cl, key, j.acked[key])
			if errors.Is(err, errNotAcknowledged) {
				tried[key] = true
				continue
			}
			if err != nil {
				last = err
				continue
			}
			return removal{key: key, elem: elem, ack: j.acked[key][elem], journaled: j.ops}
		}
		select {
		case <-ctx.Done():
			return removal{err: fmt.Errorf("no retired key whose last element was acknowledged could be rewritten before the run ended (%d keys tried); the last error: %v", len(tried), last)}
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// journal is what the running test's journal says so far: per etcd key,
// the acknowledged appends (element -> index of the ok completion), the
// order in which keys had lastAppend acknowledged, which processes have an
// append to which keys outstanding, and how many ops it holds.
type journal struct {
	acked       map[string]map[int64]int
	lastAcked   []string
	outstanding map[int][]string
	ops         int
}

// retired lists the keys whose append of lastAppend was acknowledged and
// to which no append is outstanding, in the order of that acknowledgement.
func (j *journal) retired() []string {
	busy := map[string]bool{}
	for _, keys := range j.outstanding {
		for _, k := range keys {
			busy[k] = true
		}
	}
	var out []string
	for _, k := range j.lastAcked {
		if !busy[k] {
			out = append(out, k)
		}
	}
	return out
}

// readJournal reads the journal written so far (no journal yet: empty).
func readJournal(path string) (*journal, error) {
	j := &journal{acked: map[string]map[int64]int{}, outstanding: map[int][]string{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return j, nil
	}
	if err != nil {
		return nil, err
	}
	// The journal is being written: keep whole lines only.
	b = b[:bytes.LastIndexByte(b, '\n')+1]
	if len(b) == 0 {
		return j, nil
	}
	rd, err := codec.NewReader(bytes.NewReader(b), path, codec.JSON)
	if err != nil {
		return nil, err
	}
	for {
		op, err := rd.Next()
		if err == io.EOF {
			return j, nil
		}
		if err != nil {
			return nil, err
		}
		j.ops++
		if op.F != txn.F {
			continue
		}
		if op.Type == history.Invoke {
			j.outstanding[op.Process] = nil
			for k := range appendsOf(op) {
				j.outstanding[op.Process] = append(j.outstanding[op.Process], k)
			}
			continue
		}
		delete(j.outstanding, op.Process)
		if op.Type != history.OK {
			continue
		}
		for k, elems := range appendsOf(op) {
			if j.acked[k] == nil {
				j.acked[k] = map[int64]int{}
			}
			for _, e := range elems {
				j.acked[k][e] = op.Index
				if e == lastAppend {
					j.lastAcked = append(j.lastAcked, k)
				}
			}
		}
	}
}

// appendsOf returns the elements a transaction appends, by etcd key.
func appendsOf(op history.Op) map[string][]int64 {
	out := map[string][]int64{}
	mops, _ := history.AsSlice(op.Value)
	for _, x := range mops {
		m, _ := history.AsSlice(x)
		if len(m) != 3 || !history.Equal(m[0], txn.Append) {
			continue
		}
		k, _ := history.AsInt(m[1])
		v, _ := history.AsInt(m[2])
		key := "t/" + strconv.FormatInt(k, 10)
		out[key] = append(out[key], v)
	}
	return out
}

var errNotAcknowledged = errors.New("the key's last element was not acknowledged")

// removeLast rewrites key without its last element, which must be one of
// the acknowledged appends, retrying through the faults the run injects,
// and returns the element removed.
func removeLast(ctx context.Context, cl *clientv3.Client, key string, acked map[int64]int) (int64, error) {
	var rewritten string // the value without the element, once known
	var elem int64
	var last error
	for {
		done, err := func() (bool, error) {
			rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			got, err := cl.Get(rctx, key)
			if err != nil {
				return false, err
			}
			if len(got.Kvs) == 1 && rewritten != "" && string(got.Kvs[0].Value) == rewritten {
				return true, nil // an attempt that timed out was applied
			}
			if len(got.Kvs) != 1 {
				return false, fmt.Errorf("%s holds %v, expected a list", key, got.Kvs)
			}
			kv := got.Kvs[0]
			value := string(kv.Value)
			cut := strings.LastIndexByte(value, ',')
			e, perr := strconv.ParseInt(value[cut+1:], 10, 64)
			if _, ok := acked[e]; perr != nil || !ok {
				return false, fmt.Errorf("%w: %s holds %q", errNotAcknowledged, key, value)
			}
			elem, rewritten = e, value[:max(cut, 0)]
			resp, err := cl.Txn(rctx).If(clientv3.Compare(clientv3.ModRevision(key), "=", kv.ModRevision)).
				Then(clientv3.OpPut(key, rewritten)).Commit()
			if err == nil && !resp.Succeeded {
				return false, fmt.Errorf("%s changed since it was read", key)
			}
			return err == nil, err
		}()
		switch {
		case done:
			return elem, nil
		case errors.Is(err, errNotAcknowledged):
			return 0, err
		case ctx.Err() != nil:
			return 0, fmt.Errorf("removing the last element of %s, gave up when the run ended; the last error: %w", key, errors.Join(last, err))
		}
		last = err
		time.Sleep(200 * time.Millisecond)
	}
}

func writesKey(op history.Op, key string) bool {
	mops, _ := history.AsSlice(op.Value)
	for _, x := range mops {
		m, _ := history.AsSlice(x)
		if len(m) != 3 || history.Equal(m[0], txn.Read) {
			continue
		}
		if k, ok := history.AsInt(m[1]); ok && "t/"+strconv.FormatInt(k, 10) == key {
			return true
		}
	}
	return false
}

// finalReads counts a run's final reads.
type finalReads struct {
	ok         int
	firstIndex int
	okThreads  map[int]bool
}

func finalReadsOf(l *runstore.Loaded) finalReads {
	concurrency, _ := history.AsInt(l.Config["concurrency"])
	f := finalReads{firstIndex: -1, okThreads: map[int]bool{}}
	for _, op := range l.History.All() {
		if v, _ := op.Get(txn.FinalField); v != true || op.F != txn.F {
			continue
		}
		if f.firstIndex < 0 {
			f.firstIndex = op.Index
		}
		if op.Type == history.OK {
			f.ok++
			if concurrency > 0 {
				f.okThreads[op.Process%int(concurrency)] = true
			}
		}
	}
	return f
}

// assertFinalReadsOnEveryThread checks that every client thread (and so
// every node) completed final reads.
func assertFinalReadsOnEveryThread(t *testing.T, l *runstore.Loaded) {
	t.Helper()
	concurrency, _ := history.AsInt(l.Config["concurrency"])
	f := finalReadsOf(l)
	if len(f.okThreads) != int(concurrency) {
		t.Fatalf("ok final reads on %d of %d threads (%d in all), expected every thread", len(f.okThreads), concurrency, f.ok)
	}
}

// anomalyNaming returns the first explanation step in results.json's Elle
// report that names key k and elem.
func anomalyNaming(l *runstore.Loaded, k string, elem int64) (string, error) {
	raw, err := json.Marshal(l.Results.Details)
	if err != nil {
		return "", err
	}
	var d struct {
		Anomalies []struct {
			Type  string `json:"type"`
			Steps []struct {
				Explanation string `json:"explanation"`
			} `json:"steps"`
		} `json:"anomalies"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return "", fmt.Errorf("results.json details: %w", err)
	}
	word := regexp.MustCompile(`\b` + strconv.FormatInt(elem, 10) + `\b`)
	for _, a := range d.Anomalies {
		for _, s := range a.Steps {
			if strings.Contains(s.Explanation, "key "+k+" ") && word.MatchString(s.Explanation) {
				return a.Type + ": " + s.Explanation, nil
			}
		}
	}
	return "", fmt.Errorf("no anomaly in results.json explains key %s with element %d: %s", k, elem, raw)
}
