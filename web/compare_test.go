package web

import (
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/runstore"
)

// configRun stores a finished run with a config and a composed result.
func configRun(t *testing.T, s *runstore.Store, start time.Time, cfg map[string]any, res checker.Result) *runstore.Run {
	t.Helper()
	run, err := s.Create("etcd", start)
	must(t, err)
	must(t, run.WriteConfig(cfg))
	must(t, run.WriteResults(res))
	must(t, run.Finish())
	return run
}

func id(run *runstore.Run) string { return run.Test + "/" + filepath.Base(run.Dir) }

var settingRow = regexp.MustCompile(`<tr( class="differs")?><td>([^<]+)</td><td class="val">([^<]*)</td><td class="val">([^<]*)</td></tr>`)

func TestCompareShowsVerdictsAndTheSettingsThatDiffer(t *testing.T) {
	s := &runstore.Store{Root: t.TempDir()}
	base := map[string]any{"nodes": []string{"n1", "n2", "n3"}, "concurrency": 5, "nemesis": map[string]any{"faults": []string{"partition"}, "interval": "10s"}, "password": "x"}
	a := configRun(t, s, t0, base, checker.Result{Valid: checker.Valid, Children: map[string]checker.Result{"linear": {Valid: checker.Valid}, "stats": {Valid: checker.Valid}}})
	changed := map[string]any{"nodes": []string{"n1", "n2", "n3"}, "concurrency": 10, "nemesis": map[string]any{"faults": []string{"partition", "kill"}, "interval": "10s"}, "seed": 7, "password": "y"}
	b := configRun(t, s, t0.Add(time.Minute), changed, checker.Result{Valid: checker.Invalid, Summary: "not linearizable", Children: map[string]checker.Result{"linear": {Valid: checker.Invalid}, "timeline": {Valid: checker.Valid}}})
	srv := serve(t, s.Root)
	q := "/compare?run=" + url.QueryEscape(id(a)) + "&run=" + url.QueryEscape(id(b))
	resp, body := get(t, srv, q)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	for _, want := range []string{
		`<td class="badge valid">valid</td><td class="badge invalid">invalid</td>`,
		"<td>not linearizable</td>",
		`<tr class="differs"><td>checker linear</td><td>valid</td><td>invalid</td></tr>`,
		`<tr class="differs"><td>checker stats</td><td>valid</td><td>-</td></tr>`,
		`<tr class="differs"><td>checker timeline</td><td>-</td><td>valid</td></tr>`,
		"Settings: 3 the same, 3 different.",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("compare page lacks %q", want)
		}
	}
	got := map[string][3]string{}
	for _, m := range settingRow.FindAllStringSubmatch(body, -1) {
		got[m[2]] = [3]string{m[1], m[3], m[4]}
	}
	want := map[string][3]string{
		"concurrency":    {` class="differs"`, "5", "10"},
		"nemesis.faults": {` class="differs"`, "[&#34;partition&#34;]", "[&#34;partition&#34;,&#34;kill&#34;]"},
		"seed":           {` class="differs"`, "(not set)", "7"},
	}
	if len(got) != len(want) {
		t.Errorf("settings listed: %v, want only those that differ: %v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("setting %s: %q, want %q", k, got[k], w)
		}
	}
	// Redacted secrets compare equal (both <redacted>), and ?all=1 lists
	// every setting.
	_, body = get(t, srv, q+"&all=1")
	all := settingRow.FindAllStringSubmatch(body, -1)
	if len(all) != 6 || !strings.Contains(body, `<tr><td>password</td><td class="val">&#34;&lt;redacted&gt;&#34;</td>`) {
		t.Errorf("all=1 lists %d settings, want 6 with the password redacted and equal", len(all))
	}
}

func TestCompareRefusesAnythingButTwoRunsOfTheStore(t *testing.T) {
	s := &runstore.Store{Root: t.TempDir()}
	a := configRun(t, s, t0, map[string]any{"x": 1}, checker.Result{Valid: checker.Valid})
	srv := serve(t, s.Root)
	for q, c := range map[string]struct {
		code int
		want string
	}{
		"":              {400, "compare needs exactly two runs"},
		"?run=" + id(a): {400, "got 1"},
		"?run=" + id(a) + "&run=" + id(a) + "&run=" + id(a):     {400, "got 3"},
		"?run=" + id(a) + "&run=etcd/20990101T000000.000Z":      {404, "no run etcd/20990101T000000.000Z"},
		"?run=" + id(a) + "&run=../etc":                         {404, "no run ../etc"},
		"?run=" + id(a) + "&run=latest/" + filepath.Base(a.Dir): {404, "no run latest/"},
	} {
		resp, body := get(t, srv, "/compare"+strings.ReplaceAll(q, "../", "..%2F"))
		if resp.StatusCode != c.code || !strings.Contains(body, c.want) {
			t.Errorf("/compare%s: %d %q, want %d with %q", q, resp.StatusCode, body, c.code, c.want)
		}
	}
}

func TestIndexFiltersByStatusAndPages(t *testing.T) {
	s := &runstore.Store{Root: t.TempDir()}
	verdicts := []checker.Validity{checker.Valid, checker.Invalid, checker.Unknown}
	for i := range 25 {
		configRun(t, s, t0.Add(time.Duration(i)*time.Minute), map[string]any{"i": i}, checker.Result{Valid: verdicts[i%3]})
	}
	srv := serve(t, s.Root)
	_, body := get(t, srv, "/?status=invalid")
	if r := rows(body); len(r) != 8 {
		t.Errorf("status=invalid: %d rows, want 8", len(r))
	} else {
		for _, row := range r {
			if !strings.Contains(row, `<td class="status">invalid</td>`) {
				t.Errorf("status=invalid keeps %s", row)
			}
		}
	}
	_, body = get(t, srv, "/?limit=10&page=3")
	if r := rows(body); len(r) != 5 || !strings.Contains(body, "<span>page 3 of 3</span>") || !strings.Contains(body, "25 runs") {
		t.Errorf("page 3 of 25 runs by 10: %d rows", len(r))
	}
	for q, code := range map[string]int{"?limit=10&page=4": 404, "?limit=0": 400, "?status=sideways": 400, "?page=x": 400} {
		if resp, _ := get(t, srv, "/"+q); resp.StatusCode != code {
			t.Errorf("/%s: %d, want %d", q, resp.StatusCode, code)
		}
	}
	// The compare form names each run as the compare page expects.
	if !strings.Contains(body, `<input type="checkbox" name="run" value="etcd/`) || !strings.Contains(body, `<form method="get" action="/compare">`) {
		t.Errorf("the index has no compare form")
	}
}
