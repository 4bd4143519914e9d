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
		if why := la.explainUnseenWW(from, to, f, t); why != "" {
			return why
		}
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
			if listLen(a.reads[m.arg].value) != len(la.versions[m.key]) {
				continue
			}
			for _, w := range la.unseen[m.key] {
				if a.writes[w].txn == to {
					return fmt.Sprintf("%s read key %s = %s, which does not have %s, which %s appended; no read shows that append, so it came after every element any read shows", f, edn(a.keyValue(m.key)), edn(a.reads[m.arg].value), edn(a.writes[w].value), t)
				}
			}
		}
	}
	return fmt.Sprintf("%s %s %s", f, rel, t)
}

// explainUnseenWW explains a ww edge to an append no read shows: it came
// after the last element any read shows, which from appended.
func (la *listAppend) explainUnseenWW(from, to int32, f, t string) string {
	a := la.analysis
	for _, m := range a.txnMops(to) {
		if m.kind != mopAppend || la.pos[m.arg] >= 0 || la.broken[m.key] {
			continue
		}
		vs := la.versions[m.key]
		for p := len(vs) - 1; p >= 0; p-- {
			if vs[p] < 0 || !a.node(a.writes[vs[p]].txn) {
				continue
			}
			if a.writes[vs[p]].txn == from {
				return fmt.Sprintf("%s appended %s to key %s, which no read shows, so after %s's append of %s, the last element any read shows", t, edn(a.writes[m.arg].value), edn(a.keyValue(m.key)), f, edn(a.writes[vs[p]].value))
			}
			break
		}
	}
	return ""
}
