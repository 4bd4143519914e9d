// Package web serves a store of past runs to a browser, as Jepsen's
// `lein run serve` does, and is the place where a run is read: an index of
// every run with its status (filtered by test and status, paged), a page per
// run that explains its verdict in place (Elle's anomalies, a
// linearizability counterexample, an independent checker's failing keys,
// the parts of a composed check, each op they name linked to the history
// view and the timeline), the faults applied over time, plots,
// configuration and logs; a paged, filterable history view that reads only
// the page it shows from the stored history (history_*.go); live runs that
// grow as their journal does, and crashed ones told apart by the run's
// heartbeat; a comparison of two runs; the raw files and a zip of a run.
//
// Runs that finish (or start) while the server is up show without a
// restart: what is cached (summaries of results files, op counts, history
// indexes) is checked against the file's inode, size and time on each use.
// Every file is opened through an os.Root on the store folder, so a name
// with "..", an absolute path or a symlink that leads out of the store is
// refused by the kernel-facing layer itself; only regular files with one
// link are read (open.go). Pages are html/template with one inline style
// block and no script, under a Content-Security-Policy that allows nothing
// else; files from run folders are served sandboxed (headers.go).
package web

import (
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/faultline/faultline/runstore"
)

// Server serves one store folder. Build it with New (or use Handler).
type Server struct {
	// Root is the store folder, as given.
	Root string
	// MaxResults is the largest results.json loaded whole (0:
	// DefaultMaxResults); bigger ones are summarised from their first
	// bytes.
	MaxResults int64

	mux       *http.ServeMux
	summaries summaryCache
	hist      *histCache

	countMu sync.Mutex
	counts  map[string]lineCount // op counts per history file
}

// Handler returns an http.Handler over the store folder root.
func Handler(root string) http.Handler { return New(root) }

// New returns a Server over the store folder root. The folder need not exist
// yet: requests then answer 404 until it does.
func New(root string) *Server {
	s := &Server{Root: root, mux: http.NewServeMux(), hist: newHistCache(DefaultIndexBudget), counts: map[string]lineCount{}}
	s.mux.HandleFunc("GET /{$}", s.index)
	s.mux.HandleFunc("GET /latest", s.latest)
	s.mux.HandleFunc("GET /favicon.ico", noContent)
	s.mux.HandleFunc("GET /compare", s.compare)
	s.mux.HandleFunc("GET /run/{test}/{start}/{$}", s.runPage)
	s.mux.HandleFunc("GET /run/{test}/{start}/history", s.historyPage)
	s.mux.HandleFunc("GET /run/{test}/{start}/op/{index}", s.opPage)
	s.mux.HandleFunc("GET /files/{test}/{start}/{path...}", s.file)
	s.mux.HandleFunc("GET /zip/{test}/{start}", s.zip)
	return s
}

func (s *Server) maxResults() int64 {
	if s.MaxResults > 0 {
		return s.MaxResults
	}
	return DefaultMaxResults
}

// ServeHTTP sets the security headers every response carries, then refuses
// any path that names a parent folder before routing. ServeMux would
// otherwise clean "/files/a/b/../../x" and answer with a redirect; a clear
// 400 says what was wrong, and no handler ever sees such a name. The check
// runs on the decoded path, so %2e%2e and %2f are caught.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w.Header())
	if badPath(r.URL.Path) {
		http.Error(w, "bad path: parent folders (..), empty names, backslashes and NUL bytes are not served", http.StatusBadRequest)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// badPath reports whether a decoded URL path holds a "..", "." or empty
// element (so no absolute name hides behind "//"), a NUL byte or a backslash
// (a separator on some systems).
func badPath(p string) bool {
	if strings.ContainsAny(p, "\x00\\") {
		return true
	}
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		inner := i > 0 && i < len(segs)-1
		if seg == ".." || seg == "." || (seg == "" && inner) {
			return true
		}
	}
	return false
}

