// Package linearizability renders the counterexample of a failed
// linearizability check (linear.Counterexample) for people: as text for the
// terminal, and as a self-contained SVG timeline (also wrapped in an HTML
// page) that shows each process's operations around the failure, the
// linearization that got furthest, and the operation it could not place.
// Data in, text or file out: the checker itself never renders.
package linearizability

import (
	"fmt"
	"io"
	"strings"

	"github.com/faultline/faultline/checker/linear"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/internal/plural"
)

// WriteText writes a terminal-sized account of ce.
func WriteText(w io.Writer, ce *linear.Counterexample) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Not linearizable (model %s", ce.Model)
	if ce.Keyed {
		fmt.Fprintf(&b, ", key %s", history.FormatEDN(ce.Key))
	}
	b.WriteString(").\n")
	for _, o := range ce.Blocked {
		fmt.Fprintf(&b, "  %s cannot be linearized: it completed at index %d, but no order of the ops before it leaves the %s in a state where it fits.\n", o, o.CompleteIndex, ce.Model)
	}
	fmt.Fprintf(&b, "  The longest linearizable prefix found has %s", plural.Count(ce.PrefixLength, "op"))
	if len(ce.Prefix) < ce.PrefixLength {
		fmt.Fprintf(&b, "; its last %d, from state %s:\n", len(ce.Prefix), history.FormatEDN(ce.Start))
	} else {
		fmt.Fprintf(&b, ", from state %s:\n", history.FormatEDN(ce.Start))
	}
	first := ce.PrefixLength - len(ce.Prefix) + 1
	for i, st := range ce.Prefix {
		fmt.Fprintf(&b, "    %4d. %-52s -> %s\n", first+i, st.Op.String(), history.FormatEDN(st.State))
	}
	fmt.Fprintf(&b, "  %s possible just before it: %s\n", plural.Pick(len(ce.States), "The only state", "States"), joinEDN(ce.States))
	if len(ce.Concurrent) > 0 {
		b.WriteString("  Also running then, not linearized:\n")
		for _, o := range ce.Concurrent {
			fmt.Fprintf(&b, "          %s\n", o)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func joinEDN(vs []any) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = history.FormatEDN(v)
	}
	return strings.Join(s, ", ")
}
