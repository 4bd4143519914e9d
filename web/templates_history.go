package web

// historyTemplate is the history view: the filter form, paging, and the
// page of ops, the op asked for highlighted with the other half of its pair.
const historyTemplate = `
{{define "history"}}{{template "head" (head (printf "History of %s %s" .Test .Name) .Follow)}}
<h1>History of <a href="{{.URL}}">{{.Test}} {{when .Start}}</a> <span class="badge {{.Class}}">{{.Verdict}}</span></h1>
{{if .Follow}}<p class="note">This run is in progress: this last page reloads every 2 s to follow it.</p>{{else if .Live}}<p class="note">This run is in progress: its last page follows it as it grows.</p>{{end}}
<form class="filters" method="get" action="{{.HistoryURL}}">
<label>Process {{if .Procs}}<select name="process"><option value="">any</option>{{range .Procs}}<option{{if eq . $.Q.Process}} selected{{end}}>{{.}}</option>{{end}}</select>{{else}}<input name="process" size="7" value="{{.Q.Process}}" placeholder="3 or nemesis">{{end}}</label>
<label>f <select name="f"><option value="">any</option>{{range .Fs}}<option{{if eq . $.Q.F}} selected{{end}}>{{.}}</option>{{end}}</select></label>
<label>Type <select name="type"><option value="">any</option>{{range .Types}}<option{{if eq . $.Q.Type}} selected{{end}}>{{.}}</option>{{end}}</select></label>
<label>Key <input name="key" size="8" value="{{.Q.Key}}" placeholder="5 or :x"></label>
<label>From <input name="from" size="6" value="{{.Q.From}}"> to <input name="to" size="6" value="{{.Q.To}}"> s</label>
<label>Per page <select name="limit">{{range .Limits}}<option{{if eq . $.Q.Limit}} selected{{end}}>{{.}}</option>{{end}}</select></label>
<button type="submit">Filter</button> <a href="{{.HistoryURL}}">clear</a>
</form>
<p id="matching">{{if .Q.Active}}{{.Matching}} of {{.Total}} ops match ({{.Q.Description}}){{else}}{{.Total}} ops{{end}}{{if .Rows}}; showing {{.First}}-{{add .First (add (len .Rows) -1)}}{{end}}.</p>
{{if .FocusNote}}<p class="warn" id="focus-note">{{.FocusNote}}{{if and .Q.Active (ge .Q.Op 0)}} <a href="{{.HistoryAt .Q.Op ""}}">Show it without filters.</a>{{end}}</p>{{end}}
{{range .Warnings}}<p class="warn">{{.}}</p>{{end}}
{{if .Stopped}}<p class="warn">The history could not be read to its end: {{.Stopped}}. The ops before it are shown.</p>{{end}}
{{template "pager" .Pager}}
<table class="history" id="ops">
<tr><th>Index</th><th>Time (s)</th><th>Process</th><th>Type</th><th>f</th><th>Value</th><th>Error</th><th>Other</th><th>Pair</th><th></th></tr>
{{range .Rows}}<tr id="op-{{.Index}}" data-index="{{.Index}}" class="{{.Type}}{{if .Focus}} focus{{else if and (ge $.Q.Op 0) (eq .Pair $.Q.Op)}} pair{{end}}">
<td><a href="{{$.OpURL .Index}}">{{.Index}}</a></td><td class="num">{{secs .Time}}</td>
<td><a href="{{$.With "process" .Process}}">{{.Process}}</a></td><td>{{.Type}}</td>
<td><a href="{{$.With "f" .F}}">{{.F}}</a></td><td class="val">{{.Value}}</td><td class="val">{{.Error}}</td><td class="val">{{.Extra}}</td>
<td>{{if ge .Pair 0}}<a href="{{$.OpLink .Pair}}">{{.Pair}}</a>{{end}}</td>
<td>{{with $.TimelineAt .Index}}<a href="{{.}}">timeline</a>{{end}}</td></tr>
{{end}}</table>
{{template "pager" .Pager}}
{{template "foot"}}{{end}}
`

// opTemplate is one op, whole.
const opTemplate = `
{{define "op"}}{{template "head" (head (printf "Op %d of %s %s" .Op.Index .Test .Name) false)}}
<h1>Op {{.Op.Index}} of <a href="{{.URL}}">{{.Test}} {{when .Start}}</a></h1>
<p><a href="{{.HistoryAt .Op.Index ""}}">In the history</a>{{with .TimelineAt .Op.Index}} · <a href="{{.}}">In the timeline</a>{{end}}</p>
<pre id="op">{{.Text}}</pre>
{{if .Pair}}<h2>{{if eq .Op.Type.String "invoke"}}Its completion{{else}}Its invocation{{end}}</h2>
<p><a href="{{.OpURL .Pair.Index}}">op {{.Pair.Index}}</a></p>
<pre>{{.PairText}}</pre>{{else}}<p class="note">{{if eq .Op.Type.String "invoke"}}It never completed.{{else}}It has no invocation.{{end}}</p>{{end}}
{{template "foot"}}{{end}}
`

// compareTemplate shows two runs side by side.
const compareTemplate = `
{{define "compare"}}{{template "head" (head "Compare runs" false)}}
<h1>Two runs side by side</h1>
<table id="compare">
<tr><th></th><th><a href="{{.A.URL}}">{{.A.Test}} {{when .A.Start}}</a></th><th><a href="{{.B.URL}}">{{.B.Test}} {{when .B.Start}}</a></th></tr>
<tr><td>Status</td><td class="badge {{.A.Class}}">{{.A.Verdict}}</td><td class="badge {{.B.Class}}">{{.B.Verdict}}</td></tr>
<tr><td>Summary</td><td>{{.A.Summary}}</td><td>{{.B.Summary}}</td></tr>
<tr><td>Ops</td><td class="num">{{if ge .A.Ops 0}}{{.A.Ops}}{{end}}</td><td class="num">{{if ge .B.Ops 0}}{{.B.Ops}}{{end}}</td></tr>
{{range .Parts}}<tr{{if not .Same}} class="differs"{{end}}><td>checker {{.Name}}</td><td>{{.A}}</td><td>{{.B}}</td></tr>
{{end}}</table>
<h2>Configuration</h2>
{{if .ConfigNoteA}}<p class="warn">First run: {{.ConfigNoteA}}</p>{{end}}
{{if .ConfigNoteB}}<p class="warn">Second run: {{.ConfigNoteB}}</p>{{end}}
<p>Settings: {{.Same}} the same{{if .All}}, all listed (those that differ marked){{else}}, {{len .Config}} different{{end}}.
{{if .All}}<a href="/compare?run={{.A.ID}}&amp;run={{.B.ID}}">Only the differences</a>{{else}}<a href="/compare?run={{.A.ID}}&amp;run={{.B.ID}}&amp;all=1">Every setting</a>{{end}}</p>
{{if .Config}}<table id="config-diff"><tr><th>Setting</th><th>First run</th><th>Second run</th></tr>
{{range .Config}}<tr{{if not .Same}} class="differs"{{end}}><td>{{.Path}}</td><td class="val">{{.A}}</td><td class="val">{{.B}}</td></tr>
{{end}}</table>{{end}}
{{template "foot"}}{{end}}
`
