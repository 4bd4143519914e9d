package tidb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/db"
)

// This file holds the fakes the tests share: a recording remote (every
// command any node runs, in one global order, with barriers in the same
// order), an HTTP server answering like PD's, TiKV's and TiDB's status
// APIs with a behaviour per node and component, and a recording sqlAdmin.

// event is one thing a node did, numbered in the order of all nodes'.
type event struct {
	seq    int
	node   string
	kind   string // start, write, kill, wipe, install, arrive, release (from a barrier), sh
	detail string // the program started, the file written, ...
	args   []string
	data   string
}

type recorder struct {
	mu     sync.Mutex
	events []event
	addrs  map[string]string
}

func (r *recorder) add(e event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e.seq = len(r.events)
	r.events = append(r.events, e)
}

func (r *recorder) all() []event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]event(nil), r.events...)
}

// of lists the events of kind (all nodes), optionally whose detail is detail.
func (r *recorder) of(kind, detail string) []event {
	var out []event
	for _, e := range r.all() {
		if e.kind == kind && (detail == "" || e.detail == detail) {
			out = append(out, e)
		}
	}
	return out
}

// recConn is one node's connection: it answers what the deployment asks
// (addresses, "running", "started") and records the rest.
type recConn struct {
	r    *recorder
	node string
}

func (c recConn) Run(_ context.Context, cmd control.Cmd) (control.Result, error) {
	out := func(s string) (control.Result, error) { return control.Result{Stdout: []byte(s + "\n")}, nil }
	if len(cmd.Argv) < 4 || cmd.Argv[0] != "sh" || cmd.Argv[1] != "-c" {
		c.r.add(event{node: c.node, kind: "exec", detail: cmd.Argv[0], args: cmd.Argv[1:]})
		return out("")
	}
	script, args := cmd.Argv[2], cmd.Argv[4:]
	switch {
	case strings.Contains(script, "getent ahostsv4"):
		var lines []string
		for _, a := range args {
			lines = append(lines, a+" "+c.r.addrs[a])
		}
		return out(strings.Join(lines, "\n"))
	case strings.Contains(script, `.faultline-tmp`):
		data, _ := io.ReadAll(cmd.Stdin)
		c.r.add(event{node: c.node, kind: "write", detail: args[0], data: string(data)})
		return out("")
	case strings.Contains(script, "setsid"):
		// node.Start: pidfile, log, dir, then the program and its args.
		c.r.add(event{node: c.node, kind: "start", detail: args[3], args: args[4:]})
		return out("started")
	case strings.Contains(script, "kill -0") && strings.Contains(script, "echo yes"):
		return out("yes")
	case strings.Contains(script, ".faultline-archive\" 2>/dev/null"):
		return out("")
	case strings.Contains(script, "tar -xzf"):
		c.r.add(event{node: c.node, kind: "install", detail: args[3]})
		return out("")
	case script == wipeScript:
		c.r.add(event{node: c.node, kind: "wipe", detail: args[0]})
		return out("")
	case strings.Contains(script, "kill -KILL \"-$pid\""):
		c.r.add(event{node: c.node, kind: "kill", detail: args[0]})
		return out("")
	case strings.Contains(script, "last lines of"):
		return out("== last lines of " + args[0] + ":\n(the test's log line)")
	}
	c.r.add(event{node: c.node, kind: "sh", detail: strings.SplitN(script, "\n", 2)[0], args: args})
	return out("")
}

func (recConn) Upload(context.Context, string, string) error   { return nil }
func (recConn) Download(context.Context, string, string) error { return nil }
func (recConn) Close() error                                   { return nil }

// recordedWait is b's Wait for node, recording the node's arrival and,
// when the barrier lets it through, its release: every release of a round
// follows every arrival of that round.
func recordedWait(r *recorder, b *db.Barrier, node string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		r.add(event{node: node, kind: "arrive"})
		err := b.Wait(ctx)
		if err == nil {
			r.add(event{node: node, kind: "release"})
		}
		return err
	}
}

// fakeCluster is five (or n) recorded nodes.
func fakeCluster(n int) (*recorder, []db.Node) {
	r := &recorder{addrs: map[string]string{}}
	var names []string
	for i := 1; i <= n; i++ {
		name := "n" + strconv.Itoa(i)
		names = append(names, name)
		r.addrs[name] = "10.9.0." + strconv.Itoa(i)
	}
	nodes := make([]db.Node, n)
	for i, name := range names {
		nodes[i] = db.Node{Name: name, Nodes: names, Conn: recConn{r: r, node: name}}
	}
	return r, nodes
}

