package web

// runTemplate is one run's page: status and verdict, findings, faults,
// plots, configuration, logs, files.
const runTemplate = `
{{define "run"}}{{template "head" (head (printf "%s %s" .Test .Name) .Live)}}
<h1><a href="/?test={{.Test}}">{{.Test}}</a> {{when .Start}}</h1>
<table><tr class="{{.Class}}"><td class="verdict" id="verdict">{{.Verdict}}</td><td>{{.Summary}}</td></tr></table>
{{if .Liveness}}<p class="note" id="liveness">{{.Liveness}}.</p>{{end}}
{{if .Live}}<p class="note">This run is in progress: this page reloads every 2 s.</p>{{end}}
<p id="counts">{{with .Counts}}<span id="op-count">{{.Total}}</span> ops recorded ({{.Invoke}} invoke, {{.OK}} ok, {{.Fail}} fail, {{.Info}} info) by {{.Processes}} processes over {{secs .Last}} s.
{{else}}{{if ge .Ops 0}}<span id="op-count">{{.Ops}}</span> ops recorded.{{end}}{{end}}
{{if ge .Ops 0}}<a href="{{.HistoryURL}}">History</a>{{end}}
{{if .Timeline}} · <a href="{{.FileURL .Timeline}}">Timeline</a>{{end}}
 · <a href="{{.ZipURL}}">Download the run folder (zip)</a></p>
{{if .HistoryNote}}<p class="warn">{{.HistoryNote}}</p>{{end}}
{{if .ResultsNote}}<p class="warn">{{.ResultsNote}} <a href="{{.FileURL "results.json"}}">results.json</a></p>{{end}}
{{with .Findings}}{{if or .Elle .Linear .Keys .Other .Children .Error}}<h2>Findings</h2>
{{template "finding" (fctx $.Run .)}}{{end}}{{end}}
{{with .Faults}}<h2 id="faults">Faults</h2>
{{if .Error}}<p class="warn">{{.Error}}</p>{{end}}
{{if .Active}}<p class="warn" id="active-faults">Active at the last op:{{range .Active}} <b>{{.Fault}}</b> since {{secs .Start}} s (<a href="{{$.HistoryAt .StartIndex ""}}">op {{.StartIndex}}</a>){{end}}.</p>{{end}}
<svg class="faults" viewBox="0 0 1160 {{.Height}}" role="img" aria-label="faults over time">
{{range .Rows}}{{$y := .Y}}<text x="4" y="{{add .Y 13}}" font-size="12" fill="#333">{{.Name}}</text>
{{range .Rects}}<a href="{{$.HistoryAt .StartIndex ""}}"><rect x="{{float .X}}" y="{{$y}}" width="{{float .W}}" height="16" fill="{{.Colour}}" transform="translate(160 1)"><title>{{.Fault}} from {{secs .Start}} s (op {{.StartIndex}}){{if gt .Count 1}}, {{.Count}} bands drawn as one{{end}}</title></rect></a>
{{end}}{{end}}</svg>
<table><tr><th>Fault</th><th>From (s)</th><th>To (s)</th><th>Ops</th></tr>
{{range .Bands}}<tr><td>{{.Fault}}</td><td class="num">{{secs .Start}}</td><td class="num">{{if .Open}}still active{{else}}{{secs .End}}{{end}}</td>
<td><a href="{{$.HistoryAt .StartIndex ""}}">{{.StartIndex}}</a>{{if ge .EndIndex 0}} - <a href="{{$.HistoryAt .EndIndex ""}}">{{.EndIndex}}</a>{{end}}</td></tr>
{{end}}</table>
{{if .More}}<p class="note">{{.More}} more bands are not listed: see the <a href="{{$.HistoryURL}}?process=nemesis">nemesis's ops</a>.</p>{{end}}{{end}}
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
{{if .Logs}}<h2>Logs</h2>
{{range .Logs}}<details><summary><a href="{{$.FileURL .Name}}">{{.Name}}</a> ({{size .Size}}{{if .Node}}, node {{.Node}}{{end}})</summary>
{{if .Tail}}<pre>{{.Tail}}</pre>{{else}}<p class="note">empty</p>{{end}}</details>
{{end}}{{end}}
<h2>Files</h2>
<table><tr><th>File</th><th>Size</th></tr>
{{range .Files}}<tr><td>{{if .Refused}}{{.Name}} <span class="note">({{.Refused}})</span>{{else}}<a href="{{$.FileURL .Name}}">{{.Name}}</a>{{end}}</td><td class="num">{{size .Size}}</td></tr>
{{end}}</table>
{{template "foot"}}{{end}}
`

