package web

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/faultline/faultline/history"
)

// historyData is the data of the history view.
type historyData struct {
	runInfo
	Q histQuery
	histPage
	Pager     pager
	Fs, Procs []string
	Types     []string
	Limits    []int
	Warnings  []string
	Stopped   string
}

// historyPage is the history view: a page of the run's ops, filtered by
// process, f, type, key and time, landing on ?op=N (highlighted) when asked.
// It reads the page from the stored history through the run's index
// (histindex.go), so a page of a million-op history costs a page of reads.
func (s *Server) historyPage(w http.ResponseWriter, r *http.Request) {
	q, err := parseHistQuery(r.URL.Query())
	if err != nil {
		badRequest(w, err)
		return
	}
	s.withHistory(w, r, func(root *os.Root, ref runRef, h *openHistory) {
		d := historyData{runInfo: s.info(root, ref, currentRun(s.Root)), Q: q, Types: []string{"invoke", "ok", "fail", "info"}, Limits: []int{50, 100, 500, 1000}}
		d.histPage, err = h.page(h.file, &q)
		var bq *badQuery
		switch {
		case errors.As(err, &bq):
			notFound(w, bq.Error())
			return
		case err != nil:
			http.Error(w, "500 reading the history: "+err.Error(), http.StatusInternalServerError)
			return
		}
		d.Pager = pager{Page: d.Page, Pages: d.Pages, Limit: q.Limit, Total: d.Matching, Link: func(n int) string {
			return ref.HistoryURL() + "?" + q.query("page", strconv.Itoa(n))
		}}
		d.Fs = slices.Sorted(slices.Values(h.fs))
		if len(h.procs) <= maxProcessChoices {
			d.Procs = h.processNames()
		}
		for _, wn := range h.warnings {
			if !d.Live() || !strings.Contains(wn.Msg, "cut short") {
				d.Warnings = append(d.Warnings, wn.String())
			}
		}
		if h.stopped != nil {
			d.Stopped = h.stopped.Error()
		}
		render(w, "history", d)
	})
}

// withHistory finds the request's run and acquires its history index for a
// handler, answering the request itself when there is none: 404 for a
// missing run or a run without a history, 403 for a history file that is
// not served, 500 for one that cannot be read.
func (s *Server) withHistory(w http.ResponseWriter, r *http.Request, f func(root *os.Root, ref runRef, h *openHistory)) {
	s.withRoot(w, func(root *os.Root) {
		ref, ok := s.lookupRun(w, r, root)
		if !ok {
			return
		}
		h, err := s.hist.acquire(root, ref)
		var rf *refusal
		switch {
		case err == nil:
			defer h.close()
			f(root, ref, h)
		case errors.Is(err, errNoHistory):
			notFound(w, "run "+ref.ID()+": "+err.Error())
		case errors.As(err, &rf):
			http.Error(w, "403 forbidden: "+rf.Error(), http.StatusForbidden)
		default:
			http.Error(w, "500 reading the history of "+ref.ID()+": "+err.Error(), http.StatusInternalServerError)
		}
	})
}

// maxProcessChoices is the most processes the filter offers in a list; a
// history with more (a long run retires a process after every info) gets a
// text field instead.
const maxProcessChoices = 64

// processNames lists the history's processes for the filter: the nemesis
// first, then clients by number.
func (x *histIndex) processNames() []string {
	ps := make([]int, 0, len(x.procs))
	for p := range x.procs {
		ps = append(ps, int(p))
	}
	slices.Sort(ps)
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = history.ProcessString(p)
	}
	return out
}

// query is the filter (and limit) as URL parameters, with the extra
// name/value pairs given set (an empty value drops the parameter).
func (q *histQuery) query(extra ...string) string {
	pairs := []string{"process", q.Process, "f", q.F, "type", q.Type, "key", q.Key, "from", q.From, "to", q.To, "limit", limitParam(q.Limit)}
	for i := 0; i+1 < len(extra); i += 2 {
		found := false
		for k := 0; k < len(pairs); k += 2 {
			if pairs[k] == extra[i] {
				pairs[k+1], found = extra[i+1], true
			}
		}
		if !found {
			pairs = append(pairs, extra[i], extra[i+1])
		}
	}
	return encodeQuery(pairs...)
}

// Follow reports whether the page reloads itself: the last page of a run in
// progress, not landed on an op (a page someone is reading stays put).
func (d historyData) Follow() bool {
	return d.Live() && d.Page == d.Pages && d.Q.Op < 0
}

// With is the address of this view with one parameter changed (for the
// links in the table: a process, an f, a key).
func (d historyData) With(name, value string) string {
	return d.HistoryURL() + "?" + d.Q.query(name, value, "page", "", "op", "")
}

// OpLink is where an op's index links in the table: this view, landed on it.
func (d historyData) OpLink(index int) string {
	return d.HistoryURL() + "?" + d.Q.query("op", strconv.Itoa(index), "page", "") + "#op-" + strconv.Itoa(index)
}

// TimelineAt links to the run's timeline opened at an op, "" without one.
func (ri runInfo) TimelineAt(index int) string {
	if ri.Timeline == "" {
		return ""
	}
	return ri.FileURL(ri.Timeline) + "?op=" + strconv.Itoa(index)
}

// HistoryAt links to the history view landed on an op; with a key, the
// view shows only that key's ops.
func (ri runInfo) HistoryAt(index int, key string) string {
	return ri.HistoryURL() + "?" + encodeQuery("key", key, "op", strconv.Itoa(index)) + "#op-" + strconv.Itoa(index)
}

// opData is the data of one op's page.
type opData struct {
	runInfo
	Op       history.Op
	Text     string
	Pair     *history.Op
	PairText string
}

// opPage shows one op whole (the history view clips long values), with
// the other half of its pair and links to it in the history and timeline.
func (s *Server) opPage(w http.ResponseWriter, r *http.Request) {
	index, err := strconv.Atoi(r.PathValue("index"))
	if err != nil || index < 0 {
		badRequest(w, badParam("op index", r.PathValue("index"), "a whole number from 0"))
		return
	}
	s.withHistory(w, r, func(root *os.Root, ref runRef, h *openHistory) {
		i := h.position(index)
		if i < 0 {
			notFound(w, fmt.Sprintf("run %s has no op with index %d (%d ops)", ref.ID(), index, h.Len()))
			return
		}
		want := []int{index}
		if j := h.pair[i]; j >= 0 {
			want = append(want, h.indexOf(int(j)))
		}
		ops, err := h.opsByIndex(h.file, want)
		if err != nil {
			http.Error(w, "500 reading the history: "+err.Error(), http.StatusInternalServerError)
			return
		}
		d := opData{runInfo: s.info(root, ref, currentRun(s.Root)), Op: ops[index]}
		d.Text = d.Op.String()
		if len(want) > 1 {
			p := ops[want[1]]
			d.Pair, d.PairText = &p, p.String()
		}
		render(w, "op", d)
	})
}
