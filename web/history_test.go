package web

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/codec"
	"github.com/faultline/faultline/runstore"
)

// genOps makes a history of n ops (eachGenOp's).
func genOps(n int) []history.Op {
	ops := make([]history.Op, 0, n)
	eachGenOp(n, func(op history.Op) { ops = append(ops, op) })
	return ops
}

// eachGenOp makes a history of n ops, one at a time: five client threads
// doing reads and writes of [key value] on four keys (some fail, some end in
// info, after which the thread goes on as a new process, as the runner
// does), one op every millisecond, and a partition started and stopped now
// and then.
func eachGenOp(n int, yield func(history.Op)) {
	count := 0
	add := func(op history.Op) {
		if count < n {
			op.Index, op.Time = count, int64(count)*1e6
			yield(op)
			count++
		}
	}
	procs := []int{0, 1, 2, 3, 4}
	for i := 0; count < n; i++ {
		if i%40 == 13 {
			f := "start-partition"
			if i%80 == 53 {
				f = "stop-partition"
			}
			add(history.Op{Type: history.Invoke, Process: history.NemesisProcess, F: f})
			add(history.Op{Type: history.Info, Process: history.NemesisProcess, F: f, Value: history.Keyword("done")})
			continue
		}
		p, key := procs[i%5], int64(i%4)
		f, v, done := "write", []any{key, int64(i)}, []any{key, int64(i)}
		if i%3 == 0 {
			f, v, done = "read", []any{key, nil}, []any{key, int64(i - 3)}
		}
		add(history.Op{Type: history.Invoke, Process: p, F: f, Value: v})
		typ := history.OK
		switch {
		case i%7 == 6:
			typ = history.Fail
		case i%11 == 10:
			typ = history.Info
			procs[i%5] += 5
		}
		add(history.Op{Type: typ, Process: p, F: f, Value: done})
	}
}

// historyRun stores a finished run with the given ops (history.edn).
func historyRun(t *testing.T, s *runstore.Store, test string, ops []history.Op) *runstore.Run {
	t.Helper()
	run, err := s.Create(test, t0)
	must(t, err)
	must(t, run.WriteHistory(ops))
	must(t, run.Finish())
	return run
}

var matchingRe = regexp.MustCompile(`<p id="matching">(\d+) (?:of (\d+) )?ops`)

// historyRows fetches every page of a history view (limit 1000) and
// returns the indexes of the rows and the count the page says match.
func historyRows(t *testing.T, get func(string) (int, string), base string) ([]string, int) {
	t.Helper()
	var out []string
	matching := -1
	for page := 1; ; page++ {
		code, body := get(base + "&limit=1000&page=" + strconv.Itoa(page))
		if code == 404 && page > 1 {
			return out, matching
		}
		if code != 200 {
			t.Fatalf("%s page %d: %d\n%.500s", base, page, code, body)
		}
		m := matchingRe.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("%s: no count of matching ops", base)
		}
		matching, _ = strconv.Atoi(m[1])
		rows := rowIndexes(body)
		out = append(out, rows...)
		if len(rows) < 1000 {
			return out, matching
		}
	}
}

