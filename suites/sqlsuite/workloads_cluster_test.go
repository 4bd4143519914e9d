package sqlsuite_test

import (
	"testing"

	"github.com/faultline/faultline/cli"
	"github.com/faultline/faultline/history"
)

// The TiDB suite's other workloads, each once through the command line on
// MariaDB deployed on the package's cluster (cluster_test.go's run): 6 s of
// workload at serializable, which MariaDB keeps, so the verdict must be
// valid, with ok ops of the workload's own fs in the history. (Their
// PostgreSQL runs, and the set-cas run that must fail, are in
// sqlworkload's loopback tests.)
func TestOtherWorkloadsOnMariaDB(t *testing.T) {
	for _, c := range []struct {
		workload string
		fs       []string // each must have ok ops
		more     []string
	}{
		{"register", []string{"read", "write", "cas"}, []string{"--use-index", "--read-lock", "update"}},
		{"set", []string{"add", "read"}, nil},
		{"set-cas", []string{"add", "read"}, []string{"--read-lock", "update"}},
		{"long-fork", []string{"txn"}, []string{"--use-index"}},
		{"monotonic", []string{"inc", "read"}, nil},
		{"sequential", []string{"write", "read"}, nil},
		{"comments", []string{"write", "read"}, nil},
		{"table", []string{"create-table", "insert"}, nil},
	} {
		t.Run(c.workload, func(t *testing.T) {
			args := append([]string{"test", "--workload", c.workload, "--db", "mariadb", "--isolation", "serializable",
				"--time-limit", "6", "--concurrency", "6"}, c.more...)
			code, out, l := run(t, t.TempDir(), args...)
			expect(t, code, out, cli.ExitValid, ": valid (sql-"+c.workload+"-serializable, ")
			ok := map[string]int{}
			for _, op := range l.History.All() {
				if op.IsClient() && op.Type == history.OK {
					ok[op.F]++
				}
			}
			for _, f := range c.fs {
				if ok[f] == 0 {
					t.Fatalf("no ok %s op in the run: ok ops by f %v", f, ok)
				}
			}
		})
	}
}