// onAll runs step on every node at once with one recorded barrier.
func onAll(ctx context.Context, r *recorder, nodes []db.Node, step func(context.Context, db.Node) error) error {
	b := db.NewBarrier(len(nodes))
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		n.Barrier = recordedWait(r, b, n.Name)
		wg.Go(func() {
			if errs[i] = step(ctx, n); errs[i] != nil {
				b.Fail(fmt.Errorf("%s failed", n.Name))
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// behaviour says whether the attempt-th probe (from 0) of a status API is
// answered healthy.
type behaviour func(attempt int) bool

func healthy(int) bool { return true }
func never(int) bool   { return false }

// slow is healthy from the n-th probe on.
func slow(n int) behaviour { return func(a int) bool { return a >= n } }

// flapping answers healthy every other probe, forever.
func flapping(a int) bool { return a%2 == 1 }

// fakeAPI answers like PD (health, stores, regions, leader, schedulers),
// TiKV (/status) and TiDB (/status) of every node, at URLs
// <server>/<node>/<port>/<path>.
type fakeAPI struct {
	t   *testing.T
	srv *httptest.Server

	mu         sync.Mutex
	behave     map[string]behaviour // "n3/kv": behaviour; default healthy
	attempts   map[string]int
	regions    func(attempt int) [][]int // peers (store ids) per region
	leader     string                    // PD leader member name
	pdDown     map[string]bool           // nodes whose PD does not answer
	schedulers []string
	requests   []string
}

func newFakeAPI(t *testing.T) *fakeAPI {
	f := &fakeAPI{t: t, behave: map[string]behaviour{}, attempts: map[string]int{}, leader: "pd2", pdDown: map[string]bool{},
		regions: func(int) [][]int { return [][]int{{1, 2, 3}, {2, 3, 4}} }}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// url is the statusAPI's URL function onto the fake.
func (f *fakeAPI) url(node string, port int) string {
	return f.srv.URL + "/" + node + "/" + strconv.Itoa(port)
}

func (f *fakeAPI) set(node string, c Component, b behaviour) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.behave[node+"/"+string(c)] = b
}

// ok reports whether this probe of c on node is healthy, counting it.
func (f *fakeAPI) ok(node string, c Component) bool {
	key := node + "/" + string(c)
	b := f.behave[key]
	if b == nil {
		b = healthy
	}
	a := f.attempts[key]
	f.attempts[key]++
	return b(a)
}

func (f *fakeAPI) serve(w http.ResponseWriter, req *http.Request) {
	parts := strings.SplitN(strings.TrimPrefix(req.URL.Path, "/"), "/", 3)
	if len(parts) < 3 {
		http.NotFound(w, req)
		return
	}
	node, port, path := parts[0], parts[1], "/"+parts[2]
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, req.Method+" "+node+":"+port+path)
	answer := func(v any) { _ = json.NewEncoder(w).Encode(v) }
	unavailable := func() { http.Error(w, `{"error":"not ready"}`, http.StatusServiceUnavailable) }
	if port == "2379" && f.pdDown[node] {
		unavailable()
		return
	}
	switch port + " " + path {
	case "2379 /health":
		if f.ok(node, PD) {
			answer(map[string]string{"health": "true"})
		} else {
			answer(map[string]string{"health": "false"})
		}
	case "20180 /status":
		if !f.ok(node, KV) {
			unavailable()
		}
	case "10080 /status":
		if f.ok(node, DB) {
			answer(dbStatus{Connections: 0, Version: "8.0.11-TiDB-" + PinnedVersion})
		} else {
			unavailable()
		}
	case "2379 /pd/api/v1/stores":
		var stores []map[string]any
		for i := 1; i <= 5; i++ {
			stores = append(stores, map[string]any{"store": map[string]any{"id": i, "address": fmt.Sprintf("10.9.0.%d:20160", i), "state_name": "Up"}})
		}
		answer(map[string]any{"count": len(stores), "stores": stores})
	case "2379 /pd/api/v1/regions":
		a := f.attempts[node+"/regions"]
		f.attempts[node+"/regions"]++
		var regions []map[string]any
		for i, peers := range f.regions(a) {
			var ps []map[string]any
			for _, p := range peers {
				ps = append(ps, map[string]any{"id": 100*i + p, "store_id": p})
			}
			regions = append(regions, map[string]any{"id": i + 1, "peers": ps})
		}
		answer(map[string]any{"count": len(regions), "regions": regions})
	case "2379 /pd/api/v1/leader":
		answer(map[string]any{"name": f.leader, "member_id": 7})
	case "2379 /pd/api/v1/schedulers":
		var body struct{ Name string }
		if err := json.NewDecoder(req.Body).Decode(&body); err != nil || req.Method != http.MethodPost {
			http.Error(w, "bad scheduler request", http.StatusBadRequest)
			return
		}
		f.schedulers = append(f.schedulers, body.Name)
		answer("The scheduler is created.")
	default:
		if strings.HasPrefix(path, "/pd/api/v1/schedulers/") && req.Method == http.MethodDelete {
			name := strings.TrimPrefix(path, "/pd/api/v1/schedulers/")
			for i, s := range f.schedulers {
				if s == name {
					f.schedulers = append(f.schedulers[:i], f.schedulers[i+1:]...)
					answer("The scheduler is removed.")
					return
				}
			}
			http.Error(w, `"[PD:scheduler:ErrSchedulerNotFound]scheduler not found"`, http.StatusInternalServerError)
			return
		}
		http.NotFound(w, req)
	}
}

// recAdmin records the statements the bootstrap runs, per host.
type recAdmin struct {
	mu    sync.Mutex
	hosts []string
	stmts []string
	err   error
}

func (a *recAdmin) exec(_ context.Context, host string, stmts ...string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err != nil {
		return a.err
	}
	a.hosts = append(a.hosts, host)
	a.stmts = append(a.stmts, stmts...)
	return nil
}

// testServer is a Server whose status APIs are f's and whose SQL is
// recorded.
func testServer(t *testing.T, f *fakeAPI, o Options) (*Server, *recAdmin) {
	t.Helper()
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	s.api = newStatusAPI(f.url)
	a := &recAdmin{}
	s.admin = a
	return s, a
}

// deployed is a Server set up on five recorded nodes against f.
func deployed(t *testing.T, f *fakeAPI) (*Server, []db.Node) {
	t.Helper()
	r, nodes := fakeCluster(5)
	s, _ := testServer(t, f, Options{})
	if err := onAll(context.Background(), r, nodes, s.Setup); err != nil {
		t.Fatal(err)
	}
	return s, nodes
}
