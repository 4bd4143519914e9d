package unhandled

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/checker/internal/histbuild"
	"github.com/faultline/faultline/history"
)

func jepsenException(class, msg string) history.Map {
	k := func(s string) history.Keyword { return history.Keyword(s) }
	return history.Map{{Key: k("via"), Value: []any{history.Map{{Key: k("type"), Value: history.Symbol(class)}, {Key: k("message"), Value: msg}}}}}
}

func TestUnhandledGroupsByClassMostFrequentFirst(t *testing.T) {
	h := histbuild.New().
		Op(0, history.Info, "read", nil).With(Field, jepsenException("java.net.SocketTimeoutException", "Read timed out")).
		Op(1, history.Info, "write", 1).With(Field, jepsenException("clojure.lang.ExceptionInfo", "boom")).
		Op(2, history.Info, "read", nil).With(Field, jepsenException("java.net.SocketTimeoutException", "Read timed out")).
		Op(3, history.OK, "read", 1).History()
	r := Checker().Check(context.Background(), h)
	want := []Group{
		{Class: "java.net.SocketTimeoutException", Count: 2, Example: 1, Message: "Read timed out"},
		{Class: "clojure.lang.ExceptionInfo", Count: 1, Example: 3, Message: "boom"},
	}
	d := r.Details.(*Details)
	if r.Valid != checker.Valid || !reflect.DeepEqual(d.Exceptions, want) {
		t.Fatalf("got %v %+v, want valid %+v", r.Valid, d.Exceptions, want)
	}
	if got := histbuild.Explain(d); !strings.HasPrefix(got, "2x java.net.SocketTimeoutException (first at op 1): Read timed out\n") {
		t.Fatalf("explain = %q", got)
	}
}

func TestUnhandledAcceptsAPlainMessageAndIgnoresCleanHistories(t *testing.T) {
	h := histbuild.New().Op(0, history.Info, "read", nil).With(Field, "panic: nil map").History()
	d := Checker().Check(context.Background(), h).Details.(*Details)
	if len(d.Exceptions) != 1 || d.Exceptions[0].Class != "panic: nil map" {
		t.Fatalf("exceptions = %+v", d.Exceptions)
	}
	clean := Checker().Check(context.Background(), histbuild.New().Op(0, history.Fail, "read", nil).History())
	if clean.Valid != checker.Valid || len(clean.Details.(*Details).Exceptions) != 0 || clean.Summary != "" {
		t.Fatalf("clean history: %+v", clean)
	}
}
