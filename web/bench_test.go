package web

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/codec"
	"github.com/faultline/faultline/runstore"
)

// The history view on a run of a million ops. Run with
//
//	go test -run '^$' -bench 'History' -benchtime 20x ./web/
//
// The run is generated once per process (eachGenOp: five client threads on
// four keys, a partition now and then) and written as the runner writes
// history.edn.

var (
	bigOnce sync.Once
	bigRoot string
	bigRef  runRef
	bigErr  error
)

const bigOps = 1_000_000

func bigStore(b *testing.B) (string, runRef) {
	bigOnce.Do(func() {
		bigRoot, bigErr = os.MkdirTemp("", "faultline-web-bench")
		if bigErr != nil {
			return
		}
		s := &runstore.Store{Root: bigRoot}
		var run *runstore.Run
		if run, bigErr = s.Create("big", t0); bigErr != nil {
			return
		}
		f, err := os.Create(run.Path(runstore.HistoryEDNFile))
		if bigErr = err; err != nil {
			return
		}
		bw := bufio.NewWriterSize(f, 1<<20)
		w, _ := codec.NewWriter(bw, codec.EDN)
		eachGenOp(bigOps, func(op history.Op) {
			if err := w.Write(op); err != nil && bigErr == nil {
				bigErr = err
			}
		})
		if bigErr == nil {
			bigErr = w.Flush()
		}
		if bigErr == nil {
			bigErr = bw.Flush()
		}
		if err := f.Close(); bigErr == nil {
			bigErr = err
		}
		if bigErr == nil {
			bigErr = run.Finish()
		}
		bigRef, _ = parseRef("big", filepath.Base(run.Dir))
	})
	if bigErr != nil {
		b.Fatal(bigErr)
	}
	return bigRoot, bigRef
}

// serveOnce answers one request and fails the benchmark on a non-200.
func serveOnce(b *testing.B, h http.Handler, url string) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", url, nil))
	if rec.Code != 200 {
		b.Fatalf("GET %s: %d %.300s", url, rec.Code, rec.Body.String())
	}
}

// BenchmarkHistoryIndexBuild1M is the first use of the history view: one
// pass over history.edn building the index.
func BenchmarkHistoryIndexBuild1M(b *testing.B) {
	root, ref := bigStore(b)
	r, err := os.OpenRoot(root)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	b.ResetTimer()
	for range b.N {
		h, err := newHistCache(0).acquire(r, ref)
		if err != nil {
			b.Fatal(err)
		}
		if h.Len() != bigOps {
			b.Fatalf("indexed %d ops", h.Len())
		}
		b.ReportMetric(float64(h.bytes())/bigOps, "index-B/op")
		h.close()
	}
}

// warmServer is a server whose index of the big run is built.
func warmServer(b *testing.B) (*Server, runRef) {
	root, ref := bigStore(b)
	s := New(root)
	serveOnce(b, s, ref.HistoryURL())
	return s, ref
}

// BenchmarkHistoryFirstPage1M is the history view's first page, warm.
func BenchmarkHistoryFirstPage1M(b *testing.B) {
	s, ref := warmServer(b)
	b.ResetTimer()
	for range b.N {
		serveOnce(b, s, ref.HistoryURL())
	}
}

// BenchmarkHistoryPageAtOp1M lands on ops all over the history, warm.
func BenchmarkHistoryPageAtOp1M(b *testing.B) {
	s, ref := warmServer(b)
	b.ResetTimer()
	for i := range b.N {
		serveOnce(b, s, ref.HistoryURL()+"?op="+strconv.Itoa((i*7919*101)%bigOps))
	}
}

// BenchmarkHistoryFilteredPage1M asks a filter never asked before on every
// iteration (a new time window of a type and key), so each pays for a scan
// of the whole index; the page read is a page of scattered ops.
func BenchmarkHistoryFilteredPage1M(b *testing.B) {
	s, ref := warmServer(b)
	b.ResetTimer()
	for i := range b.N {
		from := strconv.Itoa(i % 900)
		serveOnce(b, s, ref.HistoryURL()+"?type=ok&key="+strconv.Itoa(i%4)+"&from="+from+"&to=1000&page=2")
	}
}

// BenchmarkHistoryFilteredPageCached1M pages through one filter: the
// filtered list is cached after the first request.
func BenchmarkHistoryFilteredPageCached1M(b *testing.B) {
	s, ref := warmServer(b)
	serveOnce(b, s, ref.HistoryURL()+"?f=read&key=3")
	b.ResetTimer()
	for i := range b.N {
		serveOnce(b, s, ref.HistoryURL()+"?f=read&key=3&page="+strconv.Itoa(1+i%500))
	}
}

// BenchmarkRunPage1M is the run page of the big run (counts and the fault
// bands of 50,000 nemesis ops from the index), warm.
func BenchmarkRunPage1M(b *testing.B) {
	s, ref := warmServer(b)
	b.ResetTimer()
	for range b.N {
		serveOnce(b, s, ref.URL())
	}
}