func TestHistoryPagesThroughEveryOpInOrder(t *testing.T) {
	s := &runstore.Store{Root: t.TempDir()}
	ops := genOps(1000)
	run := historyRun(t, s, "paged", ops)
	srv := serve(t, s.Root)
	base := runURL(run) + "history"
	var seen []string
	for page := 1; page <= 10; page++ {
		resp, body := get(t, srv, base+"?page="+strconv.Itoa(page))
		if resp.StatusCode != 200 {
			t.Fatalf("page %d: %d", page, resp.StatusCode)
		}
		if !strings.Contains(body, fmt.Sprintf("<span>page %d of 10</span>", page)) {
			t.Errorf("page %d does not say where it is", page)
		}
		if page < 10 && !strings.Contains(body, `rel="next"`) || page > 1 && !strings.Contains(body, `rel="prev"`) {
			t.Errorf("page %d lacks its previous/next links", page)
		}
		seen = append(seen, rowIndexes(body)...)
	}
	for i, got := range seen {
		if got != strconv.Itoa(i) {
			t.Fatalf("row %d of the pages is op %s, want op %d", i, got, i)
		}
	}
	if len(seen) != 1000 {
		t.Fatalf("10 pages of 100 show %d ops, want 1000", len(seen))
	}
	resp, body := get(t, srv, base+"?page=11")
	if resp.StatusCode != 404 || !strings.Contains(body, "page 11 does not exist: 1000 ops match, 10 pages of 100") {
		t.Errorf("page 11 of 10: %d %s", resp.StatusCode, body)
	}
	// The rows show the ops as stored.
	_, body = get(t, srv, base+"?limit=50")
	if len(rowIndexes(body)) != 50 {
		t.Errorf("limit=50 shows %d rows", len(rowIndexes(body)))
	}
	want := `<td class="val">` + history.FormatEDN(ops[1].Value) + `</td>`
	if !strings.Contains(body, want) {
		t.Errorf("op 1's value %s is not shown", want)
	}
}

func TestHistoryFiltersKeepExactlyTheOpsThatMatch(t *testing.T) {
	s := &runstore.Store{Root: t.TempDir()}
	ops := genOps(3000)
	run := historyRun(t, s, "filtered", ops)
	srv := serve(t, s.Root)
	fetch := func(p string) (int, string) { resp, body := get(t, srv, p); return resp.StatusCode, body }
	keyOf := func(op history.Op) any {
		if xs, ok := op.Value.([]any); ok && op.IsClient() {
			return xs[0]
		}
		return nil
	}
	for _, c := range []struct {
		query string
		keep  func(history.Op) bool
	}{
		{"process=2", func(op history.Op) bool { return op.Process == 2 }},
		{"process=nemesis", func(op history.Op) bool { return op.IsNemesis() }},
		{"f=read", func(op history.Op) bool { return op.F == "read" }},
		{"type=fail", func(op history.Op) bool { return op.Type == history.Fail }},
		{"type=info", func(op history.Op) bool { return op.Type == history.Info }},
		{"key=3", func(op history.Op) bool { return keyOf(op) == int64(3) }},
		{"from=0.5&to=1.25", func(op history.Op) bool { return op.Time >= 5e8 && op.Time <= 1.25e9 }},
		{"process=11&type=ok&key=2", func(op history.Op) bool { return op.Process == 11 && op.Type == history.OK && keyOf(op) == int64(2) }},
		{"f=read&key=9", func(op history.Op) bool { return false }},                  // no such key
		{"f=cas", func(op history.Op) bool { return false }},                         // no such f
		{"process=3&process=4", func(op history.Op) bool { return op.Process == 3 }}, // the first wins
	} {
		var want []string
		for _, op := range ops {
			if c.keep(op) {
				want = append(want, strconv.Itoa(op.Index))
			}
		}
		if len(want) == 0 && !strings.HasPrefix(c.query, "f=") {
			t.Fatalf("%s keeps no op of the generated history: the case tests nothing", c.query)
		}
		got, matching := historyRows(t, fetch, runURL(run)+"history?"+c.query)
		if strings.Join(got, ",") != strings.Join(want, ",") || matching != len(want) {
			t.Errorf("%s: %d rows (page says %d match), want %d: got %.80v... want %.80v...", c.query, len(got), matching, len(want), got, want)
		}
	}
	// Links in the table keep the filters and set one more.
	_, body := get(t, srv, runURL(run)+"history?type=ok")
	if !strings.Contains(body, `href="`+runURL(run)+`history?process=2&amp;type=ok"`) {
		t.Errorf("process links do not keep the type filter")
	}
}

