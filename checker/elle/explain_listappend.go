package elle

import (
	"fmt"

	"github.com/faultline/faultline/checker/elle/graph"
)

// explain finds the key and values behind a list-append dependency.
func (la *listAppend) explain(from, to int32, rel graph.Rel, f, t string) string {
	a := la.analysis
	switch rel {
	case graph.WW:
		for _, m := range a.txnMops(to) {
			if m.kind != mopAppend || la.pos[m.arg] <= 0 || la.broken[m.key] {
				continue
			}
			for p := la.pos[m.arg] - 1; p >= 0; p-- {
				prev := la.versions[m.key][p]
				if prev < 0 || !a.node(a.writes[prev].txn) {
					continue // writes that never happened are skipped in the order
				}
				if a.writes[prev].txn == from {
					return fmt.Sprintf("%s appended %s to key %s right after %s appended %s", t, edn(a.writes[m.arg].value), edn(a.keyValue(m.key)), f, edn(a.writes[prev].value))
				}
				break
			}
		}
	case graph.WR:
		for _, m := range a.txnMops(to) {
			if m.kind != mopRead || m.arg < 0 {
				continue
			}
			if n := la.external[m.arg]; n > 0 {
				w := la.versions[m.key][n-1]
				if w >= 0 && a.writes[w].txn == from {
					return fmt.Sprintf("%s read key %s = %s, which %s appended %s to", t, edn(a.keyValue(m.key)), edn(a.reads[m.arg].value), f, edn(a.writes[w].value))
				}
			}
		}
	case graph.RW:
		for _, m := range a.txnMops(from) {
			if m.kind != mopRead || m.arg < 0 {
				continue
			}
			n := la.external[m.arg]
			if n < 0 {
				continue
			}
			for _, w := range la.versions[m.key][n:] {
				if w >= 0 && a.node(a.writes[w].txn) {
					if a.writes[w].txn == to {
						return fmt.Sprintf("%s read key %s = %s, which does not yet have %s, which %s appended next", f, edn(a.keyValue(m.key)), edn(a.reads[m.arg].value), edn(a.writes[w].value), t)
					}
					break
				}
			}
		}
	}
	return fmt.Sprintf("%s %s %s", f, rel, t)
}
