package comments

import (
	"context"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history"
	"github.com/faultline/faultline/history/codec"
)

func parse(t *testing.T, edn string) *history.History {
	t.Helper()
	h, _, err := codec.Read(strings.NewReader(edn), "test.edn", codec.EDN)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestComments(t *testing.T) {
	cases := []struct {
		name, edn string
		want      checker.Validity
		kind      string // of the one anomaly, if invalid
		missing   any
	}{
		{"a read that began after an insert was acknowledged and sees it passes", `
{:process 0 :type :invoke :f :write :value [1 10]}
{:process 0 :type :ok :f :write :value [1 10]}
{:process 1 :type :invoke :f :read :value [1 nil]}
{:process 1 :type :ok :f :read :value [1 [10]]}`, checker.Valid, "", nil},
		{"a read concurrent with an insert may miss it", `
{:process 1 :type :invoke :f :read :value [1 nil]}
{:process 0 :type :invoke :f :write :value [1 10]}
{:process 0 :type :ok :f :write :value [1 10]}
{:process 1 :type :ok :f :read :value [1 []]}`, checker.Valid, "", nil},
		{"inserts under another key are not this key's business", `
{:process 0 :type :invoke :f :write :value [2 20]}
{:process 0 :type :ok :f :write :value [2 20]}
{:process 1 :type :invoke :f :read :value [1 nil]}
{:process 1 :type :ok :f :read :value [1 []]}`, checker.Valid, "", nil},
		{"an insert whose outcome is unknown may be seen or missed", `
{:process 0 :type :invoke :f :write :value [1 10]}
{:process 0 :type :info :f :write :value [1 10]}
{:process 1 :type :invoke :f :read :value [1 nil]}
{:process 1 :type :ok :f :read :value [1 [10]]}
{:process 1 :type :invoke :f :read :value [1 nil]}
{:process 1 :type :ok :f :read :value [1 []]}`, checker.Valid, "", nil},
		{"missing an insert acknowledged before the read began is stale", `
{:process 0 :type :invoke :f :write :value [1 10]}
{:process 0 :type :ok :f :write :value [1 10]}
{:process 1 :type :invoke :f :read :value [1 nil]}
{:process 1 :type :ok :f :read :value [1 []]}`, checker.Invalid, Stale, int64(10)},
		{"seeing a later insert without one acknowledged before it began breaks the order", `
{:process 1 :type :invoke :f :read :value [1 nil]}
{:process 0 :type :invoke :f :write :value [1 10]}
{:process 0 :type :ok :f :write :value [1 10]}
{:process 0 :type :invoke :f :write :value [1 11]}
{:process 0 :type :ok :f :write :value [1 11]}
{:process 1 :type :ok :f :read :value [1 [11]]}`, checker.Invalid, Order, int64(10)},
		{"an id nobody wrote under the key is unexpected", `
{:process 0 :type :invoke :f :write :value [2 10]}
{:process 0 :type :ok :f :write :value [2 10]}
{:process 1 :type :invoke :f :read :value [1 nil]}
{:process 1 :type :ok :f :read :value [1 [10]]}`, checker.Invalid, Unexpected, nil},
		{"an id whose insert failed is an aborted read", `
{:process 0 :type :invoke :f :write :value [1 10]}
{:process 0 :type :fail :f :write :value [1 10]}
{:process 1 :type :invoke :f :read :value [1 nil]}
{:process 1 :type :ok :f :read :value [1 [10]]}`, checker.Invalid, Aborted, nil},
		{"no ok read is unknown", `
{:process 0 :type :invoke :f :write :value [1 10]}
{:process 0 :type :ok :f :write :value [1 10]}
{:process 1 :type :invoke :f :read :value [1 nil]}
{:process 1 :type :fail :f :read :value [1 nil]}`, checker.Unknown, "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Checker().Check(context.Background(), parse(t, c.edn))
			if r.Valid != c.want {
				t.Fatalf("verdict %v (%s %s), expected %v", r.Valid, r.Summary, r.Error, c.want)
			}
			d := r.Details.(*Details)
			if c.want != checker.Invalid {
				if d.AnomalyCount != 0 {
					t.Fatalf("anomalies in a %v history: %+v", c.want, d.Anomalies)
				}
				return
			}
			if d.AnomalyCount != 1 || d.Anomalies[0].Kind != c.kind || !history.Equal(d.Anomalies[0].Missing, c.missing) {
				t.Fatalf("anomalies %+v, expected one %s missing %v", d.Anomalies, c.kind, c.missing)
			}
			var b strings.Builder
			d.Explain(&b)
			if !strings.Contains(b.String(), "op 3 (process 1) read key 1") && !strings.Contains(b.String(), "op 5 (process 1) read key 1") {
				t.Fatalf("explanation does not name the read: %s", b.String())
			}
		})
	}
}

func TestCommentsRefusesWhatIsNotACommentsHistory(t *testing.T) {
	for _, c := range []struct{ name, edn, want string }{
		{"untupled value", `{:process 0 :type :invoke :f :write :value 10}
{:process 0 :type :ok :f :write :value 10}`, "op 0 (process 0, :write invoke): a comments op's value must be a [key value] tuple"},
		{"id written twice", `{:process 0 :type :invoke :f :write :value [1 10]}
{:process 0 :type :ok :f :write :value [1 10]}
{:process 0 :type :invoke :f :write :value [1 10]}
{:process 0 :type :ok :f :write :value [1 10]}`, "id 10 is written twice under key 1"},
		{"read of a number", `{:process 0 :type :invoke :f :read :value [1 nil]}
{:process 0 :type :ok :f :read :value [1 5]}`, "a comments read must return [key [ids...]]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := Checker().Check(context.Background(), parse(t, c.edn))
			if r.Valid != checker.Unknown || !strings.Contains(r.Error, c.want) {
				t.Fatalf("got %v %q, expected unknown with %q", r.Valid, r.Error, c.want)
			}
		})
	}
}