func TestHistoryLandsOnTheOpAskedFor(t *testing.T) {
	s := &runstore.Store{Root: t.TempDir()}
	ops := genOps(1000)
	run := historyRun(t, s, "landing", ops)
	srv := serve(t, s.Root)
	base := runURL(run) + "history"
	_, body := get(t, srv, base+"?op=555")
	if got := focusRow(t, body); got != "555" || !strings.Contains(body, "<span>page 6 of 10</span>") {
		t.Errorf("op=555 lands on row %q, want 555 on page 6", got)
	}
	// Filtered: op 555's process is kept, so it lands on the page of the
	// filtered list that holds it.
	p := ops[555].Process
	_, body = get(t, srv, base+"?op=555&limit=50&process="+history.ProcessString(p))
	if got := focusRow(t, body); got != "555" {
		t.Errorf("op=555 among process %d lands on row %q", p, got)
	}
	// An op the filter leaves out is not on the page, and the page says so.
	_, body = get(t, srv, base+"?op=555&process="+strconv.Itoa(p+1))
	if focusRow(t, body) != "" || !strings.Contains(body, "Op 555 is not among the ops these filters keep.") || !strings.Contains(body, "Show it without filters") {
		t.Errorf("op 555 filtered out: no note:\n%.300s", body[strings.Index(body, "<p id=\"matching\">"):])
	}
	_, body = get(t, srv, base+"?op=99999")
	if focusRow(t, body) != "" || !strings.Contains(body, "This history has no op with index 99999.") {
		t.Errorf("a missing op is not reported")
	}
}

func TestHistoryRefusesParametersItCannotUnderstand(t *testing.T) {
	s := &runstore.Store{Root: t.TempDir()}
	run := historyRun(t, s, "params", genOps(100))
	srv := serve(t, s.Root)
	base := runURL(run) + "history?"
	for q, want := range map[string]string{
		"limit=0":       `bad limit "0": expected a whole number from 1 to 1000`,
		"limit=1001":    `bad limit "1001": expected a whole number from 1 to 1000`,
		"limit=ten":     `bad limit "ten"`,
		"page=0":        `bad page "0": expected a whole number from 1`,
		"page=-2":       `bad page "-2"`,
		"op=-1":         `bad op "-1"`,
		"process=p3":    `bad process "p3": expected a process number or nemesis`,
		"type=sleep":    `bad type "sleep": expected invoke, ok, fail or info`,
		"key=%5B1":      `bad key "[1": expected an EDN value`,
		"from=soon":     `bad from "soon": expected a number of seconds`,
		"to=NaN":        `bad to "NaN"`,
		"from=1e300":    `bad from "1e300"`,
		"process=-5":    `bad process "-5"`,
		"key=1&page=99": "page 99 does not exist",
	} {
		resp, body := get(t, srv, base+q)
		code := 400
		if strings.Contains(q, "page=99") {
			code = 404
		}
		if resp.StatusCode != code || !strings.Contains(body, want) {
			t.Errorf("%s: %d %q, want %d with %q", q, resp.StatusCode, body, code, want)
		}
	}
}

func TestHistoryOfMissingRunsAndRunsWithoutAHistory(t *testing.T) {
	s := &runstore.Store{Root: t.TempDir()}
	run, err := s.Create("empty", t0)
	must(t, err)
	srv := serve(t, s.Root)
	for p, want := range map[string]string{
		"/run/nope/20260125T120000.000Z/history":     "no run nope/20260125T120000.000Z",
		"/run/empty/20990101T000000.000Z/history":    "no run empty/20990101T000000.000Z",
		runURL(run) + "history":                      "has no history",
		runURL(run) + "op/3":                         "has no history",
		"/run/empty/not-a-time/history":              "no run empty/not-a-time",
		"/run/nope/20260125T120000.000Z/op/1":        "no run nope",
		"/run/empty/20260125T120000.000Z/history/x":  "404",
		"/run/empty/20260125T120000.000Z/op/1/more":  "404",
		"/run/empty/20260125T120000.000Z/historyish": "404",
	} {
		resp, body := get(t, srv, p)
		if resp.StatusCode != 404 || !strings.Contains(body, want) {
			t.Errorf("%s: %d %q, want 404 with %q", p, resp.StatusCode, body, want)
		}
	}
}

