package web

import (
	"fmt"
	"html/template"
	"strings"
	"time"
)

// pages holds every page template. The CSS is one inline block (allowed by
// its hash in the CSP) and there is no script: the pages must work from a
// laptop with no network and with JavaScript off; the run folder's own
// timeline.html carries whatever script it needs, in its sandbox.
var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"when":  when,
	"size":  size,
	"secs":  secs,
	"join":  func(xs []string) string { return strings.Join(xs, ", ") },
	"head":  func(title string, refresh bool) headData { return headData{title, refresh} },
	"fctx":  fctx,
	"opctx": opctx,
	"add":   func(a, b int) int { return a + b },
	"float": func(f float64) string { return fmt.Sprintf("%.1f", f) },
}).Parse(layout + indexTemplate + runTemplate + findingTemplate + historyTemplate + opTemplate + compareTemplate))

// when formats a run's start for people: UTC, to the millisecond, as the
// folder name has it but readable.
func when(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000 UTC") }

// secs formats an op time (ns since the run started) in seconds.
func secs(ns int64) string { return fmt.Sprintf("%.6f", float64(ns)/1e9) }

// size formats a file size in bytes, KiB, MiB or GiB.
func size(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, suffix := float64(n)/unit, "KiB"
	for _, s := range []string{"MiB", "GiB", "TiB"} {
		if v < unit {
			break
		}
		v, suffix = v/unit, s
	}
	return fmt.Sprintf("%.1f %s", v, suffix)
}

// headData is what the frame of a page needs: its title, and whether it
// reloads itself (a run in progress).
type headData struct {
	Title   string
	Refresh bool
}

// refreshSeconds is how often a page of a run in progress reloads.
const refreshSeconds = 2

// pageCSS is the style of every page; its hash is in the CSP, so it must be
// the only style there is (no style attributes).
const pageCSS = `
body { font-family: sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: 0.25em 0.7em; vertical-align: top; }
th { border-bottom: 1px solid #888; }
tr.valid td, .badge.valid { background: #adf6b0; }
tr.invalid td, .badge.invalid { background: #f6aeae; }
tr.unknown td, .badge.unknown { background: #f6deae; }
tr.running td, .badge.running { background: #aed4f6; }
tr.crashed td, .badge.crashed { background: #d9b3f0; }
tr.other td, .badge.other { background: #e4e4e4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f4f4f4; padding: 0.7em; overflow: auto; max-height: 40em; }
.verdict { font-weight: bold; font-size: 1.3em; padding: 0.3em 0.6em; display: inline-block; }
.badge { padding: 0.1em 0.4em; border-radius: 0.2em; font-size: 0.9em; }
.plots img { max-width: 48%; border: 1px solid #ccc; margin: 0.3em; }
.drawing { max-width: 100%; border: 1px solid #ccc; }
nav a { margin-right: 0.8em; }
.note { color: #555; }
.warn { background: #fff3cd; padding: 0.4em 0.6em; }
section.finding { border-left: 3px solid #ccc; padding-left: 0.8em; margin: 0.8em 0; }
.anomaly { margin: 0.8em 0 1.2em 0; }
td.val { font-family: monospace; word-break: break-all; max-width: 50em; }
table.history td { font-family: monospace; }
table.history tr.fail td { color: #a00; }
table.history tr.info td { color: #a60; }
table.history tr.focus td { background: #ffe066; }
table.history tr.pair td { background: #fff5c2; }
form.filters { background: #f4f4f4; padding: 0.5em; display: inline-block; }
form.filters label { margin-right: 0.6em; }
.pager a, .pager span { margin-right: 0.6em; }
svg.faults { width: 100%; max-width: 70em; border: 1px solid #ccc; }
tr.differs td { background: #fff3cd; }
`

// layout is the frame of every page; row colours follow Jepsen's web UI
// (valid green, invalid red, unknown orange), with running blue and
// crashed purple.
const layout = `
{{define "head"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{{.Title}} - Faultline</title>
{{if .Refresh}}<meta http-equiv="refresh" content="2">{{end}}
<style>` + pageCSS + `</style></head><body>
<nav><a href="/">All runs</a><a href="/latest">Latest run</a></nav>
{{end}}
{{define "foot"}}</body></html>{{end}}
{{define "pager"}}{{if gt .Pages 1}}<p class="pager">
{{with .PageLink 1}}<a href="{{.}}">first</a>{{end}}
{{with .PageLink .Prev}}<a href="{{.}}" rel="prev">previous</a>{{end}}
<span>page {{.Page}} of {{.Pages}}</span>
{{with .PageLink .Next}}<a href="{{.}}" rel="next">next</a>{{end}}
{{with .PageLink .Pages}}<a href="{{.}}">last</a>{{end}}
</p>{{end}}{{end}}
`

// indexTemplate is the table of runs, with its filters and the form that
// compares two of them.
const indexTemplate = `
{{define "index"}}{{template "head" (head "Runs" false)}}
<h1>Runs in {{.Root}}{{if .Test}} of {{.Test}}{{end}}{{if .Status}} ({{.Status}}){{end}}</h1>
<form class="filters" method="get" action="/">
<label>Test <select name="test"><option value="">all</option>{{range .Tests}}<option{{if eq . $.Test}} selected{{end}}>{{.}}</option>{{end}}</select></label>
<label>Status <select name="status"><option value="">any</option>{{range .Statuses}}<option{{if eq . $.Status}} selected{{end}}>{{.}}</option>{{end}}</select></label>
<button type="submit">Filter</button> <a href="/">clear</a>
</form>
<p>{{.Pager.Total}} run{{if ne .Pager.Total 1}}s{{end}}.{{if .Live}} A run is in progress: its own page follows it as it grows (this one shows it as of when it was loaded).{{end}}</p>
{{template "pager" .Pager}}
{{if .Runs}}
<form method="get" action="/compare">
<table id="runs">
<tr><th></th><th>Test</th><th>Start</th><th>Status</th><th>Summary</th><th>Ops</th><th>Links</th></tr>
{{range .Runs}}<tr class="{{.Class}}">
<td><input type="checkbox" name="run" value="{{.ID}}" title="compare"></td>
<td><a href="/?test={{.Test}}">{{.Test}}</a></td>
<td><a href="{{.URL}}">{{when .Start}}</a></td>
<td class="status">{{.Verdict}}</td>
<td>{{.Summary}}</td>
<td class="num">{{if ge .Ops 0}}{{.Ops}}{{end}}</td>
<td><a href="{{.URL}}">run</a>
{{if ge .Ops 0}} <a href="{{.HistoryURL}}">history</a>{{end}}
{{if .Timeline}} <a href="{{.FileURL .Timeline}}">timeline</a>{{end}}
 <a href="{{.ZipURL}}">zip</a></td>
</tr>
{{end}}</table>
<p><button type="submit">Compare the two runs ticked</button></p>
</form>
{{template "pager" .Pager}}
{{else}}<p>No runs{{if .Test}} of {{.Test}}{{end}}{{if .Status}} with status {{.Status}}{{end}} in this store yet.</p>{{end}}
{{template "foot"}}{{end}}
`

// findingCtx carries a finding and the run it belongs to (for links) into
// the recursive finding template.
type findingCtx struct {
	Run runInfo
	F   *finding
}

func fctx(run runInfo, f any) findingCtx {
	switch x := f.(type) {
	case *finding:
		return findingCtx{run, x}
	case finding:
		return findingCtx{run, &x}
	}
	return findingCtx{Run: run}
}

// KeyHistory links to the history view of one independent key.
func (ri runInfo) KeyHistory(key string) string {
	return ri.HistoryURL() + "?" + encodeQuery("key", key)
}
