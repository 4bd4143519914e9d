package web

import (
	"fmt"
	"html/template"
	"time"
)

// pages holds the index and run page templates. The CSS is inline and there
// is no script: the pages must work from a laptop with no network, and the
// run folder's own timeline.html carries whatever script it needs.
var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"when": when,
	"size": size,
}).Parse(layout + indexTemplate + runTemplate))

// when formats a run's start for people: UTC, to the millisecond, as the
// folder name has it but readable.
func when(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000 UTC") }

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

// layout is the frame of every page; row colours follow Jepsen's web UI
// (valid green, invalid red, unknown orange, anything else grey).
const layout = `
{{define "head"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{{.}} - Faultline</title>
<style>
body { font-family: sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: 0.25em 0.7em; vertical-align: top; }
th { border-bottom: 1px solid #888; }
tr.valid td { background: #adf6b0; }
tr.invalid td { background: #f6aeae; }
tr.unknown td { background: #f6deae; }
tr.other td { background: #e4e4e4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f4f4f4; padding: 0.7em; overflow: auto; max-height: 40em; }
.verdict { font-weight: bold; font-size: 1.3em; padding: 0.3em 0.6em; display: inline-block; }
.plots img { max-width: 48%; border: 1px solid #ccc; margin: 0.3em; }
nav a { margin-right: 0.8em; }
</style></head><body>
<nav><a href="/">All runs</a><a href="/latest">Latest run</a></nav>
{{end}}
{{define "foot"}}</body></html>{{end}}
`

// indexTemplate is the table of runs.
const indexTemplate = `
{{define "index"}}{{template "head" "Runs"}}
<h1>Runs in {{.Root}}{{if .Test}} of {{.Test}}{{end}}</h1>
{{if .Tests}}<p>Tests: {{range .Tests}}<a href="/?test={{.}}">{{.}}</a> {{end}}{{if $.Test}}<a href="/">(all)</a>{{end}}</p>{{end}}
{{if .Runs}}
<table>
<tr><th>Test</th><th>Start</th><th>Verdict</th><th>Summary</th><th>Ops</th><th>Links</th></tr>
{{range .Runs}}<tr class="{{.Class}}">
<td><a href="/?test={{.Test}}">{{.Test}}</a></td>
<td><a href="{{.URL}}">{{when .Start}}</a></td>
<td>{{.Verdict}}</td>
<td>{{.Summary}}</td>
<td class="num">{{if ge .Ops 0}}{{.Ops}}{{end}}</td>
<td><a href="{{.URL}}">run</a>
{{if .Timeline}} <a href="{{.FileURL .Timeline}}">timeline</a>{{end}}
{{if .History}} <a href="{{.FileURL .History}}">history</a>{{end}}
 <a href="{{.ZipURL}}">zip</a></td>
</tr>
{{end}}</table>
{{else}}<p>No runs{{if .Test}} of {{.Test}}{{end}} in this store yet.</p>{{end}}
{{template "foot"}}{{end}}
`

// runTemplate is one run's page.
const runTemplate = `
{{define "run"}}{{template "head" (printf "%s %s" .Test .Name)}}
<h1><a href="/?test={{.Test}}">{{.Test}}</a> {{when .Start}}</h1>
<table><tr class="{{.Class}}"><td class="verdict">{{.Verdict}}</td><td>{{.Summary}}</td></tr></table>
<p>{{if ge .Ops 0}}{{.Ops}} ops recorded. {{end}}<a href="{{.ZipURL}}">Download the run folder (zip)</a></p>
{{if .Children}}<h2>Checkers</h2>
<table><tr><th>Checker</th><th>Verdict</th><th>Summary</th></tr>
{{range .Children}}<tr class="{{.Verdict}}"><td>{{.Name}}</td><td>{{.Verdict}}</td><td>{{.Summary}}</td></tr>
{{end}}</table>{{end}}
{{if .Explain}}<h2>Explanations</h2><ul>
{{range .Explain}}<li><a href="{{$.FileURL .Name}}">{{.Name}}</a></li>
{{end}}</ul>{{end}}
{{if .Plots}}<h2>Plots</h2><div class="plots">
{{range .Plots}}<a href="{{$.FileURL .Src}}"><img src="{{$.FileURL .Src}}" alt="{{.Name}}" title="{{.Name}}"></a>
{{end}}</div>
<p>{{range .Plots}}{{.Name}}: <a href="{{$.FileURL .Src}}">{{.Src}}</a>{{if .Alt}} <a href="{{$.FileURL .Alt}}">{{.Alt}}</a>{{end}}. {{end}}</p>{{end}}
<h2>Configuration</h2>
{{if .ConfigNote}}<p>{{.ConfigNote}}</p>{{end}}
{{if .Config}}<pre>{{.Config}}</pre>{{end}}
<h2>Files</h2>
<table><tr><th>File</th><th>Size</th></tr>
{{range .Files}}<tr><td><a href="{{$.FileURL .Name}}">{{.Name}}</a></td><td class="num">{{size .Size}}</td></tr>
{{end}}</table>
{{template "foot"}}{{end}}
`