func TestHistoryFiltersTransactionsByTheKeysTheyTouch(t *testing.T) {
	s := &runstore.Store{Root: t.TempDir()}
	run := elleRun(t, s, t0)
	srv := serve(t, s.Root)
	for key, want := range map[string]string{
		":x": "2,3,4,5,6,7", "x": "2,3,4,5,6,7", `"x"`: "2,3,4,5,6,7", // a keyword, however typed
		":y": "2,3,4,5", ":z": "", ":isolated": "", // nemesis values have no keys
	} {
		_, body := get(t, srv, runURL(run)+"history?key="+url.QueryEscape(key))
		if got := strings.Join(rowIndexes(body), ","); got != want {
			t.Errorf("key=%s: ops %s, want %s", key, got, want)
		}
	}
}

func TestOpPageShowsTheWholeOpAndItsPair(t *testing.T) {
	s := &runstore.Store{Root: t.TempDir()}
	ops := genOps(10)
	long := strings.Repeat("v", 5000)
	ops[3].Value = []any{int64(0), long}
	run := historyRun(t, s, "ops", ops)
	srv := serve(t, s.Root)
	_, body := get(t, srv, runURL(run)+"history")
	if strings.Contains(body, long) || !strings.Contains(body, fmt.Sprintf("(%d more bytes)", len(history.FormatEDN(ops[3].Value))-maxValueText)) {
		t.Errorf("a 5 kB value is not clipped in the table")
	}
	resp, body := get(t, srv, runURL(run)+"op/3")
	if resp.StatusCode != 200 || !strings.Contains(body, long) || !strings.Contains(body, "Its invocation") || !strings.Contains(body, `href="`+runURL(run)+`op/2"`) {
		t.Errorf("op page: %d\n%.600s", resp.StatusCode, body)
	}
	if !strings.Contains(body, fileURL(run, "history.edn")) && !strings.Contains(body, `href="`+runURL(run)+`history?op=3#op-3"`) {
		t.Errorf("op page does not link back to the history")
	}
	for p, code := range map[string]int{"op/999": 404, "op/x": 400, "op/-1": 400} {
		if resp, _ := get(t, srv, runURL(run)+p); resp.StatusCode != code {
			t.Errorf("%s: %d, want %d", p, resp.StatusCode, code)
		}
	}
}

// appendJSONLines appends ops to a run's journal file as the journal
// writes them.
func appendJSONLines(t *testing.T, path string, ops []history.Op) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	must(t, err)
	w, err := codec.NewWriter(f, codec.JSON)
	must(t, err)
	for _, op := range ops {
		must(t, w.Write(op))
	}
	must(t, w.Flush())
	must(t, f.Close())
}

func TestHistoryIndexFollowsAGrowingJournal(t *testing.T) {
	s := &runstore.Store{Root: t.TempDir()}
	run, err := s.Create("live", t0)
	must(t, err)
	beating(t, run)
	ops := genOps(300)
	appendJSONLines(t, run.Path(runstore.StreamFile), ops[:100])
	srv := New(s.Root)
	hs := serveHandler(t, srv)
	_, body := get(t, hs, runURL(run))
	if !strings.Contains(body, `id="op-count">100</span>`) || !strings.Contains(body, `<meta http-equiv="refresh" content="2">`) {
		t.Fatalf("live run page before growth:\n%.1500s", body)
	}
	root, err := os.OpenRoot(s.Root)
	must(t, err)
	defer root.Close()
	ref, _ := parseRef(run.Test, filepath.Base(run.Dir))
	h, err := srv.hist.acquire(root, ref)
	must(t, err)
	before := h.histIndex
	h.close()

	// A torn line (the writer's buffer flushed mid-op) is not an op yet...
	var line bytes.Buffer
	w, _ := codec.NewWriter(&line, codec.JSON)
	must(t, w.Write(ops[100]))
	must(t, w.Flush())
	f, err := os.OpenFile(run.Path(runstore.StreamFile), os.O_WRONLY|os.O_APPEND, 0)
	must(t, err)
	_, err = f.Write(line.Bytes()[:20])
	must(t, err)
	_, body = get(t, hs, runURL(run)+"history?page=2")
	if got := rowIndexes(body); len(got) != 0 {
		t.Errorf("a torn line shows as ops %v", got)
	}
	if strings.Contains(body, "cut short") {
		t.Errorf("a live run's torn last line is reported as damage")
	}
	// ... and is read once complete, with what followed it.
	_, err = f.Write(line.Bytes()[20:])
	must(t, err)
	must(t, f.Close())
	appendJSONLines(t, run.Path(runstore.StreamFile), ops[101:300])
	_, body = get(t, hs, runURL(run))
	if !strings.Contains(body, `id="op-count">300</span>`) {
		t.Errorf("the run page does not count the grown journal")
	}
	_, body = get(t, hs, runURL(run)+"history?page=3")
	if got := rowIndexes(body); len(got) != 100 || got[0] != "200" || got[99] != "299" {
		t.Errorf("page 3 of the grown journal shows %v", got)
	}
	h, err = srv.hist.acquire(root, ref)
	must(t, err)
	if h.histIndex != before || h.Len() != 300 {
		t.Errorf("the index was rebuilt (or not grown: %d ops) instead of extended", h.Len())
	}
	h.close()
}

