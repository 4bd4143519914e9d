// Command fakeserver stands in for pd-server, tikv-server and tidb-server
// (whichever name it runs under) in the tidb package's tests on the local
// cluster, which cannot fetch TiDB's binaries: it takes their command
// lines, writes their log files and answers their status APIs the way the
// deployment reads them, so that the deployment's scripts (install, start,
// kill, pause, wipe) run for real on real nodes. It stores nothing and
// serves no SQL.
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

func main() {
	role := filepath.Base(os.Args[0])
	flags := map[string]string{}
	for _, a := range os.Args[1:] {
		if k, v, ok := strings.Cut(strings.TrimLeft(a, "-"), "="); ok {
			flags[k] = v
		}
	}
	if f := flags["log-file"]; f != "" {
		if lf, err := os.OpenFile(f, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644); err == nil {
			log.SetOutput(lf)
		}
	}
	log.Printf("fake %s starting: %q", role, os.Args[1:])
	fmt.Println("fake", role, "started")
	var addr string
	mux := http.NewServeMux()
	switch role {
	case "pd-server":
		u, err := url.Parse(flags["client-urls"])
		if err != nil {
			log.Fatal(err)
		}
		addr = u.Host
		pd(mux, strings.Split(flags["initial-cluster"], ","))
	case "tikv-server":
		addr = flags["status-addr"]
		mux.HandleFunc("/status", func(http.ResponseWriter, *http.Request) {})
	case "tidb-server":
		addr = net.JoinHostPort("0.0.0.0", flags["status"])
		mux.HandleFunc("/status", func(w http.ResponseWriter, _ *http.Request) {
			json.NewEncoder(w).Encode(map[string]any{"connections": 0, "version": "8.0.11-TiDB-fake", "git_hash": "none"})
		})
	default:
		log.Fatalf("fakeserver runs as pd-server, tikv-server or tidb-server, not %s", role)
	}
	log.Fatal(http.ListenAndServe(addr, mux))
}

// pd answers PD's API for a cluster of the members listed: every store
// up, one region with three peers, the first member leading, schedulers
// kept in memory.
func pd(mux *http.ServeMux, members []string) {
	answer := func(w http.ResponseWriter, v any) { json.NewEncoder(w).Encode(v) }
	var mu sync.Mutex
	schedulers := map[string]bool{}
	mux.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) { answer(w, map[string]string{"health": "true"}) })
	mux.HandleFunc("/pd/api/v1/stores", func(w http.ResponseWriter, _ *http.Request) {
		var stores []any
		for i := range members {
			stores = append(stores, map[string]any{"store": map[string]any{"id": i + 1, "state_name": "Up"}})
		}
		answer(w, map[string]any{"count": len(stores), "stores": stores})
	})
	mux.HandleFunc("/pd/api/v1/regions", func(w http.ResponseWriter, _ *http.Request) {
		answer(w, map[string]any{"count": 1, "regions": []any{map[string]any{"id": 1, "peers": []any{map[string]int{"id": 1}, map[string]int{"id": 2}, map[string]int{"id": 3}}}}})
	})
	mux.HandleFunc("/pd/api/v1/leader", func(w http.ResponseWriter, _ *http.Request) {
		name, _, _ := strings.Cut(members[0], "=")
		answer(w, map[string]any{"name": name})
	})
	mux.HandleFunc("/pd/api/v1/schedulers", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Name string }
		if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&body) != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		mu.Lock()
		schedulers[body.Name] = true
		mu.Unlock()
		answer(w, "The scheduler is created.")
	})
	mux.HandleFunc("/pd/api/v1/schedulers/", func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/pd/api/v1/schedulers/")
		mu.Lock()
		defer mu.Unlock()
		if r.Method != http.MethodDelete || !schedulers[name] {
			http.Error(w, "scheduler not found", http.StatusInternalServerError)
			return
		}
		delete(schedulers, name)
		answer(w, "The scheduler is removed.")
	})
}