// openRoot opens the store folder for one request. Each request opens its
// own, so a store folder created (or replaced) after the server started is
// seen.
func (s *Server) openRoot() (*os.Root, error) {
	return os.OpenRoot(s.Root)
}

// runRef names one run folder inside the store: <test>/<start>.
type runRef struct {
	Test  string
	Start time.Time
	Name  string // the folder name, runstore.TimeFormat
}

// Rel is the run folder relative to the store root, with forward slashes
// (the form os.Root and URLs take).
func (r runRef) Rel() string { return r.Test + "/" + r.Name }

// parseRef checks a test name and run folder name taken from a URL: each a
// single valid path element, the test not one of the store's links, the run
// named by a start time. Anything else is no run of this store.
func parseRef(test, name string) (runRef, bool) {
	if !fs.ValidPath(test) || strings.Contains(test, "/") || test == "latest" || test == "current" {
		return runRef{}, false
	}
	start, err := time.Parse(runstore.TimeFormat, name)
	if err != nil {
		return runRef{}, false
	}
	return runRef{Test: test, Start: start, Name: name}, true
}

// lookupRun finds the run named by the request's {test} and {start}, and
// answers 404 itself when there is none (or it is not a folder).
func (s *Server) lookupRun(w http.ResponseWriter, r *http.Request, root *os.Root) (runRef, bool) {
	ref, ok := parseRef(r.PathValue("test"), r.PathValue("start"))
	if ok {
		st, err := root.Stat(ref.Rel())
		ok = err == nil && st.IsDir()
	}
	if !ok {
		notFound(w, fmt.Sprintf("no run %s/%s in this store", r.PathValue("test"), r.PathValue("start")))
	}
	return ref, ok
}

// withRoot opens the store for a handler, answering 404 when the store
// folder is missing, so every handler starts from an open root.
func (s *Server) withRoot(w http.ResponseWriter, f func(root *os.Root)) {
	root, err := s.openRoot()
	if err != nil {
		notFound(w, fmt.Sprintf("store folder %s cannot be opened: %v", s.Root, err))
		return
	}
	defer root.Close()
	f(root)
}

// latest redirects to the run the store's latest link points at, found with
// runstore.Resolve as `faultline analyze` finds it.
func (s *Server) latest(w http.ResponseWriter, r *http.Request) {
	dir, err := (&runstore.Store{Root: s.Root}).Resolve("")
	if err != nil {
		notFound(w, err.Error())
		return
	}
	ref, ok := parseRef(filepath.Base(filepath.Dir(dir)), filepath.Base(dir))
	if !ok {
		notFound(w, "the latest link does not point at a run folder of this store")
		return
	}
	http.Redirect(w, r, ref.URL(), http.StatusFound)
}

// noContent answers 204: the pages have no icon, and a browser that asks
// for one should not log a missing file.
func noContent(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }

// notFound answers 404 with a sentence saying what was not found.
func notFound(w http.ResponseWriter, msg string) {
	http.Error(w, "404 not found: "+msg, http.StatusNotFound)
}

// URL, FileURL and ZipURL build the links every page uses, escaping each
// path element, so test names with spaces or '#' survive.
func (r runRef) URL() string {
	return "/run/" + urlPath(r.Test) + "/" + r.Name + "/"
}

// FileURL links to one file of the run, name relative to its folder.
func (r runRef) FileURL(name string) string {
	return "/files/" + urlPath(r.Test) + "/" + r.Name + "/" + urlPath(name)
}

// HistoryURL links to the run's history view.
func (r runRef) HistoryURL() string { return r.URL() + "history" }

// OpURL links to the page of one op of the run.
func (r runRef) OpURL(index int) string { return r.URL() + "op/" + fmt.Sprint(index) }

// ID is the run as the compare form names it: <test>/<start>.
func (r runRef) ID() string { return r.Test + "/" + r.Name }

// ZipURL links to the zip download of the run folder.
func (r runRef) ZipURL() string {
	return "/zip/" + urlPath(r.Test) + "/" + r.Name
}

// urlPath escapes each slash-separated element of a relative name.
func urlPath(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}
