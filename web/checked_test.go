package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/elle"
	"github.com/faultline/faultline/checker/independent"
	"github.com/faultline/faultline/checker/linear"
	"github.com/faultline/faultline/checker/linear/model"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/codec"
	"github.com/faultline/faultline/report"
	"github.com/faultline/faultline/runstore"
)

// readSkewEDN is a list-append history with a G-single (read skew): T1
// reads x before and y after T2's appends to both. Process 0 is T1, 1 is
// T2, 2 reads x after. A partition from the nemesis overlaps it.
const readSkewEDN = `{:index 0, :time 0, :type :invoke, :process :nemesis, :f :start-partition, :value :majority}
{:index 1, :time 1000000, :type :info, :process :nemesis, :f :start-partition, :value [:isolated {"n1" #{"n2"}}]}
{:index 2, :time 2000000, :type :invoke, :process 0, :f :txn, :value [[:r :x nil] [:r :y nil]]}
{:index 3, :time 3000000, :type :invoke, :process 1, :f :txn, :value [[:append :x 1] [:append :y 1]]}
{:index 4, :time 4000000, :type :ok, :process 0, :f :txn, :value [[:r :x []] [:r :y [1]]]}
{:index 5, :time 5000000, :type :ok, :process 1, :f :txn, :value [[:append :x 1] [:append :y 1]]}
{:index 6, :time 6000000, :type :invoke, :process 2, :f :txn, :value [[:r :x nil]]}
{:index 7, :time 7000000, :type :ok, :process 2, :f :txn, :value [[:r :x [1]]]}
{:index 8, :time 8000000, :type :invoke, :process :nemesis, :f :stop-partition, :value nil}
{:index 9, :time 9000000, :type :info, :process :nemesis, :f :stop-partition, :value :network-healed}
`

// staleKeyEDN is an independent cas-register history: key :x is fine, key
// :y reads 1 (op 11) after the write of 2 completed (op 7), so :y is not
// linearizable.
const staleKeyEDN = `{:index 0, :time 0, :type :invoke, :process 0, :f :write, :value [:x 1]}
{:index 1, :time 1000000, :type :invoke, :process 1, :f :write, :value [:y 1]}
{:index 2, :time 2000000, :type :ok, :process 0, :f :write, :value [:x 1]}
{:index 3, :time 3000000, :type :ok, :process 1, :f :write, :value [:y 1]}
{:index 4, :time 4000000, :type :invoke, :process 0, :f :read, :value [:x nil]}
{:index 5, :time 5000000, :type :ok, :process 0, :f :read, :value [:x 1]}
{:index 6, :time 6000000, :type :invoke, :process 1, :f :write, :value [:y 2]}
{:index 7, :time 7000000, :type :ok, :process 1, :f :write, :value [:y 2]}
{:index 8, :time 8000000, :type :invoke, :process :nemesis, :f :kill, :value :primaries}
{:index 9, :time 9000000, :type :info, :process :nemesis, :f :kill, :value {"n1" :killed}}
{:index 10, :time 10000000, :type :invoke, :process 0, :f :read, :value [:y nil]}
{:index 11, :time 11000000, :type :ok, :process 0, :f :read, :value [:y 1]}
`

// parseEDN reads a literal history.
func parseEDN(t *testing.T, text string) *history.History {
	t.Helper()
	r, err := codec.NewReader(strings.NewReader(text), "literal", codec.EDN)
	must(t, err)
	h, err := r.ReadAll()
	must(t, err)
	return h
}

// checkedRun stores a finished run of h checked by c, as the runner does:
// history, results from the real checker, timeline and plots, Elle's
// drawings for an Elle result.
func checkedRun(t *testing.T, s *runstore.Store, test string, start time.Time, h *history.History, c checker.Checker) (*runstore.Run, checker.Result) {
	t.Helper()
	run, err := s.Create(test, start)
	must(t, err)
	must(t, run.WriteHistory(h.Ops()))
	res := checker.Safe(context.Background(), c, h)
	must(t, run.WriteResults(res))
	must(t, run.WriteConfig(map[string]any{"name": test, "nodes": []string{"n1", "n2", "n3"}, "concurrency": 3, "workload": test}))
	_, err = report.WriteVerdict(run.Dir, res)
	must(t, err)
	_, err = report.WriteAll(run.Dir, h)
	must(t, err)
	must(t, run.Finish())
	return run, res
}

// elleRun is an invalid list-append run (G-single).
func elleRun(t *testing.T, s *runstore.Store, start time.Time) *runstore.Run {
	run, res := checkedRun(t, s, "append", start, parseEDN(t, readSkewEDN), elle.ListAppend(elle.Options{}))
	if res.Valid != checker.Invalid {
		t.Fatalf("the read-skew history checks %v, want invalid: %s", res.Valid, res.Summary)
	}
	return run
}

// keyedRun is an invalid independent cas-register run (key :y stale).
func keyedRun(t *testing.T, s *runstore.Store, start time.Time) *runstore.Run {
	c := independent.Checker(linear.New(model.CASRegister(nil), linear.Options{}), independent.Options{})
	run, res := checkedRun(t, s, "register", start, parseEDN(t, staleKeyEDN), c)
	if res.Valid != checker.Invalid {
		t.Fatalf("the stale-key history checks %v, want invalid: %s", res.Valid, res.Summary)
	}
	return run
}

// runURL is the address of run's page.
func runURL(run *runstore.Run) string {
	return "/run/" + run.Test + "/" + filepath.Base(run.Dir) + "/"
}

// writeFile writes a file into a run's folder.
func writeFile(t *testing.T, run *runstore.Run, name, text string) {
	t.Helper()
	must(t, os.MkdirAll(filepath.Dir(run.Path(name)), 0o755))
	must(t, os.WriteFile(run.Path(name), []byte(text), 0o644))
}

// serveHandler serves h for the test.
func serveHandler(t *testing.T, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func itoa(n int) string { return strconv.Itoa(n) }

func filepathBase(p string) string { return filepath.Base(p) }
