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
	"github.com/faultline/faultline/store"
	"github.com/faultline/faultline/workload/txn"
)

// lastAppend is the last value the append workload ever appends to a key
// (workload/txn's MaxWritesPerKey, 32 by default): once a transaction
// appending it is acknowledged, the key is retired and nothing writes it
// again, so an element removed from the end of its list stays removed.
const lastAppend = 32

// A write lost by the database near the end of a run, played by the test:
// while the append workload runs under kills and pauses, the test waits
// for an acknowledged append of a key's last element (the run's own
// journal says it was acknowledged), then rewrites that key through
// etcd's v3 API from outside the run, without the element. Only the final
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
	t.Logf("removed element %d of key %s (acknowledged at op %d) when the journal held %d ops", lastAppend, r.key, r.ack, r.journaled)
	// The removal came before the final reads, and the element was the
	// key's last: no transaction wrote the key after its acknowledgement.
	for _, op := range l.History.Ops {
		if op.Index < r.journaled || op.Type != history.Invoke || op.F != txn.F {
			continue
		}
		if v, _ := op.Get(txn.FinalField); v == true {
			break
		}
		if writesKey(op, r.key) {
			t.Fatalf("op %d writes key %s after its last append was acknowledged: the removal was not the key's last element", op.Index, r.key)
		}
	}
	if c := finalReadsOf(l); c.ok == 0 || c.firstIndex < r.journaled {
		t.Fatalf("final reads: %d ok, the first at op %d; expected ok final reads after the removal (journal at %d ops)", c.ok, c.firstIndex, r.journaled)
	}

	named := fmt.Sprintf("key %s element %d (acknowledged at op %d;", strings.TrimPrefix(r.key, "t/"), lastAppend, r.ack)
	if code != cli.ExitInvalid || !strings.Contains(out, ": INVALID (etcd-append-kill,pause, ") || !strings.Contains(out, named) {
		t.Fatalf("exit %d, expected invalid with the lost append named (%q) on the verdict line: %s", code, named, out)
	}
	if l.Results == nil || l.Results.Valid != checker.Invalid || !strings.Contains(l.Results.Summary, named) {
		t.Fatalf("results.json: %+v, expected invalid with %q in its summary", l.Results, named)
	}
	step, err := anomalyNaming(l, strings.TrimPrefix(r.key, "t/"), lastAppend)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("results.json explains: %s", step)
	if _, err := os.Stat(filepath.Join(l.Dir, "elle", "anomalies.txt")); err != nil {
		t.Fatalf("no Elle explanation in the run folder: %v", err)
	}
}

// removal is what the saboteur did: element lastAppend of key (t/<k>),
// acknowledged at op ack, removed when the journal held journaled ops.
type removal struct {
	key       string
	ack       int
	journaled int
	err       error
}

