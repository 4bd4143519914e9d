package model

import (
	"strings"
	"testing"

	"github.com/faultline/faultline/history"
)

func TestByNameKnowsEveryListedModel(t *testing.T) {
	for _, name := range Names {
		m, err := ByName(name, Options{})
		if err != nil || m.Name() != name {
			t.Fatalf("%s: %v %v", name, m, err)
		}
	}
}

func TestByNameRejectsUnknownModelsAndMisplacedInitialValues(t *testing.T) {
	if _, err := ByName("linked-list", Options{}); err == nil || !strings.Contains(err.Error(), "expected one of") {
		t.Fatalf("err = %v", err)
	}
	if _, err := ByName("mutex", Options{Initial: int64(3)}); err == nil || !strings.Contains(err.Error(), "takes no initial value") {
		t.Fatalf("err = %v", err)
	}
	m, err := ByName("cas-register", Options{Initial: int64(3)})
	if err != nil {
		t.Fatal(err)
	}
	mach, err := m.Build([]Op{{F: "read", Value: int64(3), Known: true}})
	if err != nil {
		t.Fatal(err)
	}
	if !history.Equal(mach.Show(mach.Init()), int64(3)) {
		t.Fatalf("initial state %v", mach.Show(mach.Init()))
	}
	if _, ok, _ := mach.Step(mach.Init(), 0, 0); !ok {
		t.Fatal("reading the initial value is not allowed")
	}
}

func TestEqualValuesGetEqualStatesWhateverTheirRepresentation(t *testing.T) {
	// A set read as a vector and as an EDN set, elements in other orders,
	// keyword or string: all the same state.
	m, _ := ByName("set", Options{})
	ops := []Op{
		{F: "read", Value: []any{int64(2), history.Keyword("a")}, Known: true},
		{F: "read", Value: history.Set{"a", int64(2)}, Known: true},
	}
	mach, err := m.Build(ops)
	if err != nil {
		t.Fatal(err)
	}
	cm := mach.(*collectionMachine)
	if cm.arg[0] != cm.arg[1] {
		t.Fatalf("same set, different states %d %d", cm.arg[0], cm.arg[1])
	}
}

func TestModelsRejectOpsTheyDoNotKnowWithTheIndex(t *testing.T) {
	for _, name := range Names {
		m, _ := ByName(name, Options{})
		_, err := m.Build([]Op{{Index: 41, F: "frobnicate", Value: []any{int64(1), int64(2)}, Known: true}})
		if err == nil || !strings.Contains(err.Error(), "op 41") || !strings.Contains(err.Error(), "expects") {
			t.Fatalf("%s: err = %v", name, err)
		}
	}
}

func TestInternedValuesAreEqualExactlyWhenTheValuesAre(t *testing.T) {
	vs := newValues()
	same := [][2]any{{int64(5), 5}, {int64(100), 100}, {int64(-3), -3}, {history.Keyword("a"), "a"}, {[]any{int64(1)}, history.List{1}}}
	for _, p := range same {
		if vs.id(p[0]) != vs.id(p[1]) {
			t.Errorf("%v and %v got different numbers", p[0], p[1])
		}
	}
	seen := map[uint32]any{}
	for _, v := range []any{nil, int64(0), int64(63), int64(64), int64(-1), "0", history.Keyword("b"), 1.5} {
		n := vs.id(v)
		if prev, dup := seen[n]; dup {
			t.Errorf("%v and %v share number %d", prev, v, n)
		}
		seen[n] = v
		if !history.Equal(vs.value(n), v) {
			t.Errorf("number %d maps back to %v, not %v", n, vs.value(n), v)
		}
	}
}

func TestNilReadsMatchAnyOnlyForModelsWithRegisterReads(t *testing.T) {
	for _, name := range Names {
		_, err := ByName(name, Options{NilReadsMatchAny: true})
		has := name == "register" || name == "cas-register" || name == "multi-register" || name == "kv"
		if has && err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if !has && (err == nil || !strings.Contains(err.Error(), "applies to register, cas-register, multi-register, kv")) {
			t.Errorf("%s: err = %v, want a refusal naming the models it applies to", name, err)
		}
	}
}

func TestANilReadMatchesEveryStateOnlyWithNilReadsMatchAny(t *testing.T) {
	read := []Op{{F: "read", Value: nil, Known: true}, {F: "write", Value: int64(4), Known: true}}
	for _, nilAny := range []bool{false, true} {
		m, _ := ByName("register", Options{NilReadsMatchAny: nilAny})
		mach, err := m.Build(read)
		if err != nil {
			t.Fatal(err)
		}
		four, _, _ := mach.Step(mach.Init(), 1, 0)
		if _, ok, _ := mach.Step(mach.Init(), 0, 0); !ok {
			t.Errorf("nilAny=%v: a nil read of the unset register is refused", nilAny)
		}
		if _, ok, _ := mach.Step(four, 0, 0); ok != nilAny {
			t.Errorf("nilAny=%v: a nil read of a register holding 4 allowed=%v", nilAny, ok)
		}
	}
}
