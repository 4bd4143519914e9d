package node_test

import (
	"os"
	"testing"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/localcluster"
	"github.com/faultline/faultline/localcluster/clustertest"
)

// env is a three-node local cluster: the helpers are tested on real nodes
// through the real SSH client.
var env *clustertest.Env

func TestMain(m *testing.M) { os.Exit(clustertest.Run(m, 3, &env)) }

func conns(t *testing.T) (*localcluster.Cluster, control.Conns) { return env.Conns(t) }
