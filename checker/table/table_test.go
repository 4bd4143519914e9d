package table

import (
	"context"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker"
	"github.com/faultline/faultline/history/codec"
)

func TestTable(t *testing.T) {
	cases := []struct {
		name, edn string
		want      checker.Validity
		missing   int // refused inserts after an acknowledged CREATE
	}{
		{"inserts after an acknowledged CREATE that succeed pass", `
{:process 0 :type :invoke :f :create-table :value 1}
{:process 0 :type :ok :f :create-table :value 1}
{:process 1 :type :invoke :f :insert :value [1 0]}
{:process 1 :type :ok :f :insert :value [1 0]}`, checker.Valid, 0},
		{"an insert racing the CREATE may be refused as nonexistent", `
{:process 0 :type :invoke :f :create-table :value 1}
{:process 1 :type :invoke :f :insert :value [1 0]}
{:process 1 :type :fail :f :insert :value [1 0] :error [:doesnt-exist "Table 'faultline.tbl1' doesn't exist"]}
{:process 0 :type :ok :f :create-table :value 1}
{:process 1 :type :invoke :f :insert :value [1 1]}
{:process 1 :type :ok :f :insert :value [1 1]}`, checker.Valid, 0},
		{"an insert refused for another reason is not this checker's business", `
{:process 0 :type :invoke :f :create-table :value 1}
{:process 0 :type :ok :f :create-table :value 1}
{:process 1 :type :invoke :f :insert :value [1 0]}
{:process 1 :type :fail :f :insert :value [1 0] :error "deadlock"}`, checker.Valid, 0},
		{"an insert refused as nonexistent after its CREATE was acknowledged is invalid", `
{:process 0 :type :invoke :f :create-table :value 1}
{:process 0 :type :ok :f :create-table :value 1}
{:process 1 :type :invoke :f :insert :value [1 0]}
{:process 1 :type :fail :f :insert :value [1 0] :error [:doesnt-exist "relation \"tbl1\" does not exist"]}`, checker.Invalid, 1},
		{"the keyword alone counts too", `
{:process 0 :type :invoke :f :create-table :value 2}
{:process 0 :type :ok :f :create-table :value 2}
{:process 1 :type :invoke :f :insert :value [2 0]}
{:process 1 :type :fail :f :insert :value [2 0] :error :doesnt-exist}`, checker.Invalid, 1},
		{"a CREATE whose outcome is unknown promises nothing", `
{:process 0 :type :invoke :f :create-table :value 1}
{:process 0 :type :info :f :create-table :value 1}
{:process 1 :type :invoke :f :insert :value [1 0]}
{:process 1 :type :fail :f :insert :value [1 0] :error :doesnt-exist}`, checker.Unknown, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, _, err := codec.Read(strings.NewReader(c.edn), "test.edn", codec.EDN)
			if err != nil {
				t.Fatal(err)
			}
			r := Checker().Check(context.Background(), h)
			if r.Valid != c.want {
				t.Fatalf("verdict %v (%s %s), expected %v", r.Valid, r.Summary, r.Error, c.want)
			}
			d := r.Details.(*Details)
			if d.MissingTableCount != c.missing || len(d.Missing) != c.missing {
				t.Fatalf("missing %d %+v, expected %d", d.MissingTableCount, d.Missing, c.missing)
			}
			if c.missing > 0 {
				var b strings.Builder
				d.Explain(&b)
				if !strings.Contains(b.String(), "op 3 (process 1): insert into table") || !strings.Contains(b.String(), "acknowledged at op 1") {
					t.Fatalf("explanation: %s", b.String())
				}
			}
		})
	}
}

func TestTableRefusesAnInsertWithoutATable(t *testing.T) {
	h, _, err := codec.Read(strings.NewReader(`{:process 0 :type :invoke :f :insert :value 3}
{:process 0 :type :ok :f :insert :value 3}`), "test.edn", codec.EDN)
	if err != nil {
		t.Fatal(err)
	}
	r := Checker().Check(context.Background(), h)
	if r.Valid != checker.Unknown || !strings.Contains(r.Error, "op 1 (process 0, :insert ok): an insert's value must be [table id]") {
		t.Fatalf("got %v %q", r.Valid, r.Error)
	}
}