// removeAnAcknowledgedAppend watches the running test's journal
// (<store>/current/history.jsonl) for the acknowledgement of a key's last
// append, then rewrites the key without it, guarded by its mod revision so
// that nothing else is overwritten. It gives up when ctx ends (the run is
// over) or after a minute.
func removeAnAcknowledgedAppend(ctx context.Context, dir string, endpoints []string) removal {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		key, ack, journaled, err := acknowledgedLastAppend(filepath.Join(dir, "current", store.StreamFile))
		if err != nil {
			return removal{err: err}
		}
		if key != "" {
			return removal{key: key, ack: ack, journaled: journaled, err: removeLast(ctx, endpoints, key)}
		}
		select {
		case <-ctx.Done():
			return removal{err: fmt.Errorf("no acknowledged append of %d to any key in the journal before the run ended", lastAppend)}
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// acknowledgedLastAppend reads the journal so far and returns the etcd key
// of the first transaction acknowledged (ok) with an append of lastAppend,
// its completion's index, and how many ops the journal held; key is empty
// when there is none yet (or no journal yet).
func acknowledgedLastAppend(path string) (key string, ack, journaled int, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", 0, 0, nil
	}
	if err != nil {
		return "", 0, 0, err
	}
	// The journal is being written: keep whole lines only.
	b = b[:bytes.LastIndexByte(b, '\n')+1]
	rd, err := codec.NewReader(bytes.NewReader(b), path, codec.JSON)
	if err != nil {
		return "", 0, 0, err
	}
	for {
		op, err := rd.Next()
		if err == io.EOF {
			return key, ack, journaled, nil
		}
		if err != nil {
			return "", 0, 0, err
		}
		journaled++
		if key != "" || op.Type != history.OK || op.F != txn.F {
			continue
		}
		mops, _ := history.AsSlice(op.Value)
		for _, x := range mops {
			m, _ := history.AsSlice(x)
			if len(m) == 3 && history.Equal(m[0], txn.Append) && history.Equal(m[2], int64(lastAppend)) {
				k, _ := history.AsInt(m[1])
				key, ack = "t/"+strconv.FormatInt(k, 10), op.Index
			}
		}
	}
}

// removeLast rewrites key without its last element, which must be
// lastAppend, retrying through the faults the run injects.
func removeLast(ctx context.Context, endpoints []string, key string) error {
	cl, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		return err
	}
	defer cl.Close()
	suffix := "," + strconv.Itoa(lastAppend)
	var rewritten string // the value without the element, once known
	var last error
	for {
		done, err := func() (bool, error) {
			rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			got, err := cl.Get(rctx, key)
			if err != nil {
				return false, err
			}
			switch {
			case len(got.Kvs) == 1 && rewritten != "" && string(got.Kvs[0].Value) == rewritten:
				return true, nil // an attempt that timed out was applied
			case len(got.Kvs) != 1 || !strings.HasSuffix(string(got.Kvs[0].Value), suffix):
				return false, fmt.Errorf("%s holds %v, expected a list ending in %d", key, got.Kvs, lastAppend)
			}
			kv := got.Kvs[0]
			rewritten = strings.TrimSuffix(string(kv.Value), suffix)
			resp, err := cl.Txn(rctx).If(clientv3.Compare(clientv3.ModRevision(key), "=", kv.ModRevision)).
				Then(clientv3.OpPut(key, rewritten)).Commit()
			if err == nil && !resp.Succeeded {
				return false, fmt.Errorf("%s changed since it was read", key)
			}
			return err == nil, err
		}()
		if done {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("removing %d from %s, gave up when the run ended; the last error: %w", lastAppend, key, errors.Join(last, err))
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

func finalReadsOf(l *store.Loaded) finalReads {
	concurrency, _ := history.AsInt(l.Config["concurrency"])
	f := finalReads{firstIndex: -1, okThreads: map[int]bool{}}
	for _, op := range l.History.Ops {
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
func assertFinalReadsOnEveryThread(t *testing.T, l *store.Loaded) {
	t.Helper()
	concurrency, _ := history.AsInt(l.Config["concurrency"])
	f := finalReadsOf(l)
	if len(f.okThreads) != int(concurrency) {
		t.Fatalf("ok final reads on %d of %d threads (%d in all), expected every thread", len(f.okThreads), concurrency, f.ok)
	}
}

// anomalyNaming returns the first explanation step in results.json's Elle
// report that names key k and elem.
func anomalyNaming(l *store.Loaded, k string, elem int) (string, error) {
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
	word := regexp.MustCompile(`\b` + strconv.Itoa(elem) + `\b`)
	for _, a := range d.Anomalies {
		for _, s := range a.Steps {
			if strings.Contains(s.Explanation, "key "+k+" ") && word.MatchString(s.Explanation) {
				return a.Type + ": " + s.Explanation, nil
			}
		}
	}
	return "", fmt.Errorf("no anomaly in results.json explains key %s with element %d: %s", k, elem, raw)
}
