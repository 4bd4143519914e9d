package tidb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// statusAPI talks to the HTTP APIs the servers offer on every node: PD's
// (client port, /pd/api/v1/...), TiKV's and TiDB's status ports. Requests
// go from the control machine to the node's address, as clients' do.
type statusAPI struct {
	// url is the base URL of node's server listening on port.
	url    func(node string, port int) string
	client *http.Client
}

func newStatusAPI(url func(node string, port int) string) *statusAPI {
	return &statusAPI{url: url, client: &http.Client{Timeout: 3 * time.Second}}
}

// statusError is an answer that was not a success: the status and the
// start of the body, which names the cause in PD's and TiDB's APIs.
type statusError struct {
	Method, URL string
	Status      int
	Body        string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.URL, e.Status, e.Body)
}

// do sends one request and decodes a JSON answer into out (nil: any 2xx
// answer will do).
func (a *statusAPI) do(ctx context.Context, method, node string, port int, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	url := a.url(node, port) + path
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, url, err)
	}
	if resp.StatusCode/100 != 2 {
		return &statusError{Method: method, URL: url, Status: resp.StatusCode, Body: strings.TrimSpace(string(data[:min(len(data), 300)]))}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: the answer is not the JSON expected: %w", method, url, err)
	}
	return nil
}

// pdHealthy asks node's PD for etcd's /health, as the Jepsen suite does
// (db.clj pd-ready?): {"health":"true"} once its member serves with a
// leader.
func (a *statusAPI) pdHealthy(ctx context.Context, node string) error {
	var h struct {
		Health string `json:"health"`
	}
	if err := a.do(ctx, http.MethodGet, node, PDClientPort, "/health", nil, &h); err != nil {
		return err
	}
	if h.Health != "true" {
		return fmt.Errorf("PD on %s answers /health with health %q", node, h.Health)
	}
	return nil
}

// kvHealthy asks node's TiKV status port for /status (db.clj kv-ready?).
func (a *statusAPI) kvHealthy(ctx context.Context, node string) error {
	return a.do(ctx, http.MethodGet, node, KVStatusPort, "/status", nil, nil)
}

// dbStatus is TiDB's /status answer (tidb-monitoring-api).
type dbStatus struct {
	Connections int    `json:"connections"`
	Version     string `json:"version"`
	GitHash     string `json:"git_hash"`
}

// dbHealthy asks node's TiDB status port for /status (db.clj db-ready?).
func (a *statusAPI) dbHealthy(ctx context.Context, node string) error {
	var s dbStatus
	return a.do(ctx, http.MethodGet, node, DBStatusPort, "/status", nil, &s)
}

// healthy probes comp on node.
func (a *statusAPI) healthy(ctx context.Context, comp Component, node string) error {
	switch comp {
	case PD:
		return a.pdHealthy(ctx, node)
	case KV:
		return a.kvHealthy(ctx, node)
	}
	return a.dbHealthy(ctx, node)
}

// replicated asks node's PD whether every TiKV store is up and every
// region has at least replicas peers (PD API /pd/api/v1/stores and
// /pd/api/v1/regions): before that, TiDB's first statements meet regions
// without a quorum.
func (a *statusAPI) replicated(ctx context.Context, node string, stores, replicas int) error {
	var st struct {
		Count  int `json:"count"`
		Stores []struct {
			Store struct {
				ID        uint64 `json:"id"`
				Address   string `json:"address"`
				StateName string `json:"state_name"`
			} `json:"store"`
		} `json:"stores"`
	}
	if err := a.do(ctx, http.MethodGet, node, PDClientPort, "/pd/api/v1/stores", nil, &st); err != nil {
		return err
	}
	up := 0
	for _, s := range st.Stores {
		if s.Store.StateName == "Up" {
			up++
		}
	}
	if up < stores {
		return fmt.Errorf("PD knows %d TiKV stores up of the %d started", up, stores)
	}
	var rs struct {
		Count   int `json:"count"`
		Regions []struct {
			ID    uint64            `json:"id"`
			Peers []json.RawMessage `json:"peers"`
		} `json:"regions"`
	}
	if err := a.do(ctx, http.MethodGet, node, PDClientPort, "/pd/api/v1/regions", nil, &rs); err != nil {
		return err
	}
	if len(rs.Regions) == 0 {
		return errors.New("PD knows no region yet")
	}
	short := 0
	var first uint64
	for _, r := range rs.Regions {
		if len(r.Peers) < replicas {
			if short == 0 {
				first = r.ID
			}
			short++
		}
	}
	if short > 0 {
		return fmt.Errorf("%d of %d regions have fewer than %d replicas (region %d first)", short, len(rs.Regions), replicas, first)
	}
	return nil
}

