package valueset

import (
	"math/big"
	"reflect"
	"testing"

	"github.com/faultline/faultline/history"
)

func TestKeywordsAndStringsCountAsOneValue(t *testing.T) {
	m := Of(history.Keyword("a"), "a", int64(3), 3)
	if m.Count("a") != 2 || m.Count(int64(3)) != 2 || m.Len() != 2 {
		t.Fatalf("counts a=%d 3=%d len=%d", m.Count("a"), m.Count(3), m.Len())
	}
	if !m.Remove("a") || !m.Remove(history.Keyword("a")) || m.Remove("a") {
		t.Fatal("expected exactly two copies of a to remove")
	}
	if m.Has("a") || m.Len() != 1 {
		t.Fatalf("after removal: has a=%v len=%d", m.Has("a"), m.Len())
	}
}

func TestSortPutsIntegersFirstInNumericOrder(t *testing.T) {
	vs := []any{"b", int64(10), int64(-2), "a", int64(3)}
	Sort(vs)
	want := []any{int64(-2), int64(3), int64(10), "a", "b"}
	if !reflect.DeepEqual(vs, want) {
		t.Fatalf("sorted = %v, want %v", vs, want)
	}
}

func TestWhereFiltersByCount(t *testing.T) {
	m := Of(1, 2, 2, 3, 3, 3)
	got := m.Where(func(_ any, c int) bool { return c > 1 })
	if !reflect.DeepEqual(got, []any{2, 3}) {
		t.Fatalf("values seen more than once = %v, want [2 3]", got)
	}
}

func TestIndexFindsValuesByEquality(t *testing.T) {
	x := NewIndex[int]()
	x.Put(int64(5), 1)
	x.Put(history.Keyword("k"), 2)
	x.Put(float64(5), 3) // a float is not the integer 5
	for _, c := range []struct {
		v     any
		want  int
		found bool
	}{{5, 1, true}, {big.NewInt(5), 1, true}, {"k", 2, true}, {float64(5), 3, true}, {6, 0, false}} {
		if got, ok := x.Get(c.v); got != c.want || ok != c.found {
			t.Errorf("Get(%v) = %d %v, want %d %v", c.v, got, ok, c.want, c.found)
		}
	}
}
