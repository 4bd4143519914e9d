package localcluster_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/localcluster"
	"github.com/faultline/faultline/localcluster/clustertest"
)

// env is the five-node cluster shared by this package's tests.
var env *clustertest.Env

func TestMain(m *testing.M) { os.Exit(clustertest.Run(m, 5, &env)) }

// conns logs in to every node of the shared cluster with the real SSH
// client.
func conns(t *testing.T) (*localcluster.Cluster, control.Conns) { return env.Conns(t) }

// sh runs a shell snippet on a node and returns its trimmed stdout.
func sh(t *testing.T, conn control.Conn, script string, args ...string) string {
	t.Helper()
	res, err := conn.Run(context.Background(), control.Cmd{Argv: append([]string{"sh", "-c", script, "sh"}, args...)})
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(res.Stdout))
}
