package txn

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/internal/plural"
)

// finalReadsChecked runs Elle, then reads the verdict against the final
// reads, when the history has them:
//
//   - a valid verdict with a written key that no final read returned
//     becomes unknown, naming the keys: a write lost on such a key would go
//     unseen, so "valid" would claim more than the run showed;
//   - an invalid verdict of a list-append run names, in its summary, the
//     acknowledged appends that final reads begun after them do not show:
//     the lost writes themselves, which Elle's report names only inside a
//     cycle's steps. Elle alone decides the verdict; under a model without
//     real time a read may legitimately miss them, so they are named only
//     beside anomalies Elle found.
func finalReadsChecked(o Options, inner checker.Checker) checker.Checker {
	return checker.Func(func(ctx context.Context, h *history.History) checker.Result {
		res := inner.Check(ctx, h)
		if res.Valid == checker.Unknown {
			return res
		}
		v := viewFinal(h)
		if !v.hasFinal {
			return res
		}
		switch unread := v.unreadKeys(); {
		case res.Valid == checker.Valid && len(unread) > 0:
			res.Valid = checker.Unknown
			res.Summary = joinSummary(fmt.Sprintf("no final read succeeded for %s %s, so a write lost there would go unseen",
				plural.Count(len(unread), "key"), list(unread, func(k int64) string { return fmt.Sprint(k) })), res.Summary)
		case res.Valid == checker.Invalid && o.Write == Append:
			if lost := v.missingAppends(); len(lost) > 0 {
				res.Summary = joinSummary(res.Summary, "acknowledged appends missing from later final reads: "+list(lost, lostAppend.String))
			}
		}
		return res
	})
}

// isFinal reports whether op is one of the final reads.
func isFinal(op history.Op) bool {
	v, ok := op.Get(FinalField)
	return ok && v == true
}

// finalView is what a history says about its final reads.
type finalView struct {
	hasFinal bool
	// written: keys some transaction that did not fail wrote.
	written map[int64]bool
	// appends: per key, the appends of transactions that completed ok.
	appends map[int64][]ackedAppend
	// reads: the ok final reads, per key.
	reads map[int64][]finalRead
}

type ackedAppend struct {
	elem  any
	op    int   // index of the ok completion
	until int64 // its time
}

type finalRead struct {
	list  []any
	op    int   // index of the invocation
	since int64 // its time
}

func viewFinal(h *history.History) finalView {
	v := finalView{written: map[int64]bool{}, appends: map[int64][]ackedAppend{}, reads: map[int64][]finalRead{}}
	for o := range h.Operations() {
		if !o.Invoke.IsClient() || o.Invoke.F != F {
			continue
		}
		final := isFinal(o.Invoke)
		v.hasFinal = v.hasFinal || final
		switch {
		case final && o.Outcome() == history.OK:
			eachMop(o.Complete.Value, func(f any, k int64, val any) {
				if history.Equal(f, Read) {
					l, _ := history.AsSlice(val)
					v.reads[k] = append(v.reads[k], finalRead{list: l, op: o.Invoke.Index, since: o.Invoke.Time})
				}
			})
		case !final && o.Outcome() != history.Fail:
			eachMop(o.Invoke.Value, func(f any, k int64, val any) {
				if history.Equal(f, Read) {
					return
				}
				v.written[k] = true
				if history.Equal(f, Append) && o.Outcome() == history.OK {
					v.appends[k] = append(v.appends[k], ackedAppend{elem: val, op: o.Complete.Index, until: o.Complete.Time})
				}
			})
		}
	}
	return v
}

// eachMop calls fn with each well-formed micro-op [f k v] of a
// transaction's value.
func eachMop(value any, fn func(f any, k int64, v any)) {
	mops, _ := history.AsSlice(value)
	for _, x := range mops {
		m, _ := history.AsSlice(x)
		if len(m) != 3 {
			continue
		}
		if k, ok := history.AsInt(m[1]); ok {
			fn(m[0], k, m[2])
		}
	}
}

// unreadKeys: written keys no ok final read returned, ascending.
func (v finalView) unreadKeys() []int64 {
	var out []int64
	for k := range v.written {
		if len(v.reads[k]) == 0 {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// lostAppend is an acknowledged append that final reads begun after its
// acknowledgement do not show.
type lostAppend struct {
	key    int64
	ack    ackedAppend
	missed int // how many of those final reads miss it
	of     int // final reads of the key begun after the acknowledgement
}

func (l lostAppend) String() string {
	return fmt.Sprintf("key %d element %s (acknowledged at op %d; missing from %d of %d final reads)",
		l.key, history.FormatEDN(l.ack.elem), l.ack.op, l.missed, l.of)
}

// missingAppends lists, by key and then by acknowledgement, every
// acknowledged append that some final read begun after it does not show.
func (v finalView) missingAppends() []lostAppend {
	var out []lostAppend
	for _, k := range slices.Sorted(maps.Keys(v.appends)) {
		for _, a := range v.appends[k] {
			l := lostAppend{key: k, ack: a}
			for _, r := range v.reads[k] {
				if r.since <= a.until {
					continue
				}
				l.of++
				if !slices.ContainsFunc(r.list, func(e any) bool { return history.Equal(e, a.elem) }) {
					l.missed++
				}
			}
			if l.missed > 0 {
				out = append(out, l)
			}
		}
	}
	return out
}

func joinSummary(first, rest string) string {
	if rest == "" {
		return first
	}
	return first + "; " + rest
}

// list renders the first five of xs and a count of the rest.
func list[T any](xs []T, str func(T) string) string {
	const show = 5
	parts := make([]string, 0, min(len(xs), show)+1)
	for _, x := range xs[:min(len(xs), show)] {
		parts = append(parts, str(x))
	}
	if len(xs) > show {
		parts = append(parts, fmt.Sprintf("... (%d more)", len(xs)-show))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
