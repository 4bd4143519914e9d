// Package elle renders the Elle checker's results for people: a plain-text
// account of every anomaly, and a DOT and a standalone SVG drawing of each
// cycle (the SVG is laid out here, so no Graphviz is needed). The checker
// returns data; this package turns it into text and drawings (package
// report decides which files a verdict gets).
package elle

import (
	"fmt"
	"io"
	"strings"

	"github.com/faultline/faultline/checker"
	ellechk "github.com/faultline/faultline/checker/elle"
	"github.com/faultline/faultline/checker/elle/consistency"
)

// Text writes a result's verdict, the anomaly types, the ruled-out models,
// what the verdict does not cover and why, and each listed anomaly with
// its transactions and explanation.
func Text(w io.Writer, res checker.Result) error {
	r, ok := res.Details.(*ellechk.Report)
	if !ok {
		if res.Error != "" {
			_, err := fmt.Fprintf(w, "elle: %s\n", res.Error)
			return err
		}
		return fmt.Errorf("report/elle: result details are %T, not an Elle report", res.Details)
	}
	var b strings.Builder
	models := strings.Join(r.Models, ", ")
	if len(r.Models) == 0 {
		models = "no consistency model (only the anomalies asked for)"
	}
	fmt.Fprintf(&b, "%s: valid? %s under %s\n", r.Workload, res.Valid, models)
	fmt.Fprintf(&b, "%d transactions (%d committed), %d dependency edges, %d cyclic components\n", r.Txns, r.Committed, r.Edges, r.Components)
	if len(r.AnomalyTypes) == 0 {
		b.WriteString("no anomalies found\n")
	} else {
		fmt.Fprintf(&b, "anomaly types: %s\n", strings.Join(r.AnomalyTypes, ", "))
	}
	if len(r.Not) > 0 {
		fmt.Fprintf(&b, "not %s\n", strings.Join(r.Not, ", "))
	}
	if len(r.AlsoNot) > 0 {
		fmt.Fprintf(&b, "also not %s\n", strings.Join(r.AlsoNot, ", "))
	}
	if len(r.NotChecked) > 0 {
		b.WriteString("not checked (the verdict does not cover these):\n")
		for _, n := range r.NotChecked {
			fmt.Fprintf(&b, "  %s: %s\n", n, consistency.Why(n))
		}
	}
	for _, u := range r.Undecided {
		fmt.Fprintln(&b, u)
	}
	count := map[string]int{}
	for _, an := range r.Anomalies {
		count[an.Type]++
		fmt.Fprintf(&b, "\n%s #%d", an.Type, count[an.Type])
		if an.Key != nil {
			fmt.Fprintf(&b, " (key %s)", edn(an.Key))
		}
		b.WriteString("\n")
		for _, t := range an.Txns {
			fmt.Fprintf(&b, "  %s\n", t)
		}
		for _, e := range an.Explanation {
			fmt.Fprintf(&b, "  %s\n", e)
		}
	}
	for typ, n := range r.Omitted {
		fmt.Fprintf(&b, "\n(%d more %s anomalies not listed)\n", n, typ)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
