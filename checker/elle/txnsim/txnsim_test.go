package txnsim

import (
	"strings"
	"testing"

	"github.com/faultline/faultline/history"
)

func TestSameSeedSameHistory(t *testing.T) {
	c := Config{Seed: 9, Txns: 300, Behaviour: SnapshotIsolation, InfoFraction: 0.05}
	a, err := Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(c)
	if a.Len() != 600 || b.Len() != 600 {
		t.Fatalf("ops: %d and %d, want 600 (an invoke and a completion per transaction)", a.Len(), b.Len())
	}
	for i, op := range a.All() {
		if op.String() != b.At(i).String() {
			t.Fatalf("op %d differs:\n%s\n%s", i, op, b.At(i))
		}
	}
	c.Seed = 10
	d, _ := Generate(c)
	same := true
	for i, op := range a.All() {
		same = same && op.String() == d.At(i).String()
	}
	if same {
		t.Fatal("a different seed gave the same history")
	}
}

func count(h *history.History, typ history.Type) int {
	n := 0
	for _, op := range h.All() {
		if op.Type == typ {
			n++
		}
	}
	return n
}

func TestOutcomesFollowTheBehaviour(t *testing.T) {
	si, _ := Generate(Config{Seed: 1, Txns: 2000, Behaviour: SnapshotIsolation, Processes: 10, ActiveKeys: 3})
	if count(si, history.Fail) == 0 {
		t.Error("snapshot isolation with contention should abort some writers (first committer wins)")
	}
	ss, _ := Generate(Config{Seed: 1, Txns: 2000, Behaviour: StrictSerializable})
	if count(ss, history.Fail) != 0 {
		t.Error("strict serializable never aborts")
	}
	ar, _ := Generate(Config{Seed: 1, Txns: 2000, Behaviour: AbortedReads, AbortFraction: 0.1})
	if n := count(ar, history.Fail); n < 100 || n > 300 {
		t.Errorf("aborted-reads: %d fails of 2000, want about 10%%", n)
	}
	info, _ := Generate(Config{Seed: 1, Txns: 2000, Processes: 5, InfoFraction: 0.1})
	if n := count(info, history.Info); n < 100 {
		t.Errorf("%d info completions, want about 200", n)
	}
	if procs := len(info.Processes()); procs <= 5 {
		t.Errorf("%d processes: a process should retire after an info completion", procs)
	}
}

func TestListReadsAreSharedPrefixes(t *testing.T) {
	h, _ := Generate(Config{Seed: 2, Txns: 1000, Behaviour: StrictSerializable, ActiveKeys: 1})
	var longest []any
	for _, op := range h.All() {
		if op.Type != history.OK {
			continue
		}
		for _, m := range op.Value.([]any) {
			mop := m.([]any)
			if mop[0] == any(history.Keyword("r")) && mop[1] == any(int64(0)) {
				if l := mop[2].([]any); len(l) > len(longest) {
					for i := range longest {
						if l[i] != longest[i] {
							t.Fatalf("read %v does not extend the earlier read %v", l, longest)
						}
					}
					longest = l
				}
			}
		}
	}
	if len(longest) < 10 {
		t.Fatalf("longest read of key 0 has %d elements", len(longest))
	}
}

func TestConfigErrors(t *testing.T) {
	if _, err := Generate(Config{Txns: 1, Workload: "bank"}); err == nil || !strings.Contains(err.Error(), `unknown workload "bank"`) {
		t.Errorf("err = %v", err)
	}
	if _, err := Generate(Config{Txns: 1, Behaviour: "eventual"}); err == nil || !strings.Contains(err.Error(), `unknown behaviour "eventual"`) {
		t.Errorf("err = %v", err)
	}
}
