package elle

import (
	"fmt"

	"github.com/faultline/faultline/history"
)

// Anomaly is one thing the checker found, with the transactions involved
// and a step-by-step account a reader can verify against the history.
type Anomaly struct {
	Type string `json:"type"`
	// Key is the key involved, for anomalies about one key.
	Key any `json:"key,omitempty"`
	// Txns are the transactions involved, named T1, T2, ... in Explanation
	// and Steps. For a cycle they are in cycle order.
	Txns []TxnRef `json:"txns"`
	// Steps are the edges of a cycle, T1 -> T2 -> ... -> T1.
	Steps []Step `json:"steps,omitempty"`
	// Explanation says, sentence by sentence, why this is an anomaly.
	Explanation []string `json:"explanation"`
}

// TxnRef identifies a transaction of the history.
type TxnRef struct {
	Name    string `json:"name"`
	Index   int    `json:"index"` // :index of the completion (of the invoke if none)
	Process int    `json:"process"`
	Type    string `json:"type"` // ok, info or fail
	Value   any    `json:"value"`
}

// Step is one edge of a cycle: To depends on From through Rel.
type Step struct {
	From        string `json:"from"`
	To          string `json:"to"`
	Rel         string `json:"rel"` // ww, wr, rw, process or realtime
	Explanation string `json:"explanation"`
}

// String renders a transaction as a reader finds it in the history.
func (t TxnRef) String() string {
	return fmt.Sprintf("%s = {:index %d, :process %s, :type :%s, :value %s}", t.Name, t.Index, history.ProcessString(t.Process), t.Type, history.FormatEDN(t.Value))
}

// ref describes transaction t under the given name.
func (a *analysis) ref(t int32, name string) TxnRef {
	x := a.txns[t]
	pos := x.invoke
	if x.complete >= 0 {
		pos = x.complete
	}
	op := a.h.At(int(pos))
	return TxnRef{Name: name, Index: op.Index, Process: op.Process, Type: x.status.String(), Value: op.Value}
}

// report records a non-cycle anomaly about transactions ts (named T1, T2,
// ... in order); explain, which may use those names, is called only for
// the anomalies that will be listed, so a history with a hundred thousand
// aborted reads does not format a hundred thousand messages.
func (a *analysis) report(typ string, key int32, ts []int32, explain func() string) {
	if a.counts == nil {
		a.counts = map[string]int{}
	}
	a.counts[typ]++
	if a.counts[typ] > a.opts.maxPerType() {
		return
	}
	an := Anomaly{Type: typ, Explanation: []string{explain()}}
	if key >= 0 {
		an.Key = a.keyValue(key)
	}
	for i, t := range ts {
		an.Txns = append(an.Txns, a.ref(t, fmt.Sprintf("T%d", i+1)))
	}
	a.found = append(a.found, an)
}

// edn is shorthand for rendering a value in explanations.
func edn(v any) string { return history.FormatEDN(v) }