// pdLeader is the name of PD's leader member, asked of node's PD
// (/pd/api/v1/leader; db.clj pd-leader).
func (a *statusAPI) pdLeader(ctx context.Context, node string) (string, error) {
	var l struct {
		Name string `json:"name"`
	}
	if err := a.do(ctx, http.MethodGet, node, PDClientPort, "/pd/api/v1/leader", nil, &l); err != nil {
		return "", err
	}
	if l.Name == "" {
		return "", fmt.Errorf("PD on %s names no leader", node)
	}
	return l.Name, nil
}

// addScheduler adds PD scheduler name (e.g. shuffle-leader-scheduler)
// through node's PD: POST /pd/api/v1/schedulers {"name": ...}, what
// `pd-ctl scheduler add` sends (nemesis.clj schedule-nemesis).
func (a *statusAPI) addScheduler(ctx context.Context, node, name string) error {
	return a.do(ctx, http.MethodPost, node, PDClientPort, "/pd/api/v1/schedulers", map[string]string{"name": name}, nil)
}

// removeScheduler removes PD scheduler name: DELETE
// /pd/api/v1/schedulers/<name>. A scheduler PD does not have is no error.
func (a *statusAPI) removeScheduler(ctx context.Context, node, name string) error {
	err := a.do(ctx, http.MethodDelete, node, PDClientPort, "/pd/api/v1/schedulers/"+name, nil, nil)
	var se *statusError
	if errors.As(err, &se) && (se.Status == http.StatusNotFound || strings.Contains(se.Body, "not found")) {
		return nil
	}
	return err
}

// wait is how a setup step waits for a condition that a server reaches on
// its own: probe every interval until it has held stable times in a row
// (a server that answers healthy once and then not is flapping, not up),
// or until timeout, when the error names what was awaited and the last
// answer. Each probe gets at most probeTimeout.
type wait struct {
	what         string // "PD on n3 to become healthy"
	timeout      time.Duration
	interval     time.Duration
	stable       int
	probeTimeout time.Duration
}

// defaults for wait's zero fields.
func (w wait) withDefaults() wait {
	if w.interval <= 0 {
		w.interval = 250 * time.Millisecond
	}
	if w.stable <= 0 {
		w.stable = 3
	}
	if w.probeTimeout <= 0 {
		w.probeTimeout = 5 * time.Second
	}
	return w
}

// timeoutError is a wait that ran out of time.
type timeoutError struct {
	What     string
	Timeout  time.Duration
	Last     error
	Healthy  int // answers that were healthy, in all
	Restarts int
}

func (e *timeoutError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "waited %v for %s", e.Timeout, e.What)
	switch {
	case e.Healthy > 0:
		fmt.Fprintf(&b, ": it flapped (healthy %s, never stably)", times(e.Healthy))
	default:
		b.WriteString(": it never was")
	}
	if e.Restarts > 0 {
		fmt.Fprintf(&b, "; restarted %s after it exited", times(e.Restarts))
	}
	if e.Last != nil {
		fmt.Fprintf(&b, "; last answer: %v", e.Last)
	}
	return b.String()
}

func (e *timeoutError) Unwrap() error { return e.Last }

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return strconv.Itoa(n) + " times"
}

// run probes until the condition holds stably. alive, when set, is asked
// after every failed probe whether the server still runs; when it does
// not, restart is called (TiDB's servers exit when their dependencies do
// not answer at startup, and the Jepsen suite restarts them: db.clj
// restart-loop).
func (w wait) run(ctx context.Context, probe func(context.Context) error, alive func(context.Context) (bool, error), restart func(context.Context) error) error {
	w = w.withDefaults()
	deadline := time.Now().Add(w.timeout)
	var last error
	streak, healthy, restarts := 0, 0, 0
	for {
		pctx, cancel := context.WithTimeout(ctx, w.probeTimeout)
		err := probe(pctx)
		cancel()
		if ctx.Err() != nil {
			return fmt.Errorf("waiting for %s: %w", w.what, ctx.Err())
		}
		if err == nil {
			streak++
			healthy++
			if streak >= w.stable {
				return nil
			}
		} else {
			streak, last = 0, err
			if alive != nil && restart != nil {
				if ok, aerr := alive(ctx); aerr == nil && !ok {
					restarts++
					if rerr := restart(ctx); rerr != nil {
						return fmt.Errorf("waiting for %s: restarting it after it exited: %w", w.what, rerr)
					}
				}
			}
		}
		if time.Now().After(deadline) {
			return &timeoutError{What: w.what, Timeout: w.timeout, Last: last, Healthy: healthy, Restarts: restarts}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", w.what, ctx.Err())
		case <-time.After(w.interval):
		}
	}
}
