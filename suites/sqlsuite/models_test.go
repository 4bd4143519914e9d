package sqlsuite

import (
	"bufio"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/faultline/faultline/checker/elle/consistency"
	"github.com/faultline/faultline/suites/sqlsuite/sqlclient"
)

// TestDefaultModelsFollowTheDocumentedTable reads docs/sql-isolation.md's
// table and checks that DefaultModels gives each row's model, that the
// model is one Elle knows, and that the code has no row the document lacks.
func TestDefaultModelsFollowTheDocumentedTable(t *testing.T) {
	const path = "../../docs/sql-isolation.md"
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows := 0
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		cells := strings.Split(strings.Trim(sc.Text(), "| "), " | ")
		if len(cells) != 4 || !slices.Contains([]string{"postgres", "mariadb", "galera"}, cells[0]) {
			continue
		}
		rows++
		got, err := DefaultModels(cells[0], sqlclient.Isolation(cells[1]))
		if err != nil || len(got) != 1 || got[0] != cells[2] {
			t.Errorf("%s:%d: %s at %s: code says %v (%v), the document %s", path, n, cells[0], cells[1], got, err, cells[2])
		}
		if _, err := consistency.Canonical(cells[2]); err != nil {
			t.Errorf("%s:%d: model %q is not one Elle knows: %v", path, n, cells[2], err)
		}
	}
	if rows != len(promises()) {
		t.Fatalf("%s has %d rows, the code %d", path, rows, len(promises()))
	}
	for _, db := range []string{"postgres", "mariadb", "galera"} {
		for _, l := range sqlclient.Isolations() {
			if _, err := DefaultModels(db, l); err != nil {
				t.Errorf("%s at %s: %v", db, l, err)
			}
		}
	}
}

// TestDefaultIsolationIsTheDatabases: no --isolation is checked as the
// level the database really runs.
func TestDefaultIsolationIsTheDatabases(t *testing.T) {
	for db, want := range map[string]string{"postgres": "read-committed", "mariadb": "read-committed", "galera": "read-committed"} {
		got, err := DefaultModels(db, "")
		if err != nil || got[0] != want {
			t.Errorf("%s default: %v %v, want %s", db, got, err, want)
		}
	}
}
