package linearsim

import (
	"slices"
	"testing"

	"github.com/faultline/faultline/history"
)

func TestSameSeedSameHistoryOtherSeedOtherHistory(t *testing.T) {
	cfg := Config{Seed: 5, Ops: 500, Processes: 4, InfoRate: 0.05}
	a, b := Run(cfg, Register(5, true)), Run(cfg, Register(5, true))
	cfg.Seed = 6
	c := Run(cfg, Register(5, true))
	if !sameOps(a, b) {
		t.Fatal("one seed gave two histories")
	}
	if sameOps(a, c) {
		t.Fatal("two seeds gave one history")
	}
}

func sameOps(a, b *history.History) bool {
	if a.Len() != b.Len() {
		return false
	}
	for i, op := range a.All() {
		if op.String() != b.At(i).String() {
			return false
		}
	}
	return true
}

func TestHistoriesHaveTheAskedShapeAndRetireCrashedProcesses(t *testing.T) {
	cfg := Config{Seed: 1, Ops: 4000, Processes: 8, InfoRate: 0.05}
	h := Run(cfg, KV(10, 5))
	invokes, infos := 0, 0
	retired := map[int]bool{}
	for i, o := range h.All() {
		if retired[o.Process] {
			t.Fatalf("op %d: process %d used after its op crashed", i, o.Process)
		}
		switch o.Type {
		case history.Invoke:
			invokes++
			if kv, ok := o.Value.([]any); !ok || len(kv) != 2 {
				t.Fatalf("op %d: kv value %v is not a [key value] tuple", i, o.Value)
			}
		case history.Info:
			infos++
			retired[o.Process] = true
		}
	}
	if invokes != cfg.Ops {
		t.Fatalf("%d invocations, want %d", invokes, cfg.Ops)
	}
	if rate := float64(infos) / float64(invokes); rate < 0.03 || rate > 0.07 {
		t.Fatalf("info rate %.3f, want about %.2f", rate, cfg.InfoRate)
	}
	if ops := slices.Collect(h.Operations()); len(ops) != cfg.Ops || !ops[len(ops)-1].Completed {
		t.Fatalf("%d operations, last completed: %v", len(ops), ops[len(ops)-1].Completed)
	}
}

func TestSequentialSpecsBehaveLikeTheirObjects(t *testing.T) {
	q := Queue(true, 1)
	q.Apply("enqueue", int64(1))
	q.Apply("enqueue", int64(2))
	if _, v := q.Apply("dequeue", nil); v != int64(1) {
		t.Fatalf("fifo dequeued %v first", v)
	}
	m := Mutex()
	if typ, _ := m.Apply("release", nil); typ != history.Fail {
		t.Fatal("released a free lock")
	}
	if typ, _ := m.Apply("acquire", nil); typ != history.OK {
		t.Fatal("could not acquire a free lock")
	}
	if typ, _ := m.Apply("acquire", nil); typ != history.Fail {
		t.Fatal("acquired a held lock")
	}
	r := Register(3, true)
	if typ, _ := r.Apply("cas", []any{int64(1), int64(2)}); typ != history.Fail {
		t.Fatal("cas from 1 succeeded on a nil register")
	}
	s := Set(5)
	s.Apply("add", int64(3))
	s.Apply("add", int64(1))
	if _, v := s.Apply("read", nil); !history.Equal(v, []any{int64(1), int64(3)}) {
		t.Fatalf("set read %v", v)
	}
}