func TestHistoryStopsAtDamageAndSaysWhere(t *testing.T) {
	s := &runstore.Store{Root: t.TempDir()}
	run, err := s.Create("damaged", t0)
	must(t, err)
	ops := genOps(10)
	appendJSONLines(t, run.Path(runstore.StreamFile), ops[:3])
	f, err := os.OpenFile(run.Path(runstore.StreamFile), os.O_WRONLY|os.O_APPEND, 0)
	must(t, err)
	_, err = f.Write(append(bytes.Repeat([]byte{0}, 300), '\n')) // a zero-filled block, as after a power loss
	must(t, err)
	must(t, f.Close())
	appendJSONLines(t, run.Path(runstore.StreamFile), ops[3:6])
	must(t, run.Finish())
	srv := serve(t, s.Root)
	_, body := get(t, srv, runURL(run)+"history")
	if got := strings.Join(rowIndexes(body), ","); got != "0,1,2" {
		t.Errorf("rows before the damage: %s, want 0,1,2", got)
	}
	if !strings.Contains(body, "The history could not be read to its end: history.jsonl:4:1:") {
		t.Errorf("the damage is not located:\n%.2000s", body)
	}
	_, body = get(t, srv, runURL(run))
	if !strings.Contains(body, "history.jsonl:4:1") || !strings.Contains(body, `id="op-count">3</span>`) {
		t.Errorf("run page does not report the damage or counts past it")
	}
}

func TestHistoryReindexesAFileReplacedByRename(t *testing.T) {
	s := &runstore.Store{Root: t.TempDir()}
	run := historyRun(t, s, "replaced", genOps(50))
	srv := serve(t, s.Root)
	_, body := get(t, srv, runURL(run)+"history")
	if len(rowIndexes(body)) != 50 {
		t.Fatalf("before: %d rows", len(rowIndexes(body)))
	}
	// Rewritten by rename (a new inode), shorter and different.
	other := &runstore.Store{Root: t.TempDir()}
	tmp := historyRun(t, other, "replaced", genOps(20))
	must(t, os.Rename(tmp.Path(runstore.HistoryEDNFile), run.Path(runstore.HistoryEDNFile)))
	_, body = get(t, srv, runURL(run)+"history")
	if len(rowIndexes(body)) != 20 {
		t.Errorf("after the rename: %d rows, want 20", len(rowIndexes(body)))
	}
}

func TestHistoryCacheStaysWithinItsBudget(t *testing.T) {
	s := &runstore.Store{Root: t.TempDir()}
	a := historyRun(t, s, "a", genOps(2000))
	b := historyRun(t, s, "b", genOps(2000))
	root, err := os.OpenRoot(s.Root)
	must(t, err)
	defer root.Close()
	c := newHistCache(1) // every index is over budget: only the newest stays
	for _, run := range []*runstore.Run{a, b, a} {
		ref, _ := parseRef(run.Test, filepath.Base(run.Dir))
		h, err := c.acquire(root, ref)
		must(t, err)
		if h.Len() != 2000 {
			t.Errorf("%s: %d ops", run.Test, h.Len())
		}
		h.close()
		if len(c.byKey) != 1 || c.lru.Len() != 1 || c.total != c.lru.Front().Value.(*histEntry).bytes {
			t.Errorf("after %s: %d entries, total %d", run.Test, len(c.byKey), c.total)
		}
	}
}