// findingTemplate explains one checker result, recursively for composed
// parts and independent keys; every op it names links to its row in the
// history view (for a key, the view of that key) and to the timeline.
const findingTemplate = `
{{define "opcells"}}<td><a class="op" href="{{.R.HistoryAt .O.Index .O.Key}}" data-op="{{.O.Index}}">op {{.O.Index}}</a></td><td>{{.O.Process}}</td><td>{{.O.F}}</td><td>{{.O.Type}}</td><td class="val">{{.O.Value}}</td>
<td>{{with .R.TimelineAt .O.Index}}<a class="timeline" href="{{.}}">timeline</a>{{end}}</td>{{end}}
{{define "finding"}}{{$r := .Run}}{{with .F}}<section class="finding">
{{if .Name}}<h3><span class="badge {{.Verdict}}">{{.Verdict}}</span> {{.Name}}</h3>{{if .Summary}}<p>{{.Summary}}</p>{{end}}{{end}}
{{if .Error}}<pre class="warn">{{.Error}}</pre>{{end}}
{{with .Elle}}
<p>Consistency models checked: {{join .Models}}.{{if .Not}} Ruled out: <b>{{join .Not}}</b>{{if .AlsoNot}} (and so {{join .AlsoNot}}){{end}}.{{end}}
{{.Txns}} transactions, {{.Committed}} committed, {{.Edges}} dependency edges.</p>
{{if .NotChecked}}<p class="note">Not checked by this analysis: {{join .NotChecked}}.</p>{{end}}
{{range .Anomalies}}<div class="anomaly"><h4>{{.Type}}{{if .Key}} on key {{.Key}}{{end}}</h4>
{{if .Txns}}<table><tr><th></th><th>Op</th><th>Process</th><th>f</th><th>Type</th><th>Value</th><th></th></tr>
{{range .Txns}}<tr><td>{{.Name}}</td>{{template "opcells" (opctx $r .)}}</tr>
{{end}}</table>{{end}}
<ol>{{range .Explanation}}<li>{{.}}</li>{{end}}</ol>
{{if .Drawing}}<img class="drawing" src="{{$r.FileURL .Drawing}}" alt="{{.Type}} cycle">{{end}}
</div>{{end}}
{{range $t, $n := .Omitted}}<p class="note">{{$n}} more {{$t}} not listed here (see the anomalies file).</p>{{end}}
{{end}}
{{with .Linear}}
<p>Linearizability against the {{.Model}} model: {{.Ops}} ops searched{{if gt .Keys 1}} over {{.Keys}} keys{{end}}.</p>
{{with .CE}}<div class="counterexample">
<p>{{if .Key}}Key {{.Key}}: the{{else}}The{{end}} longest linearizable prefix found has {{.PrefixLength}} ops. No order of the ops concurrent with it can place
{{if eq (len .Blocked) 1}}this op{{else}}these ops{{end}} next: in every state the model can be in just before ({{join .States}}), it is refused.</p>
<table><tr><th></th><th>Op</th><th>Process</th><th>f</th><th>Outcome</th><th>Value</th><th></th></tr>
{{range .Blocked}}<tr class="invalid"><td>blocked</td>{{template "opcells" (opctx $r .)}}</tr>
{{end}}</table>
{{if .Concurrent}}<details open><summary>{{len .Concurrent}} concurrent ops tried in every order</summary>
<table>{{range .Concurrent}}<tr><td></td>{{template "opcells" (opctx $r .)}}</tr>
{{end}}</table></details>{{end}}
{{if .Prefix}}<details><summary>The last {{len .Prefix}} ops of the prefix, with the state after each (from {{.Start}})</summary>
<table>{{range .Prefix}}<tr><td>{{.State}}</td>{{template "opcells" (opctx $r .Op)}}</tr>
{{end}}</table></details>{{end}}
</div>{{end}}
{{end}}
{{with .Keys}}
<p>{{.KeyCount}} keys: {{.InvalidCount}} invalid, {{.UnknownCount}} unknown, {{.Valid}} valid.</p>
{{if .Failing}}<table><tr><th>Key</th><th>Verdict</th><th>Ops</th><th>Summary</th></tr>
{{range .Failing}}<tr class="{{.Verdict}}"><td><a href="{{$r.KeyHistory .Key}}">{{.Key}}</a></td><td>{{.Verdict}}</td><td class="num">{{.Ops}}</td><td>{{.Summary}}</td></tr>
{{end}}</table>{{end}}
{{if .MoreFailing}}<p class="note">{{.MoreFailing}} more failing keys are not listed here.</p>{{end}}
{{range .Failing}}{{if .Inner}}<h4>Key {{.Key}}</h4>{{template "finding" (fctx $r .Inner)}}{{end}}{{end}}
{{end}}
{{if .Other}}<details><summary>Details</summary><pre>{{.Other}}</pre></details>{{end}}
{{range .Children}}{{template "finding" (fctx $r .)}}{{end}}
</section>{{end}}{{end}}
`

// opCtx carries an op a finding names and the run, into the op cells.
type opCtx struct {
	R runInfo
	O opRef
}

func opctx(r runInfo, o opRef) opCtx { return opCtx{r, o} }
