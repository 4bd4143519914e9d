package localcluster_test

import (
	"context"
	"testing"
	"time"

	"github.com/faultline/faultline/control"
	"github.com/faultline/faultline/localcluster"
	"github.com/faultline/faultline/localcluster/clustertest"
)

// BenchmarkUpDown5 builds and removes a five-node cluster per iteration and
// reports the two phases separately (up-ms, down-ms per op), measured in one
// process so that the machine's load affects both alike.
func BenchmarkUpDown5(b *testing.B) {
	env.Need(b)
	cfg, err := clustertest.Config(5)
	if err != nil {
		b.Fatal(err)
	}
	if err := clustertest.Own(cfg); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { clustertest.Remove(cfg) })
	ctx := context.Background()
	var up, down time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := localcluster.Up(ctx, cfg, nil); err != nil {
			b.Fatal(err)
		}
		mid := time.Now()
		if err := localcluster.Down(ctx, cfg, nil); err != nil {
			b.Fatal(err)
		}
		up += mid.Sub(start)
		down += time.Since(mid)
		clustertest.Own(cfg) // Down removed the owner file with the state dir's contents
	}
	b.ReportMetric(float64(up.Milliseconds())/float64(b.N), "up-ms/op")
	b.ReportMetric(float64(down.Milliseconds())/float64(b.N), "down-ms/op")
}

// BenchmarkRunTrueOverSSH is one command on a node over an open
// connection: a new SSH session, sh -c, exit status.
func BenchmarkRunTrueOverSSH(b *testing.B) {
	c := env.Need(b)
	conn, err := c.Remote().Connect(context.Background(), "n1")
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	for i := 0; i < b.N; i++ {
		if _, err := conn.Run(context.Background(), control.Cmd{Argv: []string{"true"}}); err != nil {
			b.Fatal(err)
		}
	}
}