func TestFaultsOfALongRunAreListedInPartAndDrawnCoalesced(t *testing.T) {
	s := &runstore.Store{Root: t.TempDir()}
	ops := genOps(30_000) // 375 partitions, two nemesis ops per 40 iterations
	run := historyRun(t, s, "faults", ops)
	srv := serve(t, s.Root)
	_, body := get(t, srv, runURL(run))
	bands := strings.Count(body, "<tr><td>partition</td>")
	rects := strings.Count(body, "<rect ")
	if bands != maxBandRows || !regexp.MustCompile(`\d+ more bands are not listed`).MatchString(body) {
		t.Errorf("%d bands listed, want %d and a note of the rest", bands, maxBandRows)
	}
	if rects == 0 || rects > stripWidth/2 {
		t.Errorf("%d rectangles drawn for the partitions, want some and no more than the strip has room for", rects)
	}
	// Each band of the first hundred links to its start op.
	first := -1
	for i, op := range ops {
		if op.F == "start-partition" && op.Type == history.Invoke {
			first = i
			break
		}
	}
	if !strings.Contains(body, `<a href="`+runURL(run)+"history?op="+strconv.Itoa(first)+"#op-"+strconv.Itoa(first)+`">`+strconv.Itoa(first)+`</a>`) {
		t.Errorf("the first partition (op %d) is not linked", first)
	}
}

func TestHistoryOfAFileWithoutOneOpPerLineSaysSo(t *testing.T) {
	s := &runstore.Store{Root: t.TempDir()}
	run, err := s.Create("vector", t0)
	must(t, err)
	writeFile(t, run, runstore.HistoryEDNFile, `[{:index 0, :type :invoke, :process 0, :f :read} {:index 1, :type :ok, :process 0, :f :read, :value 1}]`+"\n")
	must(t, run.Finish())
	srv := serve(t, s.Root)
	_, body := get(t, srv, runURL(run)+"history")
	if !strings.Contains(body, "history.edn:1: two ops on one line: the history view pages files of one op per line") {
		t.Errorf("a one-line vector history is not explained:\n%.1500s", body[strings.Index(body, "<p id=\"matching\">"):])
	}
}

// TestConcurrentRequestsOnAGrowingRun reads a run in progress from many
// requests at once while its journal grows (run it with -race): every
// answer is a page, and the counts never go backwards.
func TestConcurrentRequestsOnAGrowingRun(t *testing.T) {
	s := &runstore.Store{Root: t.TempDir()}
	run := liveRun(t, s, t0)
	srv := serveHandler(t, New(s.Root))
	paths := []string{"/", runURL(run), runURL(run) + "history", runURL(run) + "history?type=ok&key=1", runURL(run) + "history?op=5", runURL(run) + "op/3"}
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) { // until op 5 is journaled
		if resp, _ := get(t, srv, runURL(run)+"op/5"); resp.StatusCode == 200 {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatal("the live run journaled no ops in 10 s")
		}
	}
	deadline := time.Now().Add(time.Second)
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := 0
			for time.Now().Before(deadline) {
				p := paths[g]
				resp, err := srv.Client().Get(srv.URL + p)
				if err != nil {
					t.Error(err)
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Errorf("%s: %d %.200s", p, resp.StatusCode, body)
					return
				}
				if m := regexp.MustCompile(`id="op-count">(\d+)<`).FindSubmatch(body); m != nil {
					n, _ := strconv.Atoi(string(m[1]))
					if n < last {
						t.Errorf("%s: count went from %d to %d", p, last, n)
					}
					last = n
				}
			}
		}()
	}
	wg.Wait()
}
